import type { WhatsAppClientPort, WhatsAppInboundMessage } from "./client-port.js";
import { errorText, type WhatsAppLogger } from "./whatsapp-logger.js";

/**
 * Catch-up looks this far before the newest stored message: phones' clocks differ, and a message
 * received just before a crash may be older than one stored after it. Copies already stored are
 * no-ops (the inbox knows every id), so overlap costs only a read.
 */
export const WHATSAPP_CATCH_UP_OVERLAP_MS = 10 * 60_000;
/** The latest messages read per chat with activity since then. */
export const WHATSAPP_CATCH_UP_MESSAGES_PER_CHAT = 50;

export interface WhatsAppCatchUpDeps {
  client: WhatsAppClientPort;
  logger: WhatsAppLogger;
  /** The newest customer message stored (epoch ms), or undefined before the first: nothing to catch up then. */
  since: number | undefined;
  /** Stores one message, as if it had just arrived. */
  store(message: WhatsAppInboundMessage): Promise<void>;
}

/**
 * After a (re)connect: the customers' messages sent while Warmline was down or disconnected, or
 * received by a process that died before storing them. WhatsApp hands each message out once, but
 * keeps the chats: read every chat active since the newest stored message, oldest first. Returns
 * how many messages it handed on (copies included).
 */
export async function catchUpWhatsApp({ client, logger, since, store }: WhatsAppCatchUpDeps): Promise<number> {
  if (since === undefined || !client.getChats) return 0;
  const from = since - WHATSAPP_CATCH_UP_OVERLAP_MS;
  let handed = 0;
  try {
    const chats = (await client.getChats()).filter((chat) => !chat.isGroup && chat.timestamp * 1000 >= from);
    for (const chat of chats) {
      const messages = await chat.fetchMessages({ limit: WHATSAPP_CATCH_UP_MESSAGES_PER_CHAT, fromMe: false });
      const missed = messages
        .filter((m) => m.fromMe !== true && typeof m.timestamp === "number" && m.timestamp * 1000 >= from)
        .sort((a, b) => (a.timestamp ?? 0) - (b.timestamp ?? 0));
      for (const message of missed) await store(message);
      handed += missed.length;
    }
    logger.info({ chats: chats.length, messages: handed }, "Caught up with WhatsApp messages since the last one stored");
  } catch (err) {
    logger.warn(
      { err: errorText(err) },
      "Catching up with WhatsApp messages sent while disconnected failed: they are still in the chats; reconnecting tries again",
    );
  }
  return handed;
}
