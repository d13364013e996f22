import { randomBytes } from "node:crypto";
import { EventEmitter } from "node:events";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type WAWebJS from "whatsapp-web.js";
import { SANDBOX_FIXTURES_DIR } from "../paths.js";
import type {
  WhatsAppAck,
  WhatsAppChatHistory,
  WhatsAppChatPort,
  WhatsAppClientPort,
  WhatsAppDisconnectReason,
  WhatsAppInboundMessage,
  WhatsAppMedia,
  WhatsAppSendOptions,
  WhatsAppSentMessage,
  WhatsAppState,
} from "../../channels/whatsapp/client-port.js";

/**
 * Stands in for whatsapp-web.js's Client (and so for WhatsApp's servers): it records what the
 * adapter sends and lets a test, or a person typing in the demo, play the customer and the network.
 * Inbound messages are built from the real payload shapes in src/sandbox/fixtures/whatsapp/.
 */

export const FAKE_WHATSAPP_CUSTOMER_CHAT_ID = "15551234567@c.us";
export const FAKE_WHATSAPP_BUSINESS_CHAT_ID = "15559876543@c.us";
export const FAKE_WHATSAPP_QR =
  "2@FAKEqrREF0000000000000000,FAKEnoiseKEY000000000000000000000000000=,FAKEidentityKEY00000000000000000000000=,FAKEadvSECRET0000000000000000000000000000=";
export const FAKE_WHATSAPP_PAIRING_CODE = "WARM1234";

/** Inbound kinds with a fixture file of the same name. */
export type FakeWhatsAppInboundKind =
  | "text"
  | "image"
  | "voice-note"
  | "audio"
  | "video"
  | "document"
  | "sticker"
  | "location"
  | "vcard"
  | "multi-vcard"
  | "group-text"
  | "status"
  | "newsletter";

export interface FakeWhatsAppFixture {
  message: WhatsAppInboundMessage & Record<string, unknown>;
  media?: WhatsAppMedia;
}

export function loadWhatsAppFixture(name: FakeWhatsAppInboundKind | "revoked"): FakeWhatsAppFixture {
  const file = join(SANDBOX_FIXTURES_DIR, "whatsapp", `${name}.json`);
  const { $source: _source, ...fixture } = JSON.parse(readFileSync(file, "utf8")) as FakeWhatsAppFixture & { $source?: string };
  return fixture;
}

/** A message as the fake hands it to listeners: wweb's own-property shape plus the methods the adapter calls. */
export type FakeWhatsAppMessage = WhatsAppInboundMessage & {
  id: WAWebJS.MessageId;
  from: string;
  to: string;
  body: string;
  type: string;
  ack: number;
  fromMe: boolean;
  timestamp: number;
};

export interface FakeWhatsAppSent {
  /** The sent message's id (`id._serialized`), as the adapter returns it. */
  id: string;
  chatId: string;
  content: string | WAWebJS.MessageMedia;
  options?: WhatsAppSendOptions;
  /** The text the customer sees: the string, or the media's caption. */
  text: string;
  media?: WhatsAppMedia;
}

export interface CustomerSaysOptions {
  /** Chat id ("15551234567@c.us") or bare number; defaults to FAKE_WHATSAPP_CUSTOMER_CHAT_ID. */
  from?: string;
  /** The customer's WhatsApp display name (notifyName); omit to send none. */
  name?: string;
}

export interface CustomerSendsOptions extends CustomerSaysOptions {
  /** Replaces the fixture's caption (media) or text. */
  caption?: string;
  /** Replaces what downloadMedia() returns; `null` returns nothing, an Error rejects, a function is called (to hold a download open). */
  media?: WhatsAppMedia | null | Error | (() => Promise<WhatsAppMedia | null | undefined>);
  /** Changes the message before it is sent (a location's name, a vCard's body). */
  edit?: (message: FakeWhatsAppMessage) => void;
}

export interface FakeWhatsAppClientOptions {
  /** initialize() emits authenticated + ready, as a client with a saved session does. Default true. */
  autoReady?: boolean;
  /** Epoch ms for message timestamps. */
  now?: () => number;
  /** "<lid>@lid" → "<phone>@c.us", answered by getContactLidAndPhone. */
  lidPhones?: Record<string, string>;
}

