import { afterEach, describe, expect, it, vi } from "vitest";
import type WAWebJS from "whatsapp-web.js";
import { isWarmlineError } from "../../src/domain/errors.js";
import type {
  CustomerChannelEvents,
  CustomerMessageChange,
  DeliveryUpdate,
  InboundCustomerMessage,
} from "../../src/ports/customer-channel.js";
import type { WhatsAppMedia } from "../../channels/whatsapp/client-port.js";
import {
  WHATSAPP_INBOUND_RETRY_DELAYS_MS,
  WhatsAppChannelAdapter,
  whatsappAckToDeliveryState,
  type WhatsAppChannelOptions,
} from "../../channels/whatsapp/whatsapp-channel.js";
import { decodeWhatsAppAddress } from "../../channels/whatsapp/whatsapp-address.js";
import { WHATSAPP_TEXT_LIMIT } from "../../channels/whatsapp/outbound-text.js";
import { WHATSAPP_CATCH_UP_OVERLAP_MS } from "../../channels/whatsapp/whatsapp-catch-up.js";
import { FAKE_WHATSAPP_PAIRING_CODE, FAKE_WHATSAPP_QR, FakeWhatsAppClient } from "../../src/sandbox/fake-whatsapp-client.js";

const CUSTOMER = "whatsapp:15551234567@c.us";
const NOW = 1_718_000_000_000;

type Problem = { code: string; message: string; qr?: string };

