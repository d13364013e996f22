import { afterEach, describe, expect, it } from "vitest";
import { cloudSendTag } from "../../channels/whatsapp-cloud/cloud-send-ledger.js";
import type { DeliveryAttempt } from "../../src/ports/customer-channel.js";
import type { WarmlineStore } from "../../src/ports/outbox.js";
import { createMemoryStore } from "../../src/store/memory-store.js";
import { buildConversation, buildTranscriptEntry } from "../contract/conversation-factory.js";
import { type CloudHarness, failureOf, startCloudHarness } from "../helpers/cloud-harness.js";

/**
 * The Cloud API channel across a restart (a new adapter on the same store): an in-doubt send is
 * resolved by the status webhooks Meta echoes its tag in, and read receipts come from the store.
 */
const ADDRESS = "whatsapp:447700900123@c.us";
const GRACE_MS = 60_000;
let harness: CloudHarness | undefined;
let now = Date.UTC(2026, 11, 6, 9);
const clock = { now: () => now };

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function started(): Promise<CloudHarness & { store: WarmlineStore }> {
  const store = await createMemoryStore({ clock });
  harness = await startCloudHarness({ enforceWindow: false, sentStatuses: true, store, clock, inDoubtGraceMs: GRACE_MS });
  await harness.channel.start({ onMessage: async () => {}, onDelivery: async () => {} });
  return Object.assign(harness, { store });
}

/** The new process starts its channel as main does. */
async function restarted(h: CloudHarness) {
  const channel = await h.restart();
  await channel.start({ onMessage: async () => {}, onDelivery: async () => {} });
  return channel;
}

const attempt = (key: string, inDoubt: boolean): DeliveryAttempt => ({ key, inDoubt, since: now });

describe("an in-doubt Cloud API send after a restart", () => {
  it("is not sent again once Meta reported it, and keeps the id its statuses come back under", async () => {
    const h = await started();
    const first = await h.channel.send({ address: ADDRESS, text: "Your refund is on its way." }, attempt("item-1", false));
    await h.api.settled();
    // The process died before it recorded the send: the outbox tries again, in doubt.
    const channel = await restarted(h);
    const again = await channel.send({ address: ADDRESS, text: "Your refund is on its way." }, attempt("item-1", true));
    expect(h.api.sent.map((m) => m.text)).toEqual(["Your refund is on its way."]);
    expect(again.channelMessageId).toBe(first.channelMessageId);
    expect(h.api.sent[0]!.callbackData).toBe(cloudSendTag("item-1", 0));
  });

  it("without a status, waits the grace period after the attempt and after the restart, then sends only the parts Meta did not report", async () => {
    const h = await started();
    const text = `${"word ".repeat(1000)}\n\n${"more ".repeat(200)}`;
    // The first part goes; Meta answers the second with a 500, which may or may not have sent it.
    h.api.onSent(() => {
      if (h.api.sent.length === 1) h.api.failNext(500);
    });
    expect((await failureOf(h.channel.send({ address: ADDRESS, text }, attempt("item-2", false))))?.delivery?.retry).toBe("transient");
    await h.api.settled();
    const channel = await restarted(h);
    for (const waited of [0, 30_000]) {
      now += waited;
      const err = await failureOf(channel.send({ address: ADDRESS, text }, attempt("item-2", true)));
      expect(err?.delivery?.retry, `after ${waited} ms`).toBe("rate_limited");
      expect(err?.message).toContain("whatsapp.inDoubtGraceMs");
    }
    expect(h.api.sent).toHaveLength(1);
    now += GRACE_MS - 30_000;
    await channel.send({ address: ADDRESS, text }, attempt("item-2", true));
    expect(h.api.sent.map((m) => m.callbackData)).toEqual([cloudSendTag("item-2", 0), cloudSendTag("item-2", 1)]);
    expect(h.api.sent[0]!.text).not.toContain("more");
    expect(h.api.sent[1]!.text).toContain("more");
  });

  it("goes again at once when Meta refused the attempt (nothing was sent)", async () => {
    const h = await started();
    h.api.failNext(131056);
    expect((await failureOf(h.channel.send({ address: ADDRESS, text: "One moment." }, attempt("item-3", false))))?.delivery?.retry).toBe(
      "rate_limited",
    );
    await h.channel.send({ address: ADDRESS, text: "One moment." }, attempt("item-3", true));
    expect(h.api.sent.map((m) => m.text)).toEqual(["One moment."]);
  });
});

describe("read receipts on the Cloud API", () => {
  it("mark the customer's latest stored message as read once, also after a restart", async () => {
    const h = await started();
    const base = buildConversation();
    const conversation = buildConversation({
      customer: { ...base.customer, address: ADDRESS },
      transcript: [
        buildTranscriptEntry({ id: "wamid.IN1", text: "hello?" }),
        buildTranscriptEntry({ author: "bot", text: "Hi! How can I help?" }),
        buildTranscriptEntry({ id: "wamid.IN2", text: "my order is late" }),
      ],
    });
    await h.store.create(conversation);
    let channel = await restarted(h);
    await channel.send({ address: ADDRESS, text: "Let me check." }, attempt("item-4", false));
    await channel.send({ address: ADDRESS, text: "It ships today." }, attempt("item-5", false));
    channel = await restarted(h);
    await channel.send({ address: ADDRESS, text: "Anything else?" }, attempt("item-6", false));
    expect(h.api.readReceipts).toEqual(["wamid.IN2"]);
  });
});
