import { WarmlineError } from "../../src/domain/errors.js";

/** Opaque customer addresses: `whatsapp:<chatId>`. Only this adapter encodes or decodes them. */
export const WHATSAPP_ADDRESS_PREFIX = "whatsapp:";

/**
 * One-to-one chats only: `<phone digits>@c.us`, or `<lid digits>@lid` for senders WhatsApp
 * identifies by a linked id instead of a phone number. Groups, broadcasts and channels are not customers.
 */
const WHATSAPP_CHAT_ID = /^\d{5,20}@(c\.us|lid)$/;

export function isWhatsAppCustomerChatId(chatId: string): boolean {
  return WHATSAPP_CHAT_ID.test(chatId);
}

export function encodeWhatsAppAddress(chatId: string): string {
  if (!isWhatsAppCustomerChatId(chatId)) {
    throw new WarmlineError(
      "bad_id",
      `Cannot make a WhatsApp address from chat id "${chatId}": expected a one-to-one chat such as "15551234567@c.us".`,
    );
  }
  return `${WHATSAPP_ADDRESS_PREFIX}${chatId}`;
}

/** Returns the chat id inside a `whatsapp:` address; throws bad_id naming the address otherwise. */
export function decodeWhatsAppAddress(address: string): string {
  const chatId = address.startsWith(WHATSAPP_ADDRESS_PREFIX) ? address.slice(WHATSAPP_ADDRESS_PREFIX.length) : undefined;
  if (chatId === undefined || !isWhatsAppCustomerChatId(chatId)) {
    throw new WarmlineError(
      "bad_id",
      `"${address}" is not a WhatsApp address: expected "whatsapp:<number>@c.us", e.g. "whatsapp:15551234567@c.us". ` +
        "It may belong to another channel, or have been edited by hand.",
    );
  }
  return chatId;
}

/** International phone number ("+15551234567") of a `@c.us` chat id; undefined for `@lid` ids, which hide the number. */
export function phoneFromWhatsAppChatId(chatId: string): string | undefined {
  const match = /^(\d{5,20})@c\.us$/.exec(chatId);
  return match ? `+${match[1]}` : undefined;
}
