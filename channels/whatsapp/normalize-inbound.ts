import type { Attachment, AttachmentKind } from "../../src/domain/conversation.js";
import type { InboundCustomerMessage } from "../../src/ports/customer-channel.js";
import type { WhatsAppInboundMessage, WhatsAppMedia } from "./client-port.js";
import { encodeWhatsAppAddress, isWhatsAppCustomerChatId } from "./whatsapp-address.js";

/**
 * Pure translation of whatsapp-web.js messages into InboundCustomerMessage. It never throws: a
 * payload it cannot use comes back as `{ ok: false, reason }` for the adapter to log. Media is
 * downloaded by the adapter beforehand and passed in, so this stays synchronous and testable.
 */

export const WHATSAPP_CHANNEL_NAME = "whatsapp";

/** Media above this size travels as a description only: transcripts live in the store, not a file server. */
export const WHATSAPP_INLINE_MEDIA_LIMIT_BYTES = 5 * 1024 * 1024;

/** wweb message types that carry downloadable media, and the attachment kind each becomes. */
const MEDIA_KINDS: Record<string, AttachmentKind> = {
  image: "image",
  video: "video",
  ptt: "audio",
  audio: "audio",
  document: "document",
  sticker: "sticker",
};

const MEDIA_LABELS: Record<string, string> = {
  image: "Image",
  video: "Video",
  ptt: "Voice note",
  audio: "Audio",
  document: "Document",
  sticker: "Sticker",
};

/** Types whose `body` is what the customer typed or picked. */
const TEXT_TYPES = new Set(["chat", "buttons_response", "list_response", "template_button_reply", "poll_creation"]);

/** Types that are WhatsApp's own bookkeeping, never something a customer said. */
const SYSTEM_TYPES = new Set([
  "revoked",
  "e2e_notification",
  "notification",
  "notification_template",
  "gp2",
  "group_notification",
  "call_log",
  "protocol",
  "ciphertext",
  "reaction",
  "debug",
  "broadcast_notification",
]);

/** A long unbroken base64 run: thumbnails and raw payloads that some types carry in `body`. */
const BLOB_BODY = /^[A-Za-z0-9+/=\s]{200,}$/;

export type WhatsAppNormalizeResult = { ok: true; message: InboundCustomerMessage; warning?: string } | { ok: false; reason: string };

export interface WhatsAppNormalizeContext {
  /** Epoch ms the adapter received the message (from its injected clock). */
  receivedAt: number;
  customerName?: string;
  phone?: string;
  /** The result of `message.downloadMedia()`, when the message has media. */
  media?: WhatsAppMedia | null;
  /** Why the download failed, when it did. */
  mediaError?: string;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value : undefined;
}

/** The message's own id (`message.id._serialized`), used for de-duplication. */
export function whatsappMessageId(message: WhatsAppInboundMessage): string | undefined {
  return isObject(message) && isObject(message.id) ? nonEmptyString(message.id._serialized) : undefined;
}

/** The customer's display name as sent with the message (WA Web's `notifyName`). */
export function whatsappNotifyName(message: WhatsAppInboundMessage): string | undefined {
  return isObject(message) && isObject(message._data) ? nonEmptyString(message._data.notifyName)?.trim() : undefined;
}

/** Whether the adapter should call `downloadMedia()` before normalizing. */
export function whatsappMessageHasMedia(message: WhatsAppInboundMessage): boolean {
  return isObject(message) && message.hasMedia === true && typeof message.type === "string" && message.type in MEDIA_KINDS;
}

/**
 * Why a message is not a customer talking to the business, or undefined when it is. Covers our
 * own messages, groups, status updates, broadcast lists, channels and payloads without a chat id.
 */