function setup(options: Partial<WhatsAppChannelOptions> & { autoReady?: boolean; lidPhones?: Record<string, string> } = {}) {
  const { autoReady, lidPhones, ...adapterOptions } = options;
  const client = new FakeWhatsAppClient({ autoReady, lidPhones, now: () => NOW });
  const received: InboundCustomerMessage[] = [];
  const changes: CustomerMessageChange[] = [];
  const deliveries: DeliveryUpdate[] = [];
  const problems: Problem[] = [];
  const printed: string[] = [];
  const logs: { level: string; context: Record<string, unknown>; message: string }[] = [];
  const log = (level: string) => (context: Record<string, unknown>, message: string) => logs.push({ level, context, message });
  // A stand-in for wweb.MessageMedia: the factory is the seam that keeps the SDK class out of tests.
  const createMedia = (media: WhatsAppMedia) => ({ ...media, fake: true }) as unknown as WAWebJS.MessageMedia;
  const events: CustomerChannelEvents = {
    onMessage: async (m) => void received.push(m),
    onMessageChange: async (c) => void changes.push(c),
    onDelivery: async (d) => void deliveries.push(d),
    onConnectionProblem: async (p) => void problems.push(p),
  };
  const adapter = new WhatsAppChannelAdapter({
    client,
    clock: { now: () => NOW },
    logger: { debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error") },
    printQr: (qr) => printed.push(qr),
    createMedia,
    reconnect: { baseMs: 1_000, maxMs: 8_000 },
    ...adapterOptions,
  });
  return { client, adapter, events, received, changes, deliveries, problems, printed, logs };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("WhatsAppChannelAdapter inbound", () => {
  it("delivers a customer's text once, with name, phone and the wweb message id", async () => {
    const { client, adapter, events, received } = setup();
    await adapter.start(events);
    const id = client.customerSays("Where is my order?", { name: "Alex" });
    await adapter.whenIdle();
    expect(received).toEqual([
      {
        messageId: id,
        address: CUSTOMER,
        channel: "whatsapp",
        customerName: "Alex",
        phone: "+15551234567",
        text: "Where is my order?",
        receivedAt: NOW,
        sentAt: NOW,
      },
    ]);
  });

  it("downloads media before handing the message on", async () => {
    const { client, adapter, events, received } = setup();
    await adapter.start(events);
    client.customerSends("voice-note", { name: "Alex" });
    await adapter.whenIdle();
    expect(received[0]?.attachments?.[0]).toMatchObject({
      kind: "audio",
      mimeType: "audio/ogg; codecs=opus",
      dataBase64: expect.any(String),
    });
  });

  it("keeps a customer's caption when the media download fails", async () => {
    const { client, adapter, events, received, logs } = setup();
    await adapter.start(events);
    client.customerSends("image", { media: new Error("media expired") });
    await adapter.whenIdle();
    expect(received[0]?.text).toBe("This arrived broken");
    expect(received[0]?.attachments?.[0]?.description).toContain("media expired");
    expect(logs.some((l) => l.level === "warn" && l.message === "Downloading WhatsApp media failed")).toBe(true);
  });

  it("keeps one customer's messages in order even when media is slow", async () => {
    const { client, adapter, events, received } = setup();
    await adapter.start(events);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    client.customerSends("image", {
      media: async () => {
        await gate;
        return { mimetype: "image/jpeg", data: "AAAA" };
      },
    });
    client.customerSays("and also this");
    // Let every pending callback run: the text must still wait behind the image.
    await new Promise((resolve) => setImmediate(resolve));
    expect(received).toEqual([]);
    release();
    await adapter.whenIdle();
    expect(received.map((m) => m.text)).toEqual(["This arrived broken", "and also this"]);
  });

  it("falls back to the contact's pushname when there is no notifyName", async () => {
    const { client, adapter, events, received } = setup();
    await adapter.start(events);
    client.customerSays("hi");
    await adapter.whenIdle();
    expect(received[0]?.customerName).toBeUndefined();

    const id = "false_15551234567@c.us_AC00000000000000000000000000FF";
    client.receive({
      id: { _serialized: id },
      from: "15551234567@c.us",
      type: "chat",
      body: "hello",
      getContact: async () => ({ pushname: "Pat", number: "15551234567" }),
    });
    await adapter.whenIdle();
    expect(received[1]).toMatchObject({ messageId: id, customerName: "Pat" });
  });

  it("resolves a @lid sender's phone number", async () => {
    const { client, adapter, events, received } = setup({ lidPhones: { "204928371651234@lid": "15551234567@c.us" } });
    await adapter.start(events);
    client.customerSays("hi", { from: "204928371651234@lid" });
    await adapter.whenIdle();
    expect(received[0]).toMatchObject({ address: "whatsapp:204928371651234@lid", phone: "+15551234567" });
  });

  it("ignores groups, status, channels and our own messages", async () => {
    const { client, adapter, events, received, logs } = setup();
    await adapter.start(events);
    client.customerSends("group-text");
    client.customerSends("status");
    client.customerSends("newsletter");
    client.receive({
      id: { _serialized: "true_15551234567@c.us_X", fromMe: true },
      fromMe: true,
      from: "15559876543@c.us",
      type: "chat",
      body: "ours",
    });
    await adapter.whenIdle();
    expect(received).toEqual([]);
    expect(logs.filter((l) => l.message === "Ignored a WhatsApp message").map((l) => l.context.reason)).toEqual([
      "group chat",
      "status update",
      "WhatsApp channel (newsletter)",
      "sent by this WhatsApp account",
    ]);
  });

  it("logs and skips malformed payloads without throwing into the client", async () => {
    const { client, adapter, events, received, logs } = setup();
    await adapter.start(events);
    client.receive(null as never);
    client.receive({ from: "15551234567@c.us", type: "chat", body: "no id" });
    await adapter.whenIdle();
    expect(received).toEqual([]);
    expect(logs.filter((l) => l.level !== "info").map((l) => l.context.reason)).toEqual([
      "payload is not a message object",
      "message has no id (id._serialized)",
    ]);
  });

  it("logs an engine failure, after its retries, instead of crashing the event emitter", async () => {
    vi.useFakeTimers();
    try {
      const { client, adapter, events, logs } = setup();
      await adapter.start({ ...events, onMessage: async () => Promise.reject(new Error("store down")) });
      client.customerSays("hi");
      await vi.advanceTimersByTimeAsync(WHATSAPP_INBOUND_RETRY_DELAYS_MS.reduce((a, b) => a + b, 0));
      await adapter.whenIdle();
      expect(logs).toContainEqual({ level: "error", context: { err: "store down" }, message: "Handling a WhatsApp event failed" });
    } finally {
      vi.useRealTimers();
    }
  });

  it("reports edits and deletions for everyone", async () => {
    const { client, adapter, events, changes } = setup();
    await adapter.start(events);
    const id = client.customerSays("I want a refund for 10023");
    client.customerEdits(id, "I want a refund for 10024");
    client.customerDeletes(id);
    await adapter.whenIdle();
    expect(changes).toEqual([
      { messageId: id, address: CUSTOMER, kind: "edited", newText: "I want a refund for 10024", at: NOW },
      { messageId: id, address: CUSTOMER, kind: "deleted", at: NOW },
    ]);
  });

  it("ignores edits in group chats", async () => {
    const { client, adapter, events, changes } = setup();
    await adapter.start(events);
    const id = client.customerSends("group-text");
    client.customerEdits(id, "edited");
    await adapter.whenIdle();
    expect(changes).toEqual([]);
  });
});

describe("the fake WhatsApp client's ids", () => {
  it("are unique across clients, as WhatsApp's are per account: two instances or a restart share one inbox", () => {
    const first = new FakeWhatsAppClient();
    const second = new FakeWhatsAppClient();
    const ids = [first, second].flatMap((client) => [client.customerSays("hi"), client.customerSays("again")]);
    expect(new Set(ids).size).toBe(4);
  });
});

describe("WhatsAppChannelAdapter outbound", () => {
  it("sends text to the decoded chat and returns the sent message id", async () => {
    const { client, adapter, events } = setup();
    await adapter.start(events);
    const { channelMessageId } = await adapter.send({ address: CUSTOMER, text: "Hi Alex, Sam here." });
    expect(client.sent).toEqual([
      { id: channelMessageId, chatId: "15551234567@c.us", content: "Hi Alex, Sam here.", text: "Hi Alex, Sam here." },
    ]);
  });

  it("sends an image with the text as its caption, built through the media factory", async () => {
    const { client, adapter, events } = setup();
    await adapter.start(events);
    const { channelMessageId } = await adapter.send({
      address: CUSTOMER,
      text: "Here is the label",
      attachments: [{ kind: "image", mimeType: "image/png", dataBase64: "iVBORw0KGgo=", filename: "label.png" }],
    });
    expect(client.sent).toHaveLength(1);
    expect(client.sent[0]).toMatchObject({ id: channelMessageId, options: { caption: "Here is the label" } });
    expect(client.sent[0]?.content).toEqual({ mimetype: "image/png", data: "iVBORw0KGgo=", filename: "label.png", fake: true });
  });

  it("sends text first when the media cannot carry a caption, documents as documents, and descriptions as text", async () => {
    const { client, adapter, events } = setup();
    await adapter.start(events);
    const { channelMessageId } = await adapter.send({
      address: CUSTOMER,
      text: "Two files",
      attachments: [
        { kind: "audio", mimeType: "audio/ogg", dataBase64: "T2dnUw==" },
        { kind: "document", mimeType: "application/pdf", dataBase64: "JVBERi0=", filename: "refund.pdf" },
        { kind: "location", description: "Location: 52.37,4.89 (Shop)" },
      ],
    });
    expect(client.sent.map((s) => [s.text, s.options])).toEqual([
      ["Two files\nLocation: 52.37,4.89 (Shop)", undefined],
      ["", undefined],
      ["", { sendMediaAsDocument: true }],
    ]);
    expect(channelMessageId).toBe(client.sent[0]?.id);
  });

  it("throws channel_unavailable while not ready, so the caller retries later", async () => {
    const { client, adapter, events } = setup({ autoReady: false });
    await adapter.start(events);
    expect(adapter.isReady()).toBe(false);
    await expect(adapter.send({ address: CUSTOMER, text: "hi" })).rejects.toSatisfy((err) => isWarmlineError(err, "channel_unavailable"));
    expect(client.sent).toEqual([]);
  });

  it("throws bad_id for an address of another channel, even when not ready", async () => {
    const { adapter, events } = setup({ autoReady: false });
    await adapter.start(events);
    await expect(adapter.send({ address: "slack:C1:1.2", text: "hi" })).rejects.toSatisfy((err) => isWarmlineError(err, "bad_id"));
  });

  it("wraps a rejected send as delivery_failed with the cause, then sends again when asked", async () => {
    const { client, adapter, events } = setup();
    await adapter.start(events);
    const cause = new Error("Evaluation failed: chat not found");
    client.failNextSends(1, cause);
    const err = await adapter.send({ address: CUSTOMER, text: "hi" }).catch((e: unknown) => e);
    expect(isWarmlineError(err, "delivery_failed")).toBe(true);
    expect((err as Error).message).toContain("chat not found");
    expect((err as { cause?: unknown }).cause).toBe(cause);
    const retried = await adapter.send({ address: CUSTOMER, text: "hi" });
    expect(retried.channelMessageId).toBe(client.lastSent()?.id);
    expect(client.sent).toHaveLength(1);
  });

  it("sends a long text as several messages in order, and a caption too long for WhatsApp as text before the media", async () => {
    const { client, adapter, events } = setup();
    await adapter.start(events);
    const paragraphs = Array.from({ length: 6 }, (_, i) => `Step ${i + 1}: ${"do the thing carefully ".repeat(80).trim()}.`);
    const { channelMessageId } = await adapter.send({ address: CUSTOMER, text: paragraphs.join("\n\n") });
    expect(client.sent.length).toBeGreaterThan(1);
    expect(client.sent.every((s) => s.text.length <= WHATSAPP_TEXT_LIMIT)).toBe(true);
    expect(client.sent.map((s) => s.text).join("\n\n")).toBe(paragraphs.join("\n\n"));
    expect(channelMessageId).toBe(client.sent[0]?.id);

    client.sent.length = 0;
    const longCaption = "Your label and the steps to return the parcel. ".repeat(30);
    await adapter.send({
      address: CUSTOMER,
      text: longCaption,
      attachments: [{ kind: "image", mimeType: "image/png", dataBase64: "iVBORw0KGgo=" }],
    });
    expect(client.sent.map((s) => [s.text, s.options])).toEqual([
      [longCaption, undefined],
      ["", undefined],
    ]);
  });

  it("an in-doubt retry resumes after the parts an interrupted attempt delivered, and re-sends nothing", async () => {
    const { client, adapter, events } = setup();
    await adapter.start(events);
    // An identical text sent before this message's first attempt (beyond the clock-skew allowance)
    // is not mistaken for its copy.
    await adapter.send({ address: CUSTOMER, text: "Here you go" });
    const message = {
      address: CUSTOMER,
      text: "Here you go",
      attachments: [
        { kind: "audio" as const, mimeType: "audio/ogg", dataBase64: "T2dnUw==" },
        { kind: "document" as const, mimeType: "application/pdf", dataBase64: "JVBERi0=", filename: "refund.pdf" },
      ],
    };
    const firstAttemptAt = NOW + 5 * 60_000;
    client.now = () => firstAttemptAt;
    // The text and the voice note go; the document fails.
    const original = client.sendMessage.bind(client);
    let sends = 0;
    client.sendMessage = async (...args) => {
      if (++sends === 3) throw new Error("Evaluation failed: t: t");
      return original(...args);
    };
    const err = await adapter.send(message).catch((e: unknown) => e);
    expect((err as Error).message).toContain("2 of 3 parts had already been sent");
    const afterFailure = client.sent.length;

    const { channelMessageId } = await adapter.send(message, { key: "ob_1", inDoubt: true, since: firstAttemptAt });
    expect(client.sent.slice(afterFailure).map((s) => s.options)).toEqual([{ sendMediaAsDocument: true }]);
    expect(client.sent.filter((s) => s.text === "Here you go")).toHaveLength(2);
    expect(channelMessageId).toBe(client.sent[1]?.id);

    // Everything had gone: a further in-doubt attempt sends nothing.
    const sentBefore = client.sent.length;
    await adapter.send(message, { key: "ob_1", inDoubt: true, since: firstAttemptAt });
    expect(client.sent).toHaveLength(sentBefore);
  });

  it.each([
    ["had not reached WhatsApp", false],
    ["had reached WhatsApp before its answer was lost", true],
  ])(
    "an identical message right after a confirmed one is matched by position: in doubt, it %s, and is sent exactly once",
    async (_name, stored) => {
      const { client, adapter, events } = setup();
      await adapter.start(events);
      const message = { address: CUSTOMER, text: "OK, one moment." };
      const first = await adapter.send(message);
      const confirmed = { key: "ob_1", channelMessageId: first.channelMessageId, lastMessageId: first.lastMessageId!, at: first.sentAt! };
      expect(confirmed.lastMessageId).toBe(client.sent[0]?.id);
      if (stored) await client.sendMessage(decodeWhatsAppAddress(CUSTOMER), message.text);
      const second = await adapter.send(message, { key: "ob_2", inDoubt: true, since: NOW, after: confirmed });
      expect(client.sent.map((s) => s.text)).toEqual(["OK, one moment.", "OK, one moment."]);
      expect(second.channelMessageId).toBe(client.sent[1]?.id);
      expect(second.channelMessageId).not.toBe(first.channelMessageId);
    },
  );

  it("a message typed on the phone after the last confirmed send breaks the run: the in-doubt part is sent again, not lost", async () => {
    const { client, adapter, events } = setup();
    await adapter.start(events);
    const first = await adapter.send({ address: CUSTOMER, text: "Checking" });
    const confirmed = { key: "ob_1", channelMessageId: first.channelMessageId, lastMessageId: first.lastMessageId!, at: first.sentAt! };
    await client.sendMessage(decodeWhatsAppAddress(CUSTOMER), "typed on the phone");
    await client.sendMessage(decodeWhatsAppAddress(CUSTOMER), "Your refund is on its way");
    await adapter.send(
      { address: CUSTOMER, text: "Your refund is on its way" },
      { key: "ob_2", inDoubt: true, since: NOW, after: confirmed },
    );
    expect(client.sent.filter((s) => s.text === "Your refund is on its way")).toHaveLength(2);
  });

  it("refuses an empty message", async () => {
    const { adapter, events } = setup();
    await adapter.start(events);
    await expect(adapter.send({ address: CUSTOMER, text: " " })).rejects.toSatisfy((err) => isWarmlineError(err, "input_invalid"));
  });
});

describe("WhatsAppChannelAdapter delivery acks", () => {
  it.each([
    [-1, "failed"],
    [0, undefined],
    [1, "sent"],
    [2, "delivered"],
    [3, "read"],
    [4, "read"],
    [7, undefined],
  ] as const)("maps ack %d to %s", (ack, state) => {
    expect(whatsappAckToDeliveryState(ack)).toBe(state);
  });

  it("reports acks of sent messages as delivery updates, ignoring pending", async () => {
    const { client, adapter, events, deliveries } = setup();
    await adapter.start(events);
    const { channelMessageId } = await adapter.send({ address: CUSTOMER, text: "hi" });
    client.ack(channelMessageId, 0);
    client.ack(channelMessageId, 1);
    client.ack(channelMessageId, 2);
    client.ack(channelMessageId, 3);
    client.ack(channelMessageId, -1);
    await adapter.whenIdle();
    // The address lets the engine find the conversation after a restart.
    expect(deliveries).toEqual([
      { channelMessageId, state: "sent", address: CUSTOMER },
      { channelMessageId, state: "delivered", address: CUSTOMER },
      { channelMessageId, state: "read", address: CUSTOMER },
      { channelMessageId, state: "failed", error: expect.stringContaining("ack -1"), address: CUSTOMER },
    ]);
  });

  it("ignores acks of the customer's own messages", async () => {
    const { client, adapter, events, deliveries } = setup();
    await adapter.start(events);
    const id = client.customerSays("hi");
    client.ack(id, 3);
    await adapter.whenIdle();
    expect(deliveries).toEqual([]);
  });
});

describe("WhatsAppChannelAdapter connection", () => {
  it("becomes ready on ready and not ready on disconnect", async () => {
    const { client, adapter, events } = setup({ autoReady: false });
    await adapter.start(events);
    expect(adapter.isReady()).toBe(false);
    client.becomeReady();
    expect(adapter.isReady()).toBe(true);
    client.disconnect("NAVIGATION");
    expect(adapter.isReady()).toBe(false);
    await adapter.stop();
  });

  it("reconnects with exponential backoff until ready, then resets the backoff", async () => {
    vi.useFakeTimers();
    const { client, adapter, events, problems } = setup();
    await adapter.start(events);
    expect(client.initializeCount).toBe(1);

    client.failNextInitializes(2);
    client.disconnect("NAVIGATION");
    expect(adapter.isReady()).toBe(false);

    await vi.advanceTimersByTimeAsync(999);
    expect(client.initializeCount).toBe(1);
    await vi.advanceTimersByTimeAsync(1); // 1s: first attempt fails
    expect(client.initializeCount).toBe(2);
    await vi.advanceTimersByTimeAsync(1_999);
    expect(client.initializeCount).toBe(2);
    await vi.advanceTimersByTimeAsync(1); // +2s: second attempt fails
    expect(client.initializeCount).toBe(3);
    await vi.advanceTimersByTimeAsync(4_000); // +4s: third attempt succeeds
    expect(client.initializeCount).toBe(4);
    expect(adapter.isReady()).toBe(true);
    expect(client.destroyCount).toBe(3);

    await adapter.whenIdle();
    expect(problems.map((p) => p.code)).toEqual(["NAVIGATION", "connected"]);

    client.disconnect("NAVIGATION"); // backoff starts again from baseMs
    await vi.advanceTimersByTimeAsync(1_000);
    expect(client.initializeCount).toBe(5);
    await adapter.stop();
  });

  it("caps the backoff at maxMs", async () => {
    vi.useFakeTimers();
    const { client, adapter, events } = setup();
    await adapter.start(events);
    client.failNextInitializes(10);
    client.disconnect("TIMEOUT");
    await vi.advanceTimersByTimeAsync(1_000 + 2_000 + 4_000 + 8_000); // four attempts
    expect(client.initializeCount).toBe(5);
    await vi.advanceTimersByTimeAsync(7_999);
    expect(client.initializeCount).toBe(5);
    await vi.advanceTimersByTimeAsync(1); // capped at 8s, not 16s
    expect(client.initializeCount).toBe(6);
    await adapter.stop();
  });

  it.each(["LOGOUT", "TOS_BLOCK", "SMB_TOS_BLOCK"])("reports %s and does not reconnect", async (reason) => {
    vi.useFakeTimers();
    const { client, adapter, events, problems } = setup();
    await adapter.start(events);
    client.disconnect(reason);
    await vi.advanceTimersByTimeAsync(60_000);
    await adapter.whenIdle();
    expect(client.initializeCount).toBe(1);
    expect(problems).toHaveLength(1);
    expect(problems[0]?.code).toBe(reason);
    expect(problems[0]?.message).toMatch(reason === "LOGOUT" ? /logged this session out: pair again with `npm start`/ : /Terms of Service/);
  });

  it("reports CONFLICT once (change_state then disconnected) and reconnects", async () => {
    vi.useFakeTimers();
    const { client, adapter, events, problems } = setup();
    await adapter.start(events);
    client.disconnect("CONFLICT", { withStateChange: true });
    await adapter.whenIdle();
    expect(problems).toEqual([{ code: "CONFLICT", message: expect.stringContaining("close the other WhatsApp Web") }]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(client.initializeCount).toBe(2);
    expect(adapter.isReady()).toBe(true);
    await adapter.stop();
  });

  it.each(["UNPAIRED", "TOS_BLOCK"] as const)("reports change_state %s and stops sending", async (state) => {
    const { client, adapter, events, problems } = setup();
    await adapter.start(events);
    client.changeState(state);
    await adapter.whenIdle();
    expect(adapter.isReady()).toBe(false);
    expect(problems.map((p) => p.code)).toEqual([state]);
  });

  it("ignores routine state changes", async () => {
    const { client, adapter, events, problems } = setup();
    await adapter.start(events);
    client.changeState("OPENING");
    client.changeState("CONNECTED");
    await adapter.whenIdle();
    expect(problems).toEqual([]);
    expect(adapter.isReady()).toBe(true);
  });

  it("prints the QR in the terminal and reports it for the ops channel", async () => {
    const { client, adapter, events, problems, printed } = setup({ autoReady: false });
    await adapter.start(events);
    client.showQr();
    await adapter.whenIdle();
    expect(printed).toEqual([FAKE_WHATSAPP_QR]);
    expect(problems).toEqual([
      { code: "qr", message: expect.stringContaining("Linked devices"), qr: FAKE_WHATSAPP_QR, qrText: expect.any(String) },
    ]);
    // The ops channel gets the QR drawn, not the raw pairing string, so it can be scanned from Slack.
    const drawn = (problems[0] as unknown as { qrText: string }).qrText;
    expect(drawn).not.toContain(FAKE_WHATSAPP_QR);
    expect(drawn.split("\n").length).toBeGreaterThan(10);
    expect(drawn).toMatch(/[▀▄█]/);
  });

  it("in pairing-code mode requests one code for the configured phone and reports it", async () => {
    const { client, adapter, events, problems, printed } = setup({ autoReady: false, pairing: { mode: "code", phone: "+1 555 987 6543" } });
    await adapter.start(events);
    client.showQr();
    client.showQr("2@second");
    await adapter.whenIdle();
    expect(client.pairingCodeRequests).toEqual(["15559876543"]);
    expect(printed).toEqual([]);
    expect(problems).toEqual([{ code: "pairing_code", message: expect.stringContaining("WARM-1234") }]);
    expect(FAKE_WHATSAPP_PAIRING_CODE).toBe("WARM1234");
  });

  it("refuses pairing-code mode without a phone", () => {
    expect(() => setup({ pairing: { mode: "code" } })).toThrow(/whatsapp.pairingPhone is required/);
  });

  it("reports auth_failure with what to do", async () => {
    const { client, adapter, events, problems } = setup({ autoReady: false });
    await adapter.start(events);
    client.failAuth("Unable to restore session");
    await adapter.whenIdle();
    expect(problems).toEqual([
      { code: "auth_failure", message: expect.stringMatching(/Unable to restore session.*delete the whatsapp-session folder/) },
    ]);
  });

  it("fails start clearly when the browser cannot start", async () => {
    const { client, adapter, events } = setup();
    client.failNextInitializes(1, new Error("Failed to launch the browser process!"));
    const err = await adapter.start(events).catch((e: unknown) => e);
    expect(isWarmlineError(err, "channel_unavailable")).toBe(true);
    expect((err as Error).message).toContain("Failed to launch the browser process!");
    expect((err as Error).message).toContain("CHROME_PATH");
    expect(client.listenerCount("message")).toBe(0);
  });

  it("stop cancels a pending reconnect, removes its listeners and destroys the client", async () => {
    vi.useFakeTimers();
    const { client, adapter, events } = setup();
    const ownListener = vi.fn();
    client.on("message", ownListener);
    await adapter.start(events);
    client.disconnect("NAVIGATION");
    await adapter.stop();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(client.initializeCount).toBe(1);
    expect(client.destroyCount).toBe(1);
    expect(client.listenerCount("message")).toBe(1);
    expect(adapter.isReady()).toBe(false);
  });
});

describe("WhatsAppChannelAdapter catch-up after downtime", () => {
  /** A client that holds what customers wrote while Warmline was down, and an adapter that last stored a message at `lastStored`. */
  function offline(lastStored: number | undefined) {
    let now = NOW;
    const world = setup({ autoReady: false });
    const client = new FakeWhatsAppClient({ autoReady: false, now: () => now });
    const adapter = new WhatsAppChannelAdapter({ client, clock: { now: () => now }, printQr: () => undefined });
    const events = { ...world.events, lastInboundAt: async () => lastStored };
    return { ...world, client, adapter, events, at: (ms: number) => void (now = ms) };
  }

  it("on connecting, stores what customers sent since the last stored message, oldest first, and nothing older or of its own", async () => {
    const { client, adapter, events, received, at } = offline(NOW);
    at(NOW - WHATSAPP_CATCH_UP_OVERLAP_MS - 60_000);
    client.customerSaysWhileOffline("long answered", { from: "15550000001" });
    at(NOW + 5_000);
    client.customerSaysWhileOffline("first while down", { from: "15550000001" });
    await client.sendMessage("15550000001@c.us", "our own message");
    at(NOW + 9_000);
    client.customerSaysWhileOffline("another customer", { from: "15550000002" });
    client.customerSaysWhileOffline("second while down", { from: "15550000001" });
    client.customerSaysWhileOffline("in a group", { from: "120363000000000000@g.us" });
    await adapter.start(events);
    client.becomeReady();
    await adapter.whenIdle();
    const texts = (chat: string) => received.filter((m) => m.address === `whatsapp:${chat}@c.us`).map((m) => m.text);
    expect(texts("15550000001")).toEqual(["first while down", "second while down"]);
    expect(texts("15550000002")).toEqual(["another customer"]);
    expect(received).toHaveLength(3);
    expect(received[0]).toMatchObject({ sentAt: NOW + 5_000 });
  });

  it("stores a live message that arrives during the catch-up after the older ones it found", async () => {
    const { client, adapter, events, received, at } = offline(NOW);
    at(NOW + 1_000);
    client.customerSaysWhileOffline("sent while down");
    await adapter.start(events);
    client.becomeReady();
    client.customerSays("sent just now");
    await adapter.whenIdle();
    // The catch-up may find the live one too: the inbox takes that copy as a no-op.
    expect([...new Set(received.map((m) => m.text))]).toEqual(["sent while down", "sent just now"]);
  });

  it("catches up again after every reconnect", async () => {
    const { client, adapter, events, received, at } = offline(NOW);
    await adapter.start(events);
    client.becomeReady();
    await adapter.whenIdle();
    client.disconnect("NAVIGATION");
    at(NOW + 30_000);
    client.customerSaysWhileOffline("while reconnecting");
    client.becomeReady();
    await adapter.whenIdle();
    expect(received.map((m) => m.text)).toEqual(["while reconnecting"]);
    await adapter.stop();
  });

  it("reads nothing back on the first start, before any message was ever stored", async () => {
    const { client, adapter, events, received } = offline(undefined);
    client.customerSaysWhileOffline("from before Warmline was installed");
    await adapter.start(events);
    client.becomeReady();
    await adapter.whenIdle();
    expect(received).toEqual([]);
  });
});