function chatIdOf(from: string | undefined): string {
  if (!from) return FAKE_WHATSAPP_CUSTOMER_CHAT_ID;
  return from.includes("@") ? from : `${from.replace(/\D/g, "")}@c.us`;
}

function mediaType(mimetype: string, options?: WhatsAppSendOptions): string {
  if (options?.sendMediaAsSticker) return "sticker";
  if (options?.sendMediaAsDocument) return "document";
  const top = mimetype.split("/")[0];
  return top === "image" || top === "video" || top === "audio" ? top : "document";
}

export class FakeWhatsAppClient extends EventEmitter implements WhatsAppClientPort {
  /** Every message the adapter sent, oldest first. Also emitted as "outbound" (for the demo's console). */
  readonly sent: FakeWhatsAppSent[] = [];
  readonly pairingCodeRequests: string[] = [];
  state: WhatsAppState | null = null;
  initializeCount = 0;
  destroyCount = 0;
  autoReady: boolean;

  /** The fake server's clock, for message timestamps; tests may move it. */
  now: () => number;
  private readonly lidPhones: Map<string, string>;
  private readonly messages = new Map<string, FakeWhatsAppMessage>();
  private readonly sendFailures: unknown[] = [];
  private sendGate: Promise<void> | undefined;
  /** Sends waiting at the gate (holdSends). */
  heldSends = 0;
  private readonly initializeFailures: unknown[] = [];
  private counter = 0;
  /**
   * WhatsApp's ids are unique per account; a counter alone is not across clients. Two fakes (two
   * instances in the bench, a client started again) would hand out the same ids, and the shared
   * inbox would rightly drop the second message as a redelivery.
   */
  private readonly idTag = randomBytes(4).toString("hex").toUpperCase();

  constructor(options: FakeWhatsAppClientOptions = {}) {
    super();
    this.autoReady = options.autoReady ?? true;
    this.now = options.now ?? (() => Date.now());
    this.lidPhones = new Map(Object.entries(options.lidPhones ?? {}));
  }

  // The port

  async initialize(): Promise<void> {
    this.initializeCount += 1;
    if (this.initializeFailures.length > 0) throw this.initializeFailures.shift();
    if (this.autoReady) this.becomeReady();
  }

  async destroy(): Promise<void> {
    this.destroyCount += 1;
    this.state = null;
  }

  async getState(): Promise<WhatsAppState | null> {
    return this.state;
  }

  async sendMessage(chatId: string, content: string | WAWebJS.MessageMedia, options?: WhatsAppSendOptions): Promise<WhatsAppSentMessage> {
    if (this.sendGate) {
      this.heldSends += 1;
      await this.sendGate;
      this.heldSends -= 1;
    }
    if (this.sendFailures.length > 0) throw this.sendFailures.shift();
    const isText = typeof content === "string";
    const message = this.buildMessage({
      id: this.newId("3EB0"),
      fromMe: true,
      chatId,
      type: isText ? "chat" : mediaType(content.mimetype, options),
      body: isText ? content : (options?.caption ?? ""),
      hasMedia: !isText,
    });
    message.ack = 0;
    this.messages.set(message.id._serialized, message);
    const record: FakeWhatsAppSent = { id: message.id._serialized, chatId, content, text: message.body };
    if (options) record.options = options;
    if (!isText) record.media = { mimetype: content.mimetype, data: content.data, filename: content.filename ?? null };
    this.sent.push(record);
    this.emit("outbound", record);
    return message;
  }

  /** The chat's latest messages, newest last, as wweb's Chat.fetchMessages returns them. */
  async getChatById(chatId: string): Promise<WhatsAppChatPort> {
    return { fetchMessages: async (options) => this.chatMessages(chatId, options) };
  }

  /** Every chat with a message, with its last activity, as wweb's getChats returns them. */
  async getChats(): Promise<WhatsAppChatHistory[]> {
    const chats = new Map<string, number>();
    for (const m of this.messages.values()) {
      const chatId = m.fromMe ? m.to : m.from;
      chats.set(chatId, Math.max(chats.get(chatId) ?? 0, m.timestamp));
    }
    return [...chats].map(([chatId, timestamp]) => ({
      id: { _serialized: chatId },
      timestamp,
      isGroup: chatId.endsWith("@g.us"),
      fetchMessages: async (options) => this.chatMessages(chatId, options),
    }));
  }