export function whatsappSkipReason(message: WhatsAppInboundMessage): string | undefined {
  if (!isObject(message)) return "payload is not a message object";
  if (message.fromMe === true || (isObject(message.id) && message.id.fromMe === true)) return "sent by this WhatsApp account";
  const from = message.from;
  if (typeof from !== "string" || from === "") return "message has no sender chat id";
  if (from === "status@broadcast" || message.isStatus === true) return "status update";
  if (from.endsWith("@g.us")) return "group chat";
  if (from.endsWith("@newsletter")) return "WhatsApp channel (newsletter)";
  if (from.endsWith("@broadcast") || message.broadcast === true) return "broadcast list";
  if (!isWhatsAppCustomerChatId(from)) return `not a one-to-one chat (${from})`;
  return undefined;
}

interface WhatsAppVCard {
  name?: string;
  phones: string[];
}

/** Reads the name and numbers from a vCard 3.0 as WhatsApp sends it (FN, N, TEL with waid). */
export function parseWhatsAppVCard(vcard: string): WhatsAppVCard {
  // Unfold continuation lines (RFC 6350 §3.2) before splitting.
  const lines = vcard.replace(/\r?\n[ \t]/g, "").split(/\r?\n/);
  let fullName: string | undefined;
  let structuredName: string | undefined;
  const phones: string[] = [];
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const [property = "", ...params] = line.slice(0, colon).split(";");
    const value = line.slice(colon + 1).trim();
    const key = property.replace(/^item\d+\./i, "").toUpperCase();
    if (key === "FN" && value) fullName = value;
    if (key === "N" && value) {
      const [family = "", given = ""] = value.split(";");
      structuredName = [given, family].filter(Boolean).join(" ") || undefined;
    }
    if (key === "TEL") {
      const waid = params.find((p) => p.toLowerCase().startsWith("waid="))?.slice(5);
      const phone = value || (waid ? `+${waid}` : "");
      if (phone) phones.push(phone);
    }
  }
  return { name: fullName ?? structuredName, phones };
}

function describeVCard(vcard: string): string {
  const { name, phones } = parseWhatsAppVCard(vcard);
  return `Contact: ${[name ?? "unnamed", ...phones].join(", ")}`;
}

