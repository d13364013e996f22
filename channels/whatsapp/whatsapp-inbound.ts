import type { Clock } from "../../src/ports/clock.js";
import type { CustomerMessageChange, DeliveryState, DeliveryUpdate, InboundCustomerMessage } from "../../src/ports/customer-channel.js";
import type { WhatsAppClientPort, WhatsAppInboundMessage, WhatsAppMedia } from "./client-port.js";
import {
  normalizeWhatsAppMessage,
  whatsappMessageHasMedia,
  whatsappMessageId,
  whatsappNotifyName,
  whatsappSkipReason,
} from "./normalize-inbound.js";
import { encodeWhatsAppAddress, phoneFromWhatsAppChatId } from "./whatsapp-address.js";
import { errorText, type WhatsAppLogger } from "./whatsapp-logger.js";

/** Waits between attempts to hand an inbound message to the engine; about a minute in all. */
export const WHATSAPP_INBOUND_RETRY_DELAYS_MS = [500, 2_000, 5_000, 15_000, 30_000];

export interface WhatsAppInboundDeps {
  client: WhatsAppClientPort;
  clock: Clock;
  logger: WhatsAppLogger;
}

/** wweb's numeric acks → what agents see; 0 (pending) says nothing new. */
export function whatsappAckToDeliveryState(ack: number): DeliveryState | undefined {
  switch (ack) {
    case -1:
      return "failed";
    case 1:
      return "sent";
    case 2:
      return "delivered";
    case 3:
    case 4:
      return "read";
    default:
      return undefined;
  }
}

/** An ack of one of our own messages as a delivery update; undefined for anything agents need not see. */
export function whatsappDeliveryUpdate(message: WhatsAppInboundMessage, ack: number): DeliveryUpdate | undefined {
  const state = whatsappAckToDeliveryState(ack);
  const id = whatsappMessageId(message);
  // Only our own messages have delivery states worth showing to agents.
  const ours = message?.fromMe === true || message?.id?.fromMe === true;
  if (!state || !id || !ours) return undefined;
  return state === "failed"
    ? {
        channelMessageId: id,
        state,
        error: "WhatsApp reported an error delivering this message (ack -1)",
        ...recipientOf(message),
      }
    : { channelMessageId: id, state, ...recipientOf(message) };
}

/** The customer an outgoing message went to, as an address; none when the payload lacks a chat id. */
function recipientOf(message: WhatsAppInboundMessage): { address?: string } {
  const chatId = typeof message?.to === "string" && message.to !== "" ? message.to : message?.id?.remote;
  if (typeof chatId !== "string" || chatId === "") return {};
  try {
    return { address: encodeWhatsAppAddress(chatId) };
  } catch {
    return {};
  }
}

/** A customer's edit as a message change; undefined (logged) for a message the adapter does not read. */
export function whatsappEdit(
  deps: WhatsAppInboundDeps,
  message: WhatsAppInboundMessage,
  newBody: string,
): CustomerMessageChange | undefined {
  const skip = whatsappSkipReason(message);
  const messageId = whatsappMessageId(message);
  if (skip || !messageId) {
    deps.logger.debug?.({ reason: skip ?? "no message id" }, "Ignored a WhatsApp edit");
    return undefined;
  }
  return {
    messageId,
    address: encodeWhatsAppAddress(message.from as string),
    kind: "edited",
    newText: typeof newBody === "string" ? newBody : String(newBody ?? ""),
    at: deps.clock.now(),
  };
}

/** A customer's "delete for everyone" as a message change; undefined (logged) when it names no message we read. */
export function whatsappDeletion(
  deps: WhatsAppInboundDeps,
  message: WhatsAppInboundMessage,
  revoked?: WhatsAppInboundMessage | null,
): CustomerMessageChange | undefined {
  const skip = whatsappSkipReason(message);
  // protocolMessageKey names the original message; the revoked copy (when wweb has it) carries the same id.
  const messageId =
    (typeof message?.protocolMessageKey?._serialized === "string" ? message.protocolMessageKey._serialized : undefined) ??
    (revoked ? whatsappMessageId(revoked) : undefined) ??
    whatsappMessageId(message);
  if (skip || !messageId) {
    deps.logger.debug?.({ reason: skip ?? "no message id" }, "Ignored a WhatsApp deletion");
    return undefined;
  }
  return { messageId, address: encodeWhatsAppAddress(message.from as string), kind: "deleted", at: deps.clock.now() };
}

