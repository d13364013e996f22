import { afterEach, describe, expect, it } from "vitest";
import { isWarmlineError } from "../../src/domain/errors.js";
import type { InboundCustomerMessage } from "../../src/ports/customer-channel.js";
import type { FakeGraphErrorCode } from "../../src/sandbox/fake-graph-api.js";
import { type CloudHarness, failureOf, startCloudHarness } from "../helpers/cloud-harness.js";

const CUSTOMER = { phone: "447700900123", name: "Maria" };
const ADDRESS = "whatsapp:447700900123@c.us";
const HOUR = 60 * 60 * 1000;
let harness: CloudHarness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function started(options: { now?: number } = {}) {
  const clock = { now: () => options.now ?? Date.now() };
  harness = await startCloudHarness({ enforceWindow: false, clock });
  const received: InboundCustomerMessage[] = [];
  const problems: string[] = [];
  await harness.channel.start({
    onMessage: async (m) => void received.push(m),
    onConnectionProblem: async (p) => void problems.push(p.code),
  });
  return { ...harness, received, problems };
}

describe("Cloud API outbound", () => {
  it("splits a long text at 4,096 characters and returns the first message's id", async () => {
    const { api, channel } = await started();
    const text = `${"word ".repeat(1000)}\n\n${"more ".repeat(200)}`;
    const { channelMessageId } = await channel.send({ address: ADDRESS, text });
    expect(api.sent.map((m) => m.type)).toEqual(["text", "text"]);
    expect(api.sent.every((m) => m.text.length <= 4096)).toBe(true);
    expect(channelMessageId).toBe(api.sent[0]!.id);
  });

  it("offers control words as reply buttons (at most three), and a tap comes back as the word", async () => {
    const { api, channel, received } = await started();
    await channel.send({
      address: ADDRESS,
      text: "Reply BOT to keep chatting, CALLBACK for a call.",
      replyChoices: ["BOT", "CALLBACK", "CANCEL", "WAIT"],
    });
    const sent = api.sent[0]!;
    expect(sent.type).toBe("interactive");
    const buttons = (sent.payload.interactive as { action: { buttons: { reply: { title: string } }[] } }).action.buttons;
    expect(buttons.map((b) => b.reply.title)).toEqual(["BOT", "CALLBACK", "CANCEL"]);
    await api.customerTaps(CUSTOMER, "CALLBACK");
    expect(received.at(-1)?.text).toBe("CALLBACK");
  });

  it("uploads media and sends it by id, with the text as caption", async () => {
    const { api, channel } = await started();
    const data = Buffer.from("fake jpeg bytes");
    await channel.send({
      address: ADDRESS,
      text: "Your invoice",
      attachments: [{ kind: "image", mimeType: "image/jpeg", dataBase64: data.toString("base64") }],
    });
    expect(api.requests.some((r) => r.method === "POST" && r.path.endsWith("/media"))).toBe(true);
    expect(api.sent[0]).toMatchObject({ type: "image", text: "Your invoice" });
    expect(api.sent[0]!.media?.data.equals(data)).toBe(true);
  });

  it("refuses free text once the customer last wrote 24 hours ago, without calling Meta; a template still goes", async () => {
    const now = Date.UTC(2026, 0, 2);
    const { api, channel } = await started({ now });
    const before = api.requests.length;
    const err = await failureOf(channel.send({ address: ADDRESS, text: "still there?", customerLastWroteAt: now - 25 * HOUR }));
    expect(isWarmlineError(err, "window_closed")).toBe(true);
    expect(api.requests.length).toBe(before);
    await channel.send({ address: ADDRESS, text: "fine", customerLastWroteAt: now - 23 * HOUR });
    await channel.send({
      address: ADDRESS,
      text: "Hi Maria",
      template: { name: "order_update", language: "en_US", parameters: ["Maria"] },
      customerLastWroteAt: now - 25 * HOUR,
    });
    expect(api.sent.map((m) => m.type)).toEqual(["text", "template"]);
  });

  it("reaches a customer known only by a business-scoped user id", async () => {
    const { api, channel, received } = await started();
    await api.customerSays({ userId: "US.13491208655302741918", name: "Sam" }, "hi, no number here");
    expect(received[0]).toMatchObject({ address: "whatsapp:bsuid:US.13491208655302741918", text: "hi, no number here" });
    expect(received[0]!.phone).toBeUndefined();
    await channel.send({ address: received[0]!.address, text: "Hello Sam" });
    expect(api.sent[0]!.payload).toMatchObject({ recipient: "US.13491208655302741918" });
  });
});

describe("Cloud API errors, as the outbox understands them", () => {
  const cases: [FakeGraphErrorCode, string, number | undefined][] = [
    [130429, "rate_limited", undefined],
    [131056, "rate_limited", 6000],
    [131026, "permanent", undefined],
    [500, "transient", undefined],
  ];
  it.each(cases)("Meta's %i is retried as %s", async (code, retry, retryAfterMs) => {
    const { api, channel } = await started();
    api.failNext(code);
    const err = await failureOf(channel.send({ address: ADDRESS, text: "hi" }));
    expect(err?.delivery).toEqual({ retry, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });
    expect(err?.message).toMatch(/\(\d+\)/);
  });

  it("131047 is the closed window", async () => {
    const { api, channel } = await started();
    api.failNext(131047);
    expect(isWarmlineError(await failureOf(channel.send({ address: ADDRESS, text: "hi" })), "window_closed")).toBe(true);
  });

  it("an expired token stops sending, is reported to the operators once, and sending resumes once it works", async () => {
    const { api, channel, problems } = await started();
    api.expireToken();
    for (let i = 0; i < 2; i++) {
      const err = await failureOf(channel.send({ address: ADDRESS, text: "hi" }));
      expect(isWarmlineError(err, "channel_unavailable")).toBe(true);
    }
    expect(channel.isReady()).toBe(false);
    expect(problems).toEqual(["whatsapp_token_rejected"]);
    api.restoreToken();
    expect(await channel.checkConnection()).toBe(true);
    expect(channel.isReady()).toBe(true);
    expect(problems).toEqual(["whatsapp_token_rejected", "connected"]);
  });
});

describe("Cloud API inbound message types", () => {
  it("reads media, location, contacts, reactions and voice notes", async () => {
    const { api, received } = await started();
    const pdf = Buffer.from("%PDF-1.4 invoice");
    await api.customerSendsMedia(CUSTOMER, { kind: "document", data: pdf, mimeType: "application/pdf", filename: "invoice.pdf" });
    await api.customerSendsMedia(CUSTOMER, { kind: "audio", data: Buffer.from("ogg"), mimeType: "audio/ogg" });
    const [document, audio] = received;
    expect(document!.attachments?.[0]).toMatchObject({ kind: "document", filename: "invoice.pdf", mimeType: "application/pdf" });
    expect(Buffer.from(document!.attachments![0]!.dataBase64!, "base64").equals(pdf)).toBe(true);
    expect(audio!.attachments?.[0]).toMatchObject({ kind: "audio", mimeType: "audio/ogg" });
    // Each media URL was fetched with the bearer token, then downloaded.
    expect(api.requests.filter((r) => r.path.startsWith("/media-download/"))).toHaveLength(2);
  });
});