function toCoordinate(value: unknown): number | undefined {
  const n = typeof value === "number" ? value : typeof value === "string" && value.trim() !== "" ? Number(value) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

/** "Location: 52.37,4.89 (Central Station)", from `message.location` or the raw lat/lng. */
export function describeWhatsAppLocation(message: WhatsAppInboundMessage): string | undefined {
  const location = isObject(message.location) ? message.location : undefined;
  const raw = isObject(message._data) ? message._data : undefined;
  const lat = toCoordinate(location?.latitude ?? raw?.lat);
  const lng = toCoordinate(location?.longitude ?? raw?.lng);
  if (lat === undefined || lng === undefined) return undefined;
  const name = nonEmptyString(location?.name) ?? nonEmptyString(location?.address);
  return `Location: ${lat},${lng}${name ? ` (${name.trim()})` : ""}`;
}

function base64Bytes(data: string): number {
  return Math.floor((data.length * 3) / 4);
}

function mediaAttachment(message: WhatsAppInboundMessage, type: string, context: WhatsAppNormalizeContext): Attachment {
  const kind = MEDIA_KINDS[type] ?? "document";
  const caption = nonEmptyString(message.body)?.trim();
  const label = caption ?? MEDIA_LABELS[type] ?? "Attachment";
  const media = context.media;
  const rawFilename = isObject(message._data) ? nonEmptyString(message._data.filename) : undefined;
  const filename = (media && nonEmptyString(media.filename)) ?? rawFilename;
  const withName = (a: Attachment): Attachment => (filename ? { ...a, filename } : a);

  if (!media || typeof media.data !== "string" || typeof media.mimetype !== "string" || media.data === "") {
    const why =
      context.mediaError ??
      (media
        ? "the media payload was malformed"
        : message.hasMedia === true
          ? "WhatsApp returned no media"
          : "it is no longer downloadable");
    return withName({ kind, description: `${label} (not downloaded: ${why}; open the chat on the business phone to see it)` });
  }
  const bytes = base64Bytes(media.data);
  if (bytes > WHATSAPP_INLINE_MEDIA_LIMIT_BYTES) {
    const mb = (bytes / (1024 * 1024)).toFixed(1);
    return withName({
      kind,
      mimeType: media.mimetype,
      description: `${label} (${mb} MB, too large to carry; open the chat on the business phone to see it)`,
    });
  }
  return withName({ kind, mimeType: media.mimetype, dataBase64: media.data, description: label });
}

/** Turns one wweb message into the channel-neutral shape, or says why it cannot. */
export function normalizeWhatsAppMessage(message: WhatsAppInboundMessage, context: WhatsAppNormalizeContext): WhatsAppNormalizeResult {
  const skip = whatsappSkipReason(message);
  if (skip) return { ok: false, reason: skip };
  const messageId = whatsappMessageId(message);
  if (!messageId) return { ok: false, reason: "message has no id (id._serialized)" };
  const chatId = message.from as string;
  const type = typeof message.type === "string" ? message.type : undefined;
  const body = typeof message.body === "string" ? message.body : "";

  const base: InboundCustomerMessage = {
    messageId,
    address: encodeWhatsAppAddress(chatId),
    channel: WHATSAPP_CHANNEL_NAME,
    text: "",
    receivedAt: context.receivedAt,
  };
  const customerName = context.customerName ?? whatsappNotifyName(message);
  if (customerName) base.customerName = customerName;
  if (context.phone) base.phone = context.phone;
  // WhatsApp's timestamp is whole seconds on its own clock: it is what catch-up after downtime compares.
  if (typeof message.timestamp === "number" && Number.isFinite(message.timestamp) && message.timestamp > 0)
    base.sentAt = message.timestamp * 1000;
  const result = (text: string, attachments?: Attachment[], warning?: string): WhatsAppNormalizeResult => {
    const normalized: InboundCustomerMessage = { ...base, text };
    if (attachments && attachments.length > 0) normalized.attachments = attachments;
    return warning ? { ok: true, message: normalized, warning } : { ok: true, message: normalized };
  };

  if (type === undefined) {
    // No type, but a readable body is still the customer talking.
    return body.trim() !== "" && !BLOB_BODY.test(body)
      ? result(body, undefined, "message has no type; kept its text")
      : { ok: false, reason: "message has no type and no readable text" };
  }
  if (TEXT_TYPES.has(type)) {
    return body.trim() !== "" ? result(body) : { ok: false, reason: `empty ${type} message` };
  }
  if (type in MEDIA_KINDS) {
    return result(body.trim() !== "" ? body : "", [mediaAttachment(message, type, context)]);
  }
  if (type === "location") {
    // `body` of a location is a JPEG thumbnail, never text.
    const description = describeWhatsAppLocation(message);
    return description
      ? result("", [{ kind: "location", description }])
      : { ok: false, reason: "location message without usable coordinates" };
  }
  if (type === "vcard" || type === "multi_vcard") {
    const cards = Array.isArray(message.vCards) ? message.vCards.filter((c): c is string => typeof c === "string" && c !== "") : [];
    if (cards.length === 0 && type === "vcard" && body.includes("BEGIN:VCARD")) cards.push(body);
    if (cards.length === 0) return { ok: false, reason: `${type} message without a vCard` };
    return result(
      "",
      cards.map((card) => ({ kind: "contact" as const, description: describeVCard(card) })),
    );
  }
  if (SYSTEM_TYPES.has(type)) return { ok: false, reason: `WhatsApp system message (${type})` };
  // An unknown or newer type: keep whatever the customer wrote rather than drop it.
  if (body.trim() !== "" && !BLOB_BODY.test(body)) return result(body, undefined, `unsupported message type "${type}"; kept its text`);
  return { ok: false, reason: `unsupported message type "${type}" with no readable text` };
}