/**
 * A customer's WhatsApp message as the core reads it: media downloaded, sender's name and phone
 * resolved. Undefined (logged) for what is not a customer message or cannot be read.
 */
export async function readWhatsAppInbound(
  deps: WhatsAppInboundDeps,
  message: WhatsAppInboundMessage,
): Promise<InboundCustomerMessage | undefined> {
  const { logger } = deps;
  const skip = whatsappSkipReason(message);
  if (skip) {
    logger.debug?.({ reason: skip }, "Ignored a WhatsApp message");
    return undefined;
  }
  const messageId = whatsappMessageId(message);
  let media: WhatsAppMedia | undefined;
  let mediaError: string | undefined;
  if (whatsappMessageHasMedia(message)) {
    try {
      if (typeof message.downloadMedia !== "function") throw new Error("the message has no downloadMedia()");
      media = (await message.downloadMedia()) ?? undefined;
    } catch (err) {
      mediaError = `download failed: ${errorText(err)}`;
      logger.warn({ messageId, err: errorText(err) }, "Downloading WhatsApp media failed");
    }
  }
  const sender = await resolveSender(deps, message);
  const result = normalizeWhatsAppMessage(message, { receivedAt: deps.clock.now(), media, mediaError, ...sender });
  if (!result.ok) {
    logger.warn({ messageId, type: message.type, reason: result.reason }, "Skipped a WhatsApp message");
    return undefined;
  }
  if (result.warning) logger.warn({ messageId, reason: result.warning }, "Read a WhatsApp message partially");
  return result.message;
}

/** Name from the message's notifyName, else the contact's pushname; phone from the chat id, or the lid lookup. */
async function resolveSender(
  { client, logger }: WhatsAppInboundDeps,
  message: WhatsAppInboundMessage,
): Promise<{ customerName?: string; phone?: string }> {
  const chatId = message.from as string;
  let customerName = whatsappNotifyName(message);
  if (!customerName && typeof message.getContact === "function") {
    try {
      const contact = await message.getContact();
      customerName = contact?.pushname?.trim() || contact?.name?.trim() || undefined;
    } catch (err) {
      logger.debug?.({ err: errorText(err) }, "Could not read the WhatsApp contact's name");
    }
  }
  let phone = phoneFromWhatsAppChatId(chatId);
  if (!phone && chatId.endsWith("@lid")) {
    try {
      const [entry] = await client.getContactLidAndPhone([chatId]);
      phone = entry?.pn ? phoneFromWhatsAppChatId(entry.pn) : undefined;
    } catch (err) {
      logger.debug?.({ err: errorText(err) }, "Could not resolve a WhatsApp linked id to a phone number");
    }
  }
  return { ...(customerName ? { customerName } : {}), ...(phone ? { phone } : {}) };
}

/**
 * WhatsApp never redelivers a message, so a failure to store it (store down, write conflicts)
 * is retried before giving up loudly (`giveUp` tells the operators). The engine recognises a
 * message it already has by its id.
 */
export async function deliverWhatsAppInbound(
  message: InboundCustomerMessage,
  onMessage: (message: InboundCustomerMessage) => Promise<void>,
  logger: WhatsAppLogger,
  giveUp: (notice: string) => void,
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await onMessage(message);
      return;
    } catch (err) {
      const delay = WHATSAPP_INBOUND_RETRY_DELAYS_MS[attempt];
      if (delay === undefined) {
        giveUp(
          `A customer message (${message.messageId}) could not be stored after ${attempt + 1} attempts (${errorText(err)}): run \`warmline doctor\` to check the store; the message is still in the WhatsApp chat, unanswered.`,
        );
        throw err;
      }
      logger.warn(
        { messageId: message.messageId, attempt: attempt + 1, err: errorText(err) },
        "Storing a WhatsApp message failed; retrying",
      );
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
