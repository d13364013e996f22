import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { SLACK_ANALYTICS_ACTION_IDS } from "../../channels/slack/context-card.js";
import { passesLuhn } from "../../src/domain/pii.js";
import { E2E_WAIT, startWarmlineE2E, type WarmlineE2E } from "../helpers/warmline-e2e.js";

/**
 * Every route by which customer data reaches Slack, end to end through startWarmline: the card (its
 * text, blocks and notification), the display name on every thread post, messages, captions (alt
 * text), file names, the too-large note, location names, contact cards, edits, deletions, the
 * transcript in the thread and in its modal, and the card posted after a transfer. Nothing Warmline
 * sends to Slack may carry one of the customer's numbers or addresses, whatever its separators.
 */
const CUSTOMER = "34699123456@c.us"; // Spain: national numbers in their text are read as Spanish
/** A Luhn-valid Maestro number made here. */
const CARD = (() => {
  const body = "675912345678901";
  for (let d = 0; d < 10; d++) if (passesLuhn(`${body}${d}`)) return `${body}${d}`;
  throw new Error("unreachable");
})();
const IBAN = (() => {
  const bban = "21000418450200051332";
  const numeric = `${bban}ES00`.replace(/[A-Z]/g, (c) => String(c.charCodeAt(0) - 55));
  let r = 0;
  for (const d of numeric) r = (r * 10 + Number(d)) % 97;
  return `ES${String(98 - r).padStart(2, "0")}${bban}`;
})();
const PII = {
  nameEmail: "ana.perez@correo.example",
  card: CARD,
  nationalPhone: "612 34 56 78",
  captionIban: IBAN,
  filenamePhone: "+34 655 44 33 22",
  tooLargeEmail: "facturas@tienda-ejemplo.es",
  locationPhone: "699 88 77 66",
  vcardPhone: "+1 555-765-4321",
  editedEmail: "nueva@dirección.es",
  deletedCard: "4111111111111111",
};

/** Any of the value's digits (or its letters) in order with up to three separators between them. */
function leaks(sent: string, value: string): boolean {
  const core = value.includes("@") ? value.split("@")[0]! : value.replace(/[^0-9A-Za-z]/g, "");
  const pattern = [...core].map((c) => c.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join(value.includes("@") ? "" : "[^0-9A-Za-z]{0,3}");
  return new RegExp(pattern, "i").test(sent);
}

describe("PII never reaches Slack, route by route (startWarmline, fake Slack and WhatsApp)", () => {
  let e2e: WarmlineE2E;
  beforeAll(async () => {
    e2e = await startWarmlineE2E();
    // The transcript modal opens for the team's channel members only.
    e2e.api.channels.find((channel) => channel.id === "C0RETENT1")!.members = ["U0AGENT01"];
  }, 60_000);
  afterAll(async () => e2e?.stop());

  it("masks the card, the name, messages, captions, file names, notes, locations, contacts, edits, deletions and transcripts", async () => {
    const { whatsapp, api } = e2e;
    const say = (text: string) => whatsapp.customerSays(text, { from: CUSTOMER, name: `Ana ${PII.nameEmail}` });
    say(
      `I want to cancel my order 100311 please, I paid with ${PII.card.match(/.{1,4}/g)!.join("\u00A0")}, call me on ${PII.nationalPhone}`,
    );
    const card = await e2e.escalated(CUSTOMER);
    const opts = { from: CUSTOMER, name: `Ana ${PII.nameEmail}` };
    whatsapp.customerSends("image", { ...opts, caption: `my iban ${IBAN.match(/.{1,4}/g)!.join(" ")}` });
    whatsapp.customerSends("document", {
      ...opts,
      caption: "the invoice",
      media: {
        mimetype: "application/pdf",
        data: Buffer.from("%PDF-1.4").toString("base64"),
        filename: `factura ${PII.filenamePhone}.pdf`,
      },
    });
    whatsapp.customerSends("video", {
      ...opts,
      caption: `video for ${PII.tooLargeEmail}`,
      media: { mimetype: "video/mp4", data: "A".repeat(8 * 1024 * 1024) },
    });
    whatsapp.customerSends("location", {
      ...opts,
      edit: (m) => {
        (m.location as { name?: string }).name = `Portal 3, llamar al ${PII.locationPhone}`;
      },
    });
    whatsapp.customerSends("vcard", opts);
    const edited = say(`write to ana@old.example`);
    const deleted = say(`wrong card ${PII.deletedCard}`);
    await e2e.handle.idle();
    whatsapp.customerEdits(edited, `write to ${PII.editedEmail}`);
    whatsapp.customerDeletes(deleted);
    await e2e.click(SLACK_ANALYTICS_ACTION_IDS.viewTranscript, "U0AGENT01", card);
    await e2e.handle.idle();

    await vi.waitFor(() => {
      expect(api.callsTo("files.getUploadURLExternal").length).toBeGreaterThanOrEqual(2);
      expect(api.callsTo("views.open").length).toBe(1);
      const thread = api.threadReplies(card.channel, card.cardTs).map((m) => m.text ?? "");
      expect(thread.some((t) => t.includes("edited a message"))).toBe(true);
      expect(thread.some((t) => t.includes("deleted a message"))).toBe(true);
      expect(thread.some((t) => t.includes("Contact"))).toBe(true);
      expect(thread.some((t) => t.includes("Location"))).toBe(true);
      expect(thread.some((t) => t.includes("too large"))).toBe(true);
    }, E2E_WAIT);

    const sent = e2e.everythingSent();
    const leaked = Object.entries(PII).filter(([, value]) => leaks(sent, value));
    expect(leaked, `leaked: ${leaked.map(([route]) => route).join(", ")}`).toEqual([]);
    // What the agent needs stays readable: the order number, and masked hints in their place.
    expect(sent).toContain("100311");
    expect(sent).toContain(`[card •••• ${CARD.slice(-4)}]`);
    expect(sent).toContain("a•••@correo.example");
  });
});
