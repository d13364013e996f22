import { describe, expect, it } from "vitest";
import type { WhatsAppInboundMessage } from "../../channels/whatsapp/client-port.js";
import {
  WHATSAPP_INLINE_MEDIA_LIMIT_BYTES,
  normalizeWhatsAppMessage,
  parseWhatsAppVCard,
  whatsappMessageHasMedia,
  whatsappSkipReason,
} from "../../channels/whatsapp/normalize-inbound.js";
import { loadWhatsAppFixture, type FakeWhatsAppInboundKind } from "../../src/sandbox/fake-whatsapp-client.js";

const AT = 1_718_000_000_000;

function normalizeFixture(kind: FakeWhatsAppInboundKind, extra: Partial<Parameters<typeof normalizeWhatsAppMessage>[1]> = {}) {
  const fixture = loadWhatsAppFixture(kind);
  return normalizeWhatsAppMessage(fixture.message, { receivedAt: AT, media: fixture.media, ...extra });
}

function normalized(kind: FakeWhatsAppInboundKind, extra: Partial<Parameters<typeof normalizeWhatsAppMessage>[1]> = {}) {
  const result = normalizeFixture(kind, extra);
  if (!result.ok) throw new Error(`expected ${kind} to normalize, got: ${result.reason}`);
  return result.message;
}