  private chatMessages(
    chatId: string,
    { limit, fromMe }: { limit?: number; fromMe?: boolean },
  ): (FakeWhatsAppMessage & { hasMedia: boolean })[] {
    const inChat = [...this.messages.values()].filter(
      (m) => (m.fromMe ? m.to : m.from) === chatId && (fromMe === undefined || m.fromMe === fromMe),
    );
    return inChat.slice(-(limit ?? inChat.length)).map((m) => ({ ...m, hasMedia: Boolean(m.hasMedia) }));
  }

  async requestPairingCode(phoneNumber: string): Promise<string> {
    this.pairingCodeRequests.push(phoneNumber);
    this.emit("code", FAKE_WHATSAPP_PAIRING_CODE);
    return FAKE_WHATSAPP_PAIRING_CODE;
  }

  async getContactLidAndPhone(userIds: string[]): Promise<{ lid: string; pn: string }[]> {
    return userIds.map((lid) => ({ lid, pn: this.lidPhones.get(lid) ?? "" }));
  }

  // Connection simulation

  becomeReady(): void {
    this.state = "CONNECTED";
    this.emit("authenticated");
    this.emit("ready");
  }

  showQr(qr: string = FAKE_WHATSAPP_QR): void {
    this.state = "UNPAIRED";
    this.emit("qr", qr);
  }

  failAuth(message = "Unable to restore session"): void {
    this.emit("auth_failure", message);
  }

  changeState(state: WhatsAppState): void {
    this.state = state;
    this.emit("change_state", state);
  }

  /** As wweb does for a bad state: change_state first (for WAState reasons), then disconnected. */
  disconnect(reason: WhatsAppDisconnectReason = "NAVIGATION", options: { withStateChange?: boolean } = {}): void {
    if (options.withStateChange) this.changeState(reason as WhatsAppState);
    this.state = null;
    this.emit("disconnected", reason);
  }

  /** Holds every sendMessage (a slow WhatsApp Web) until the returned function is called. */
  holdSends(): () => void {
    let release!: () => void;
    this.sendGate = new Promise<void>((resolve) => (release = resolve));
    return () => {
      this.sendGate = undefined;
      release();
    };
  }

  /** The next `count` sendMessage calls reject with `error`. */
  failNextSends(count = 1, error: unknown = new Error("Evaluation failed: t: t")): void {
    for (let i = 0; i < count; i += 1) this.sendFailures.push(error);
  }

  failNextInitializes(count = 1, error: unknown = new Error("Failed to launch the browser process!")): void {
    for (let i = 0; i < count; i += 1) this.initializeFailures.push(error);
  }

  // Customer simulation

  /** The customer types `text`; returns the message id the adapter will report. */
  customerSays(text: string, options: CustomerSaysOptions = {}): string {
    const message = this.buildMessage({
      id: this.newId("AC"),
      chatId: chatIdOf(options.from),
      type: "chat",
      body: text,
      name: options.name,
    });
    return this.deliverInbound(message);
  }

  /**
   * The customer types `text` while Warmline is down or disconnected: WhatsApp keeps it in the chat
   * (getChats / fetchMessages find it) but emits nothing. Returns its id.
   */
  customerSaysWhileOffline(text: string, options: CustomerSaysOptions = {}): string {
    const message = this.buildMessage({
      id: this.newId("AC"),
      chatId: chatIdOf(options.from),
      type: "chat",
      body: text,
      name: options.name,
    });
    this.messages.set(message.id._serialized, message);
    return message.id._serialized;
  }

  /** The customer sends a fixture message (image, voice note, location...); returns its id. */
  customerSends(kind: FakeWhatsAppInboundKind, options: CustomerSendsOptions = {}): string {
    const fixture = loadWhatsAppFixture(kind);
    const message = structuredClone(fixture.message) as FakeWhatsAppMessage;
    // Group, status and channel fixtures keep their own chat unless told otherwise.
    const chatId = options.from ? chatIdOf(options.from) : message.from;
    const raw = (message._data ??= {});
    const localId = this.newId("AC");
    message.id = { fromMe: false, remote: chatId, id: localId, _serialized: `false_${chatId}_${localId}` };
    raw.id = message.id;
    message.from = chatId;
    raw.from = chatId;
    message.timestamp = Math.floor(this.now() / 1000);
    if (options.name !== undefined) raw.notifyName = options.name;
    if (options.caption !== undefined) {
      message.body = options.caption;
      if (message.hasMedia) raw.caption = options.caption;
      else raw.body = options.caption;
    }
    options.edit?.(message);
    const media = options.media === undefined ? fixture.media : options.media;
    message.downloadMedia = async () => {
      if (typeof media === "function") return media();
      if (media instanceof Error) throw media;
      return media ?? undefined;
    };
    return this.deliverInbound(message);
  }

