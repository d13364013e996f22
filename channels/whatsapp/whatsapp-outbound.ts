import type WAWebJS from "whatsapp-web.js";
import type { Attachment } from "../../src/domain/conversation.js";
import { WarmlineError } from "../../src/domain/errors.js";
import type { DeliveryAttempt, OutboundCustomerMessage, SentCustomerMessage } from "../../src/ports/customer-channel.js";
import type { WhatsAppClientPort, WhatsAppMedia, WhatsAppRecentMessage, WhatsAppSendOptions } from "./client-port.js";
import { WHATSAPP_CAPTION_LIMIT, splitForWhatsApp } from "./outbound-text.js";
import { errorText, type WhatsAppLogger } from "./whatsapp-logger.js";

/** Builds a real `wweb.MessageMedia` (wweb checks `instanceof`); injectable so tests need no SDK class. */
export type WhatsAppMediaFactory = (media: WhatsAppMedia) => WAWebJS.MessageMedia | Promise<WAWebJS.MessageMedia>;

/** How many of the chat's latest messages an in-doubt send looks through for its earlier copy. */
const WHATSAPP_RESUME_LOOKBACK = 50;
/** WhatsApp timestamps are whole seconds and the phone's clock may differ a little (used only before a lane's first confirmed send). */
const WHATSAPP_RESUME_CLOCK_SKEW_MS = 60_000;

/** Only these carry a caption; anything else gets the text as its own message first. */
const CAPTION_KINDS = new Set<Attachment["kind"]>(["image", "video", "document"]);

/** A WhatsApp message sent for an outbound message: its id and time (seconds). */
interface SentPart {
  id: string;
  timestamp?: number;
}

/** One WhatsApp message of an outbound message, with what identifies its copy in the chat's history. */
interface OutboundPart {
  body: string;
  hasMedia: boolean;
  content: () => Promise<string | WAWebJS.MessageMedia>;
  options?: WhatsAppSendOptions;
}

export const defaultCreateMedia: WhatsAppMediaFactory = async ({ mimetype, data, filename }) => {
  // Loaded lazily so importing the adapter never pulls in puppeteer.
  const { default: wweb } = await import("whatsapp-web.js");
  return new wweb.MessageMedia(mimetype, data, filename ?? null);
};

export interface WhatsAppSenderDeps {
  client: WhatsAppClientPort;
  createMedia: WhatsAppMediaFactory;
  logger: WhatsAppLogger;
}

/**
 * Sends one outbound message to a chat as WhatsApp messages: text split to WhatsApp's limits, media
 * with the text as caption when it fits. An in-doubt retry resumes after the parts already delivered.
 * Returns the ids of the first and the last WhatsApp message.
 */
export async function sendWhatsAppMessage(
  deps: WhatsAppSenderDeps,
  chatId: string,
  message: OutboundCustomerMessage,
  delivery?: DeliveryAttempt,
): Promise<SentCustomerMessage> {
  const parts = outboundParts(message, deps.createMedia);
  // An interrupted attempt may have sent some parts, always a leading run of them: resume after it.
  const alreadySent = delivery?.inDoubt ? await findSentParts(deps.client, chatId, parts, delivery) : [];
  if (alreadySent.length > 0) {
    deps.logger.info(
      { channelMessageId: alreadySent[0]!.id, sentParts: alreadySent.length, parts: parts.length },
      "An interrupted WhatsApp send had already delivered part of the message; sending only the rest",
    );
  }
  const sent: SentPart[] = [...alreadySent];
  for (let i = alreadySent.length; i < parts.length; i++) {
    const part = parts[i]!;
    try {
      const reply = await deps.client.sendMessage(chatId, await part.content(), part.options);
      const id = reply?.id?._serialized;
      if (typeof id !== "string" || id === "") throw new Error("WhatsApp returned no message id");
      sent.push({ id, timestamp: reply.timestamp });
    } catch (err) {
      const partial = i > 0 ? ` ${i} of ${parts.length} parts had already been sent; the retry sends only the rest.` : "";
      throw new WarmlineError(
        "delivery_failed",
        `WhatsApp did not accept the message (${errorText(err)}):${partial} check the ops channel for connection problems and retry.`,
        err,
        { retry: "transient" },
      );
    }
  }
  const last = sent.at(-1)!;
  return {
    channelMessageId: sent[0]!.id,
    lastMessageId: last.id,
    ...(typeof last.timestamp === "number" ? { sentAt: last.timestamp * 1000 } : {}),
  };
}