describe("normalizeWhatsAppMessage", () => {
  it("turns a text message into an InboundCustomerMessage with the wweb id, address and name", () => {
    expect(normalized("text", { phone: "+15551234567" })).toEqual({
      messageId: "false_15551234567@c.us_AC0000000000000000000000000000A1",
      address: "whatsapp:15551234567@c.us",
      channel: "whatsapp",
      customerName: "Alex Customer",
      phone: "+15551234567",
      text: "Hi, where is my order 10023?",
      receivedAt: AT,
      // WhatsApp's own timestamp (seconds), for catch-up after downtime.
      sentAt: 1718000000_000,
    });
  });

  it("prefers the name the adapter resolved over the notifyName", () => {
    expect(normalized("text", { customerName: "Alex C." }).customerName).toBe("Alex C.");
  });

  it("carries an image with its caption as text and the media as base64", () => {
    const message = normalized("image");
    const media = loadWhatsAppFixture("image").media!;
    expect(message.text).toBe("This arrived broken");
    expect(message.attachments).toEqual([
      { kind: "image", mimeType: "image/jpeg", dataBase64: media.data, description: "This arrived broken" },
    ]);
  });

  it.each([
    ["voice-note", "audio", "audio/ogg; codecs=opus", "Voice note"],
    ["audio", "audio", "audio/mpeg", "Audio"],
    ["video", "video", "video/mp4", "See how it rattles"],
    ["sticker", "sticker", "image/webp", "Sticker"],
  ] as const)("carries a %s as a %s attachment", (kind, attachmentKind, mimeType, description) => {
    const [attachment] = normalized(kind).attachments ?? [];
    expect(attachment).toMatchObject({ kind: attachmentKind, mimeType, description });
    expect(attachment?.dataBase64).toBe(loadWhatsAppFixture(kind).media!.data);
  });

  it("keeps a document's filename", () => {
    const message = normalized("document");
    expect(message.text).toBe("");
    expect(message.attachments?.[0]).toMatchObject({ kind: "document", mimeType: "application/pdf", filename: "invoice-10023.pdf" });
  });

  it("describes a location with coordinates and place name, ignoring the thumbnail body", () => {
    const message = normalized("location");
    expect(message.text).toBe("");
    expect(message.attachments).toEqual([{ kind: "location", description: "Location: 52.3791283,4.900272 (Amsterdam Centraal)" }]);
  });

  it("falls back to the raw lat/lng when message.location is missing", () => {
    const { message } = loadWhatsAppFixture("location");
    const result = normalizeWhatsAppMessage({ ...message, location: undefined }, { receivedAt: AT });
    expect(result.ok && result.message.attachments?.[0]?.description).toBe("Location: 52.3791283,4.900272");
  });

  it("describes contact cards with name and number", () => {
    expect(normalized("vcard").attachments).toEqual([{ kind: "contact", description: "Contact: Jane Doe, +1 555-765-4321" }]);
    expect(normalized("multi-vcard").attachments?.map((a) => a.description)).toEqual([
      "Contact: Jane Doe, +1 555-765-4321",
      "Contact: Support Desk, +1 555-000-1111",
    ]);
  });

  it("keeps the message when media could not be downloaded, and says why", () => {
    const message = normalized("image", { media: undefined, mediaError: "download failed: timeout" });
    expect(message.text).toBe("This arrived broken");
    expect(message.attachments?.[0]).toEqual({
      kind: "image",
      description: "This arrived broken (not downloaded: download failed: timeout; open the chat on the business phone to see it)",
    });
  });

  it("leaves oversized media out of the transcript but keeps a description", () => {
    const big = "A".repeat(Math.ceil(((WHATSAPP_INLINE_MEDIA_LIMIT_BYTES + 1) * 4) / 3) + 4);
    const [attachment] = normalized("video", { media: { mimetype: "video/mp4", data: big } }).attachments ?? [];
    expect(attachment?.dataBase64).toBeUndefined();
    expect(attachment?.description).toMatch(/too large to carry/);
  });

  it("treats a malformed media payload like a failed download", () => {
    const media = { mimetype: 42, data: null } as unknown as { mimetype: string; data: string };
    const [attachment] = normalized("sticker", { media }).attachments ?? [];
    expect(attachment?.description).toMatch(/media payload was malformed/);
  });

  it.each([
    ["group-text", "group chat"],
    ["status", "status update"],
    ["newsletter", "WhatsApp channel (newsletter)"],
  ] as const)("ignores %s", (kind, reason) => {
    expect(normalizeFixture(kind)).toEqual({ ok: false, reason });
  });

  it("ignores messages this account sent", () => {
    const { message } = loadWhatsAppFixture("text");
    expect(whatsappSkipReason({ ...message, fromMe: true })).toBe("sent by this WhatsApp account");
    expect(whatsappSkipReason({ ...message, fromMe: undefined, id: { ...message.id, fromMe: true } })).toBe(
      "sent by this WhatsApp account",
    );
  });

  it("ignores broadcast lists", () => {
    const { message } = loadWhatsAppFixture("text");
    expect(whatsappSkipReason({ ...message, from: "1700000000@broadcast" })).toBe("broadcast list");
  });

  it("accepts @lid senders", () => {
    const { message } = loadWhatsAppFixture("text");
    const result = normalizeWhatsAppMessage({ ...message, from: "204928371651234@lid" }, { receivedAt: AT });
    expect(result.ok && result.message.address).toBe("whatsapp:204928371651234@lid");
  });

  describe("malformed payloads never throw", () => {
    const text = loadWhatsAppFixture("text").message;
    it.each<[string, unknown, string]>([
      ["null", null, "payload is not a message object"],
      ["a string", "hello", "payload is not a message object"],
      ["no sender", { ...text, from: undefined }, "message has no sender chat id"],
      ["no id", { ...text, id: undefined }, "message has no id (id._serialized)"],
      ["an empty id", { ...text, id: { _serialized: "" } }, "message has no id (id._serialized)"],
      ["an empty text", { ...text, body: "  " }, "empty chat message"],
      [
        "a location without coordinates",
        { ...loadWhatsAppFixture("location").message, location: null, _data: {} },
        "location message without usable coordinates",
      ],
      ["a vcard without cards", { ...loadWhatsAppFixture("vcard").message, vCards: [], body: "" }, "vcard message without a vCard"],
      ["a system message", { ...text, type: "e2e_notification", body: "" }, "WhatsApp system message (e2e_notification)"],
      [
        "an unknown type with a blob body",
        { ...text, type: "future_kind", body: "A".repeat(400) },
        'unsupported message type "future_kind" with no readable text',
      ],
      ["a weird chat id", { ...text, from: "abc" }, "not a one-to-one chat (abc)"],
    ])("skips %s with a reason", (_label, payload, reason) => {
      expect(normalizeWhatsAppMessage(payload as WhatsAppInboundMessage, { receivedAt: AT })).toEqual({ ok: false, reason });
    });

    it("keeps readable text of an unknown type, with a warning", () => {
      const result = normalizeWhatsAppMessage({ ...text, type: "future_kind", body: "Can I pay by card?" }, { receivedAt: AT });
      expect(result).toMatchObject({ ok: true, message: { text: "Can I pay by card?" }, warning: expect.stringContaining("future_kind") });
    });

    it("keeps readable text when the type is missing", () => {
      const result = normalizeWhatsAppMessage({ ...text, type: undefined }, { receivedAt: AT });
      expect(result).toMatchObject({ ok: true, message: { text: "Hi, where is my order 10023?" } });
    });

    it("reads text from button and list replies", () => {
      const result = normalizeWhatsAppMessage({ ...text, type: "buttons_response", body: "Track my order" }, { receivedAt: AT });
      expect(result.ok && result.message.text).toBe("Track my order");
    });

    it("survives a non-string notifyName", () => {
      const result = normalizeWhatsAppMessage({ ...text, _data: { notifyName: 7 as unknown as string } }, { receivedAt: AT });
      expect(result.ok && result.message.customerName).toBeUndefined();
    });
  });
});

describe("whatsappMessageHasMedia", () => {
  it("is true only for media types that say they have media", () => {
    expect(whatsappMessageHasMedia(loadWhatsAppFixture("image").message)).toBe(true);
    expect(whatsappMessageHasMedia(loadWhatsAppFixture("location").message)).toBe(false);
    expect(whatsappMessageHasMedia({ ...loadWhatsAppFixture("image").message, hasMedia: false })).toBe(false);
  });
});

describe("parseWhatsAppVCard", () => {
  it("reads FN and TEL, unfolding continuation lines", () => {
    expect(
      parseWhatsAppVCard("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Maria\r\n  Garcia\r\nTEL;waid=34600111222:+34 600 11 12 22\r\nEND:VCARD"),
    ).toEqual({
      name: "Maria Garcia",
      phones: ["+34 600 11 12 22"],
    });
  });

  it("falls back to N and to the waid", () => {
    expect(parseWhatsAppVCard("BEGIN:VCARD\nN:Doe;John;;;\nTEL;waid=15550001234:\nEND:VCARD")).toEqual({
      name: "John Doe",
      phones: ["+15550001234"],
    });
  });
});
