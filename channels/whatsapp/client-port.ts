import type WAWebJS from "whatsapp-web.js";

/**
 * The subset of whatsapp-web.js's `Client` (1.34, index.d.ts) that the adapter uses. Tests pass a
 * fake; src/main.ts passes the real `new wweb.Client(...)`. `WhatsAppClientPortCheck` below fails
 * `tsc` if the real Client stops satisfying this port after an upgrade.
 */

/** Connection states, as the string values of wweb's `WAState` enum (which is absent at run time under ESM). */
export type WhatsAppState = `${WAWebJS.WAState}`;

/** `disconnected` carries a WAState, "LOGOUT", "NAVIGATION" or a free-form reason such as "Max qrcode retries reached". */
export type WhatsAppDisconnectReason = WhatsAppState | "LOGOUT" | "NAVIGATION" | (string & {});

/** Numeric ack values of wweb's `MessageAck`: -1 ERROR, 0 PENDING, 1 SERVER, 2 DEVICE, 3 READ, 4 PLAYED. */
export type WhatsAppAck = -1 | 0 | 1 | 2 | 3 | 4;

export type WhatsAppMedia = Pick<WAWebJS.MessageMedia, "mimetype" | "data" | "filename" | "filesize">;

export type WhatsAppSendOptions = Pick<
  WAWebJS.MessageSendOptions,
  "caption" | "sendMediaAsDocument" | "sendMediaAsSticker" | "sendAudioAsVoice" | "linkPreview"
>;

/** What the adapter reads of a sent message: its id, to correlate acks, and its time (seconds since the epoch). */
export interface WhatsAppSentMessage {
  id: Pick<WAWebJS.MessageId, "_serialized">;
  timestamp?: number;
}

/**
 * What the adapter reads of an inbound message. Everything is optional because payloads from a
 * scraped web app can be malformed; the normalizer checks each field before trusting it.
 * `_data` is the raw WA Web model (wweb exposes it as the `rawData` getter); it carries `notifyName`.
 */
export interface WhatsAppInboundMessage {
  id?: Partial<WAWebJS.MessageId> | null;
  from?: string;
  to?: string;
  author?: string;
  fromMe?: boolean;
  isStatus?: boolean;
  broadcast?: boolean;
  type?: string;
  body?: string;
  timestamp?: number;
  hasMedia?: boolean;
  ack?: number;
  location?: { latitude?: string | number; longitude?: string | number; name?: string; address?: string; description?: string } | null;
  vCards?: string[];
  protocolMessageKey?: Partial<WAWebJS.MessageId> | null;
  _data?: { notifyName?: string; filename?: string; [key: string]: unknown } | null;
  downloadMedia?: () => Promise<WhatsAppMedia | undefined | null>;
  getContact?: () => Promise<Pick<WAWebJS.Contact, "pushname" | "name" | "number">>;
}

/** What the adapter reads of a chat's recent messages, to find a copy an interrupted send delivered. */
export interface WhatsAppRecentMessage {
  id: Pick<WAWebJS.MessageId, "_serialized">;
  body: string;
  fromMe: boolean;
  hasMedia: boolean;
  /** Seconds since the epoch. */
  timestamp: number;
}

export interface WhatsAppChatPort {
  fetchMessages(options: { limit?: number; fromMe?: boolean }): Promise<WhatsAppRecentMessage[]>;
}

export interface WhatsAppClientPort {
  /** Optional so minimal fakes still fit; the real Client has it. Used to resume in-doubt sends. */
  getChatById?(chatId: string): Promise<WhatsAppChatPort>;
  initialize(): Promise<void>;
  destroy(): Promise<void>;
  getState(): Promise<WhatsAppState | null>;
  sendMessage(chatId: string, content: string | WAWebJS.MessageMedia, options?: WhatsAppSendOptions): Promise<WhatsAppSentMessage>;
  requestPairingCode(phoneNumber: string, showNotification?: boolean, intervalMs?: number): Promise<string>;
  /** Resolves "<lid>@lid" senders to their phone number ("<pn>@c.us"). */
  getContactLidAndPhone(userIds: string[]): Promise<{ lid: string; pn: string }[]>;

  // Events, declared explicitly: `Pick<Client, "on">` does not compile because `on` returns `this`.
  on(event: "qr", listener: (qr: string) => void): unknown;
  on(event: "code", listener: (code: string) => void): unknown;
  on(event: "ready", listener: () => void): unknown;
  on(event: "authenticated", listener: () => void): unknown;
  on(event: "auth_failure", listener: (message: string) => void): unknown;
  on(event: "disconnected", listener: (reason: WhatsAppDisconnectReason) => void): unknown;
  on(event: "change_state", listener: (state: WhatsAppState) => void): unknown;
  on(event: "message", listener: (message: WhatsAppInboundMessage) => void): unknown;
  on(event: "message_ack", listener: (message: WhatsAppInboundMessage, ack: number) => void): unknown;
  on(event: "message_edit", listener: (message: WhatsAppInboundMessage, newBody: string, prevBody: string) => void): unknown;
  on(
    event: "message_revoke_everyone",
    listener: (message: WhatsAppInboundMessage, revokedMessage?: WhatsAppInboundMessage | null) => void,
  ): unknown;
  /** Only our own listeners are removed on stop; main.ts may have its own on the same client. */
  // biome-ignore lint/suspicious/noExplicitAny: mirrors EventEmitter's signature
  removeListener(event: string, listener: (...args: any[]) => void): unknown;
}

/** Event names the adapter subscribes to (and removes on stop). */
export const WHATSAPP_CLIENT_EVENTS = [
  "qr",
  "code",
  "ready",
  "authenticated",
  "auth_failure",
  "disconnected",
  "change_state",
  "message",
  "message_ack",
  "message_edit",
  "message_revoke_everyone",
] as const;

type Assert<T extends true> = T;
/** Compile-time proof that the real Client satisfies the port; `tsc` fails here if it does not. */
export type WhatsAppClientPortCheck = Assert<WAWebJS.Client extends WhatsAppClientPort ? true : false>;
