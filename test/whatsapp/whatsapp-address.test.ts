import { describe, expect, it } from "vitest";
import { isWarmlineError } from "../../src/domain/errors.js";
import { decodeWhatsAppAddress, encodeWhatsAppAddress, phoneFromWhatsAppChatId } from "../../channels/whatsapp/whatsapp-address.js";

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error("expected a throw");
}

describe("WhatsApp addresses", () => {
  it("round-trips a phone chat id and a linked id", () => {
    for (const chatId of ["15551234567@c.us", "204928371651234@lid"]) {
      expect(decodeWhatsAppAddress(encodeWhatsAppAddress(chatId))).toBe(chatId);
    }
    expect(encodeWhatsAppAddress("15551234567@c.us")).toBe("whatsapp:15551234567@c.us");
  });

  it.each([
    "slack:C123:1700000000.000100",
    "whatsapp:",
    "whatsapp:120363012345678901@g.us",
    "whatsapp:status@broadcast",
    "15551234567@c.us",
    "WHATSAPP:15551234567@c.us",
    "",
  ])("refuses to decode %j, naming it", (address) => {
    const err = caught(() => decodeWhatsAppAddress(address));
    expect(isWarmlineError(err, "bad_id")).toBe(true);
    expect((err as Error).message).toContain(`"${address}"`);
    expect((err as Error).message).toContain("whatsapp:<number>@c.us");
  });

  it("refuses to encode group or broadcast chats", () => {
    const err = caught(() => encodeWhatsAppAddress("120363012345678901@g.us"));
    expect(isWarmlineError(err, "bad_id")).toBe(true);
    expect((err as Error).message).toContain("120363012345678901@g.us");
  });

  it("reads the international phone number from a @c.us id only", () => {
    expect(phoneFromWhatsAppChatId("15551234567@c.us")).toBe("+15551234567");
    expect(phoneFromWhatsAppChatId("204928371651234@lid")).toBeUndefined();
  });
});

describe("addressForPhone", () => {
  it("gives the chat address of a phone-numbered customer, so forget needs no scan", async () => {
    const { WhatsAppChannelAdapter } = await import("../../channels/whatsapp/whatsapp-channel.js");
    const { FakeWhatsAppClient } = await import("../../src/sandbox/fake-whatsapp-client.js");
    const adapter = new WhatsAppChannelAdapter({ client: new FakeWhatsAppClient(), printQr: () => undefined });
    expect(adapter.addressForPhone("447700900123")).toBe("whatsapp:447700900123@c.us");
  });
});