/** The WhatsApp messages an outbound message becomes; throws for one with nothing to send. */
function outboundParts(message: OutboundCustomerMessage, createMedia: WhatsAppMediaFactory): OutboundPart[] {
  const attachments = message.attachments ?? [];
  const media = attachments.filter((a) => a.dataBase64);
  // Locations, contacts and oversized media have no payload: their descriptions travel as text.
  const described = attachments.filter((a) => !a.dataBase64 && a.description).map((a) => a.description);
  const text = [message.text, ...described].filter((part) => part && part.trim() !== "").join("\n");
  if (text === "" && media.length === 0) {
    throw new WarmlineError("input_invalid", "Cannot send an empty WhatsApp message: give it text or an attachment with data.");
  }

  // A short text rides as the first media's caption; a long one goes first, as text messages.
  const first = media[0];
  const captionFirst = first !== undefined && text !== "" && CAPTION_KINDS.has(first.kind) && text.length <= WHATSAPP_CAPTION_LIMIT;
  const parts: OutboundPart[] = captionFirst
    ? []
    : splitForWhatsApp(text).map((chunk) => ({ body: chunk, hasMedia: false, content: async () => chunk }));
  media.forEach((attachment, i) => {
    const options: WhatsAppSendOptions = {};
    if (i === 0 && captionFirst) options.caption = text;
    if (attachment.kind === "document") options.sendMediaAsDocument = true;
    if (attachment.kind === "sticker") options.sendMediaAsSticker = true;
    parts.push({
      body: options.caption ?? "",
      hasMedia: true,
      content: async () =>
        createMedia({
          mimetype: attachment.mimeType ?? "application/octet-stream",
          data: attachment.dataBase64 as string,
          filename: attachment.filename ?? null,
        }),
      options: Object.keys(options).length > 0 ? options : undefined,
    });
  });
  return parts;
}

/**
 * The leading parts an earlier attempt already delivered, matched by position as well as by text
 * (or caption) and media: the i-th part's copy can only be our i-th message after the lane's last
 * confirmed send, so an identical earlier message is never taken for it. A message typed on the
 * phone in between breaks the run, and the rest is sent again: a duplicate is better than a loss.
 */
async function findSentParts(
  client: WhatsAppClientPort,
  chatId: string,
  parts: readonly OutboundPart[],
  delivery: DeliveryAttempt,
): Promise<SentPart[]> {
  if (!client.getChatById) return [];
  let recent: WhatsAppRecentMessage[];
  try {
    const chat = await client.getChatById(chatId);
    recent = await chat.fetchMessages({ limit: WHATSAPP_RESUME_LOOKBACK, fromMe: true });
  } catch (err) {
    throw new WarmlineError(
      "channel_unavailable",
      `Could not read the WhatsApp chat to check whether an interrupted message was delivered (${errorText(err)}): it will be checked again before any resend.`,
      err,
      { retry: "transient" },
    );
  }
  const ours = recent.filter((m) => m.fromMe).sort((a, b) => a.timestamp - b.timestamp);
  const candidates = sentAfter(ours, delivery);
  const found: SentPart[] = [];
  for (const [i, part] of parts.entries()) {
    const copy = candidates[i];
    if (!copy || (copy.body ?? "") !== part.body || Boolean(copy.hasMedia) !== part.hasMedia) break;
    found.push({ id: copy.id._serialized, timestamp: copy.timestamp });
  }
  return found;
}

/**
 * Our messages after the lane's last confirmed send, in chat order. When that send is no longer among
 * the latest (scrolled out, or deleted on the phone), those from its second on; with none confirmed
 * yet, those since the first attempt (less the phone's clock skew).
 */
function sentAfter(ours: readonly WhatsAppRecentMessage[], delivery: DeliveryAttempt): readonly WhatsAppRecentMessage[] {
  const anchor = delivery.after;
  if (anchor === undefined) return ours.filter((m) => m.timestamp * 1000 >= delivery.since - WHATSAPP_RESUME_CLOCK_SKEW_MS);
  const at = ours.findIndex((m) => m.id._serialized === anchor.lastMessageId);
  if (at >= 0) return ours.slice(at + 1);
  return ours.filter((m) => m.timestamp * 1000 >= anchor.at && m.id._serialized !== anchor.lastMessageId);
}
