import type WAWebJS from "whatsapp-web.js";
import type { Attachment } from "../../src/domain/conversation.js";
import { WarmlineError } from "../../src/domain/errors.js";
import type { DeliveryAttempt, OutboundCustomerMessage } from "../../src/ports/customer-channel.js";
import type { WhatsAppClientPort, WhatsAppMedia, WhatsAppRecentMessage, WhatsAppSendOptions } from "./client-port.js";
import { WHATSAPP_CAPTION_LIMIT, splitForWhatsApp } from "./outbound-text.js";
import { errorText, type WhatsAppLogger } from "./whatsapp-logger.js";

/** Builds a real `wweb.MessageMedia` (wweb checks `instanceof`); injectable so tests need no SDK class. */
export type WhatsAppMediaFactory = (media: WhatsAppMedia) => WAWebJS.MessageMedia | Promise<WAWebJS.MessageMedia>;

/** How many of the chat's latest messages an in-doubt send looks through for its earlier copy. */
const WHATSAPP_RESUME_LOOKBACK = 50;
/** WhatsApp timestamps are whole seconds and the phone's clock may differ a little. */
const WHATSAPP_RESUME_CLOCK_SKEW_MS = 60_000;

/** Only these carry a caption; anything else gets the text as its own message first. */
const CAPTION_KINDS = new Set<Attachment["kind"]>(["image", "video", "document"]);

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
 * Returns the id of the first WhatsApp message.
 */
export async function sendWhatsAppMessage(
  deps: WhatsAppSenderDeps,
  chatId: string,
  message: OutboundCustomerMessage,
  delivery?: DeliveryAttempt,
): Promise<string> {
  const parts = outboundParts(message, deps.createMedia);
  // An interrupted attempt may have sent some parts, always a leading run of them: resume after it.
  const alreadySent = delivery?.inDoubt ? await findSentParts(deps.client, chatId, parts, delivery.since) : [];
  if (alreadySent.length > 0) {
    deps.logger.info(
      { channelMessageId: alreadySent[0], sentParts: alreadySent.length, parts: parts.length },
      "An interrupted WhatsApp send had already delivered part of the message; sending only the rest",
    );
  }
  let firstId = alreadySent[0];
  for (let i = alreadySent.length; i < parts.length; i++) {
    const part = parts[i]!;
    try {
      const sent = await deps.client.sendMessage(chatId, await part.content(), part.options);
      const id = sent?.id?._serialized;
      if (typeof id !== "string" || id === "") throw new Error("WhatsApp returned no message id");
      firstId ??= id;
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
  return firstId as string;
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
 * The ids of the leading parts an earlier attempt already delivered: our own messages in the chat
 * since `since`, matched in order by text (or caption) and by whether they carry media.
 */
async function findSentParts(client: WhatsAppClientPort, chatId: string, parts: readonly OutboundPart[], since: number): Promise<string[]> {
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
  const candidates = recent
    .filter((m) => m.fromMe && m.timestamp * 1000 >= since - WHATSAPP_RESUME_CLOCK_SKEW_MS)
    .sort((a, b) => a.timestamp - b.timestamp);
  const found: string[] = [];
  let from = 0;
  for (const part of parts) {
    const at = candidates.findIndex((m, i) => i >= from && (m.body ?? "") === part.body && Boolean(m.hasMedia) === part.hasMedia);
    if (at < 0) break;
    found.push(candidates[at]!.id._serialized);
    from = at + 1;
  }
  return found;
}