  /** Emits any payload as a "message", malformed ones included; returns its id if it has one. */
  receive(message: WhatsAppInboundMessage): string | undefined {
    this.emit("message", message);
    return typeof message?.id?._serialized === "string" ? message.id._serialized : undefined;
  }

  customerEdits(messageId: string, newText: string): void {
    const message = this.requireMessage(messageId);
    const previous = message.body;
    message.body = newText;
    this.emit("message_edit", message, newText, previous);
  }

  /** "Delete for everyone": wweb passes the message as it is now (type "revoked") and its earlier copy. */
  customerDeletes(messageId: string): void {
    const original = this.requireMessage(messageId);
    const revoked: FakeWhatsAppMessage = { ...original, type: "revoked", body: "", protocolMessageKey: { ...original.id } };
    this.messages.set(messageId, revoked);
    this.emit("message_revoke_everyone", revoked, original);
  }

  /** WhatsApp's servers acknowledge a sent message (1 server, 2 device, 3 read, 4 played, -1 error). */
  ack(channelMessageId: string, ack: WhatsAppAck): void {
    const message = this.requireMessage(channelMessageId);
    message.ack = ack;
    this.emit("message_ack", message, ack);
  }

  lastSent(): FakeWhatsAppSent | undefined {
    return this.sent.at(-1);
  }

  sentTo(chatId: string): FakeWhatsAppSent[] {
    return this.sent.filter((s) => s.chatId === chatIdOf(chatId));
  }

  // Internals

  private deliverInbound(message: FakeWhatsAppMessage): string {
    this.messages.set(message.id._serialized, message);
    this.emit("message", message);
    return message.id._serialized;
  }

  private requireMessage(messageId: string): FakeWhatsAppMessage {
    const message = this.messages.get(messageId);
    if (!message)
      throw new Error(`FakeWhatsAppClient has no message ${messageId}: use an id returned by customerSays/customerSends or sendMessage.`);
    return message;
  }

  private newId(prefix: string): string {
    this.counter += 1;
    return `${prefix}${this.idTag}${this.counter
      .toString(16)
      .toUpperCase()
      .padStart(32 - prefix.length - this.idTag.length, "0")}`;
  }

  private buildMessage(input: {
    id: string;
    chatId: string;
    type: string;
    body: string;
    fromMe?: boolean;
    name?: string;
    hasMedia?: boolean;
  }): FakeWhatsAppMessage {
    const fromMe = input.fromMe ?? false;
    const id: WAWebJS.MessageId = { fromMe, remote: input.chatId, id: input.id, _serialized: `${fromMe}_${input.chatId}_${input.id}` };
    const from = fromMe ? FAKE_WHATSAPP_BUSINESS_CHAT_ID : input.chatId;
    const to = fromMe ? input.chatId : FAKE_WHATSAPP_BUSINESS_CHAT_ID;
    const timestamp = Math.floor(this.now() / 1000);
    const raw: NonNullable<WhatsAppInboundMessage["_data"]> = {
      id,
      body: input.body,
      type: input.type,
      t: timestamp,
      from,
      to,
      ack: 1,
      isNewMsg: true,
    };
    if (input.name !== undefined) raw.notifyName = input.name;
    return {
      _data: raw,
      id,
      ack: 1,
      hasMedia: input.hasMedia ?? false,
      body: input.body,
      type: input.type,
      timestamp,
      from,
      to,
      fromMe,
      isStatus: false,
      broadcast: false,
      vCards: [],
      getContact: async () => ({ pushname: input.name ?? "", name: undefined, number: input.chatId.split("@")[0] ?? "" }),
      downloadMedia: async () => undefined,
    };
  }
}

export function createFakeWhatsAppClient(options?: FakeWhatsAppClientOptions): FakeWhatsAppClient {
  return new FakeWhatsAppClient(options);
}
