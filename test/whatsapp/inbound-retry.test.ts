import { afterEach, describe, expect, it, vi } from "vitest";
import { WHATSAPP_INBOUND_RETRY_DELAYS_MS, WhatsAppChannelAdapter } from "../../channels/whatsapp/whatsapp-channel.js";
import type { InboundCustomerMessage } from "../../src/ports/customer-channel.js";
import { FakeWhatsAppClient } from "../../src/sandbox/fake-whatsapp-client.js";

afterEach(() => {
  vi.useRealTimers();
});

function setup(failures: number) {
  const client = new FakeWhatsAppClient();
  const adapter = new WhatsAppChannelAdapter({ client, printQr: () => undefined });
  const stored: InboundCustomerMessage[] = [];
  const problems: { code: string; message: string }[] = [];
  let calls = 0;
  const events = {
    onMessage: async (message: InboundCustomerMessage) => {
      calls++;
      if (calls <= failures) throw new Error("the store is unavailable");
      stored.push(message);
    },
    onConnectionProblem: async (problem: { code: string; message: string }) => void problems.push(problem),
  };
  return { client, adapter, events, stored, problems, calls: () => calls };
}

describe("inbound messages when the engine can't store them", () => {
  it("retries with backoff and delivers each message once, in order", async () => {
    vi.useFakeTimers();
    const { client, adapter, events, stored, calls } = setup(3);
    await adapter.start(events);
    client.customerSays("first");
    client.customerSays("second");
    await vi.advanceTimersByTimeAsync(WHATSAPP_INBOUND_RETRY_DELAYS_MS.slice(0, 3).reduce((a, b) => a + b, 0));
    await adapter.whenIdle();
    expect(stored.map((m) => m.text)).toEqual(["first", "second"]);
    expect(calls()).toBe(5);
  });

  it("tells the operators when it finally gives up, naming the message and the fix", async () => {
    vi.useFakeTimers();
    const { client, adapter, events, stored, problems } = setup(Number.POSITIVE_INFINITY);
    await adapter.start(events);
    const id = client.customerSays("hello?");
    await vi.advanceTimersByTimeAsync(WHATSAPP_INBOUND_RETRY_DELAYS_MS.reduce((a, b) => a + b, 0));
    await adapter.whenIdle();
    expect(stored).toEqual([]);
    expect(problems).toEqual([
      {
        code: "inbound_failed",
        message: expect.stringMatching(new RegExp(`${id}.*could not be stored after 6 attempts.*warmline doctor`)),
      },
    ]);
  });
});
