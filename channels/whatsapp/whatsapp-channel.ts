import qrcode from "qrcode-terminal";
import type WAWebJS from "whatsapp-web.js";
import type { Attachment } from "../../src/domain/conversation.js";
import { WarmlineError } from "../../src/domain/errors.js";
import type { Clock } from "../../src/ports/clock.js";
import { systemClock } from "../../src/ports/clock.js";
import type {
  CustomerChannel,
  CustomerChannelEvents,
  DeliveryAttempt,
  DeliveryState,
  InboundCustomerMessage,
  OutboundCustomerMessage,
} from "../../src/ports/customer-channel.js";
import type {
  WHATSAPP_CLIENT_EVENTS,
  WhatsAppClientPort,
  WhatsAppDisconnectReason,
  WhatsAppInboundMessage,
  WhatsAppMedia,
  WhatsAppRecentMessage,
  WhatsAppSendOptions,
} from "./client-port.js";
import { WHATSAPP_CAPTION_LIMIT, splitForWhatsApp } from "./outbound-text.js";
import { WHATSAPP_SESSION_DIR } from "./whatsapp-session.js";
import {
  WHATSAPP_CHANNEL_NAME,
  normalizeWhatsAppMessage,
  whatsappMessageHasMedia,
  whatsappMessageId,
  whatsappNotifyName,
  whatsappSkipReason,
} from "./normalize-inbound.js";
import { decodeWhatsAppAddress, encodeWhatsAppAddress, phoneFromWhatsAppChatId } from "./whatsapp-address.js";

// biome-ignore lint/suspicious/noExplicitAny: EventEmitter listeners take any arguments
type WhatsAppListener = (...args: any[]) => void;

type WhatsAppLogFn = (context: Record<string, unknown>, message: string) => void;

/** The logging the adapter needs; pino's Logger (and src/ports/logger.ts's) satisfies it. */
export interface WhatsAppLogger {
  debug?: WhatsAppLogFn;
  info: WhatsAppLogFn;
  warn: WhatsAppLogFn;
  error: WhatsAppLogFn;
}

/** Builds a real `wweb.MessageMedia` (wweb checks `instanceof`); injectable so tests need no SDK class. */
export type WhatsAppMediaFactory = (media: WhatsAppMedia) => WAWebJS.MessageMedia | Promise<WAWebJS.MessageMedia>;

export interface WhatsAppPairingOptions {
  mode: "qr" | "code";
  /** Required for "code": the business number in international form, e.g. "15551234567" or "+1 555 123 4567". */
  phone?: string;
}

export interface WhatsAppReconnectOptions {
  baseMs: number;
  maxMs: number;
}

export interface WhatsAppChannelOptions {
  client: WhatsAppClientPort;
  logger?: WhatsAppLogger;
  pairing?: WhatsAppPairingOptions;
  clock?: Clock;
  reconnect?: WhatsAppReconnectOptions;
  createMedia?: WhatsAppMediaFactory;
  /** Prints a QR code where the operator can scan it; defaults to a small qrcode-terminal render on stdout. */
  printQr?: (qr: string) => void;
}

export const WHATSAPP_RECONNECT_DEFAULTS: WhatsAppReconnectOptions = { baseMs: 2_000, maxMs: 5 * 60_000 };

/** Waits between attempts to hand an inbound message to the engine; about a minute in all. */
export const WHATSAPP_INBOUND_RETRY_DELAYS_MS = [500, 2_000, 5_000, 15_000, 30_000];

/** How many of the chat's latest messages an in-doubt send looks through for its earlier copy. */
const WHATSAPP_RESUME_LOOKBACK = 50;
/** WhatsApp timestamps are whole seconds and the phone's clock may differ a little. */
const WHATSAPP_RESUME_CLOCK_SKEW_MS = 60_000;

/** One WhatsApp message of an outbound message, with what identifies its copy in the chat's history. */
interface OutboundPart {
  body: string;
  hasMedia: boolean;
  content: () => Promise<string | WAWebJS.MessageMedia>;
  options?: WhatsAppSendOptions;
}

/** Only these carry a caption; anything else gets the text as its own message first. */
const CAPTION_KINDS = new Set<Attachment["kind"]>(["image", "video", "document"]);

/** Reasons after which reconnecting cannot help: a human has to pair again or appeal a ban. */
const NO_RECONNECT_REASONS = new Set(["LOGOUT", "TOS_BLOCK", "SMB_TOS_BLOCK"]);

/** change_state values that mean the session is in trouble (the rest are routine). */
const PROBLEM_STATES = new Set(["CONFLICT", "UNPAIRED", "UNPAIRED_IDLE", "TOS_BLOCK", "SMB_TOS_BLOCK", "PROXYBLOCK", "DEPRECATED_VERSION"]);

/** What each problem means and what the operator should do, worded for the ops channel. */
export function describeWhatsAppProblem(reason: WhatsAppDisconnectReason): string {
  switch (reason) {
    case "LOGOUT":
      return "WhatsApp logged this session out: pair again with `npm start` and scan the QR code. (It was unlinked in the phone's Linked devices, or by WhatsApp.)";
    case "UNPAIRED":
    case "UNPAIRED_IDLE":
      return "This WhatsApp session is no longer linked to the business phone: Warmline reconnects and shows a new QR code; scan it in WhatsApp → Settings → Linked devices → Link a device.";
    case "CONFLICT":
      return "WhatsApp Web was opened with this number somewhere else, which took the session over: close the other WhatsApp Web tab or desktop app. Warmline reconnects automatically.";
    case "TOS_BLOCK":
    case "SMB_TOS_BLOCK":
      return "WhatsApp blocked this number for breaking its Terms of Service: Warmline will not reconnect. Appeal from the WhatsApp app on the business phone, or pair a different number with `npm start`.";
    case "PROXYBLOCK":
      return "WhatsApp refused connections from this server's network: check the proxy, VPN or firewall. Warmline keeps retrying.";
    case "DEPRECATED_VERSION":
      return "WhatsApp no longer accepts this WhatsApp Web version: update with `npm install whatsapp-web.js@latest` and restart.";
    case "NAVIGATION":
      return "WhatsApp Web reloaded itself (an update or a logout elsewhere): Warmline reconnects automatically; if this repeats, update whatsapp-web.js.";
    default:
      return `WhatsApp disconnected (${reason}): Warmline reconnects automatically; if this repeats, check that the business phone is online and restart with \`npm start\`.`;
  }
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

const defaultCreateMedia: WhatsAppMediaFactory = async ({ mimetype, data, filename }) => {
  // Loaded lazily so importing the adapter never pulls in puppeteer.
  const { default: wweb } = await import("whatsapp-web.js");
  return new wweb.MessageMedia(mimetype, data, filename ?? null);
};

/** The pairing QR drawn with block characters; qrcode-terminal calls back synchronously. */
export function renderWhatsAppQr(qr: string): string {
  let rendered = "";
  qrcode.generate(qr, { small: true }, (text) => (rendered = text));
  return rendered;
}

const defaultPrintQr = (qr: string): void => void process.stdout.write(`${renderWhatsAppQr(qr)}\n`);

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

const silentLogger: WhatsAppLogger = { info: () => {}, warn: () => {}, error: () => {} };

/** CustomerChannel on whatsapp-web.js: a linked WhatsApp Web session driven through a headless browser. */
export class WhatsAppChannelAdapter implements CustomerChannel {
  readonly name = WHATSAPP_CHANNEL_NAME;

  private readonly client: WhatsAppClientPort;
  private readonly logger: WhatsAppLogger;
  private readonly pairing: WhatsAppPairingOptions;
  private readonly clock: Clock;
  private readonly reconnectOptions: WhatsAppReconnectOptions;
  private readonly createMedia: WhatsAppMediaFactory;
  private readonly printQr: (qr: string) => void;

  private events: CustomerChannelEvents | undefined;
  private ready = false;
  private stopped = false;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private reconnectAttempts = 0;
  private pairingCodeRequested = false;
  /** The last problem reported, so a change_state and the disconnect that follows are reported once. */
  private lastProblem: string | undefined;
  private problemReported = false;
  private readonly subscriptions: [string, WhatsAppListener][] = [];
  /** One promise chain per chat, so a slow media download cannot reorder a customer's messages. */
  private readonly chains = new Map<string, Promise<void>>();
  private readonly inFlight = new Set<Promise<void>>();

  constructor(options: WhatsAppChannelOptions) {
    this.client = options.client;
    this.logger = options.logger ?? silentLogger;
    this.pairing = options.pairing ?? { mode: "qr" };
    this.clock = options.clock ?? systemClock;
    this.reconnectOptions = options.reconnect ?? WHATSAPP_RECONNECT_DEFAULTS;
    this.createMedia = options.createMedia ?? defaultCreateMedia;
    this.printQr = options.printQr ?? defaultPrintQr;
    if (this.pairing.mode === "code" && !this.pairing.phone?.replace(/\D/g, "")) {
      throw new WarmlineError(
        "config_missing_setting",
        'whatsapp.pairingPhone is required when whatsapp.pairing is "code": set it to the business number in international form, e.g. "15551234567", or use pairing "qr".',
      );
    }
  }

  isReady(): boolean {
    return this.ready;
  }

  /** A phone-numbered WhatsApp chat is "<digits>@c.us"; linked-id (@lid) customers are found by address instead. */
  addressForPhone(phoneDigits: string): string {
    return encodeWhatsAppAddress(`${phoneDigits}@c.us`);
  }

  async start(events: CustomerChannelEvents): Promise<void> {
    if (this.events) return;
    this.events = events;
    this.stopped = false;
    this.subscribe();
    try {
      await this.client.initialize();
    } catch (err) {
      this.unsubscribe();
      this.events = undefined;
      throw new WarmlineError(
        "channel_unavailable",
        `WhatsApp Web failed to start (${errorText(err)}): check that whatsapp.browserPath or CHROME_PATH points at a working Chrome/Chromium, then run \`npm start\` again.`,
        err,
      );
    }
  }

  async send(message: OutboundCustomerMessage, delivery?: DeliveryAttempt): Promise<{ channelMessageId: string }> {
    const chatId = decodeWhatsAppAddress(message.address);
    if (!this.ready) {
      throw new WarmlineError(
        "channel_unavailable",
        "WhatsApp is not connected right now, so the message was not sent: it can be retried once the session is ready. If this lasts, look in the ops channel for a QR code or a logout notice.",
        undefined,
        { retry: "unavailable" },
      );
    }
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
          this.createMedia({
            mimetype: attachment.mimeType ?? "application/octet-stream",
            data: attachment.dataBase64 as string,
            filename: attachment.filename ?? null,
          }),
        options: Object.keys(options).length > 0 ? options : undefined,
      });
    });

    // An interrupted attempt may have sent some parts, always a leading run of them: resume after it.
    const alreadySent = delivery?.inDoubt ? await this.findSentParts(chatId, parts, delivery.since) : [];
    if (alreadySent.length > 0) {
      this.logger.info(
        { channelMessageId: alreadySent[0], sentParts: alreadySent.length, parts: parts.length },
        "An interrupted WhatsApp send had already delivered part of the message; sending only the rest",
      );
    }
    let firstId = alreadySent[0];
    for (let i = alreadySent.length; i < parts.length; i++) {
      const part = parts[i]!;
      try {
        const sent = await this.client.sendMessage(chatId, await part.content(), part.options);
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
    return { channelMessageId: firstId as string };
  }

  /** The customer an outgoing message went to, as an address; none when the payload lacks a chat id. */
  private recipientOf(message: WhatsAppInboundMessage): { address?: string } {
    const chatId = typeof message?.to === "string" && message.to !== "" ? message.to : message?.id?.remote;
    if (typeof chatId !== "string" || chatId === "") return {};
    try {
      return { address: encodeWhatsAppAddress(chatId) };
    } catch {
      return {};
    }
  }

  /**
   * The ids of the leading parts an earlier attempt already delivered: our own messages in the chat
   * since `since`, matched in order by text (or caption) and by whether they carry media.
   */
  private async findSentParts(chatId: string, parts: readonly OutboundPart[], since: number): Promise<string[]> {
    if (!this.client.getChatById) return [];
    let recent: WhatsAppRecentMessage[];
    try {
      const chat = await this.client.getChatById(chatId);
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

  async stop(): Promise<void> {
    this.stopped = true;
    this.ready = false;
    this.clearReconnect();
    this.unsubscribe();
    await this.whenIdle();
    this.events = undefined;
    try {
      await this.client.destroy();
    } catch (err) {
      this.logger.warn({ err: errorText(err) }, "Closing the WhatsApp client failed");
    }
  }

  /** Resolves once every inbound message, edit and ack received so far has been handled. */
  async whenIdle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  // Event handlers

  private subscribe(): void {
    const on = (event: (typeof WHATSAPP_CLIENT_EVENTS)[number], handler: WhatsAppListener) => {
      const listener = handler.bind(this);
      // Each handler below matches its event's overload in WhatsAppClientPort.
      (this.client.on as (event: string, listener: WhatsAppListener) => unknown)(event, listener);
      this.subscriptions.push([event, listener]);
    };
    on("qr", this.onQr);
    on("code", this.onPairingCode);
    on("ready", this.onReady);
    on("authenticated", this.onAuthenticated);
    on("auth_failure", this.onAuthFailure);
    on("disconnected", this.onDisconnected);
    on("change_state", this.onChangeState);
    on("message", this.onInboundMessage);
    on("message_ack", this.onMessageAck);
    on("message_edit", this.onMessageEdit);
    on("message_revoke_everyone", this.onMessageRevoke);
  }

  private unsubscribe(): void {
    for (const [event, listener] of this.subscriptions.splice(0)) this.client.removeListener(event, listener);
  }

  private onReady(): void {
    this.ready = true;
    this.reconnectAttempts = 0;
    this.pairingCodeRequested = false;
    this.clearReconnect();
    this.logger.info({}, "WhatsApp connected");
    if (this.problemReported) this.report("connected", "WhatsApp is connected; queued messages will now be sent.");
    this.problemReported = false;
    this.lastProblem = undefined;
  }

  private onAuthenticated(): void {
    this.logger.info({}, "WhatsApp session authenticated");
  }

  private onQr(qr: string): void {
    if (this.pairing.mode === "code") {
      // wweb emits a fresh QR every ~20s; one pairing-code request keeps renewing its own code.
      if (this.pairingCodeRequested) return;
      this.pairingCodeRequested = true;
      const phone = (this.pairing.phone ?? "").replace(/\D/g, "");
      this.client.requestPairingCode(phone).catch((err: unknown) => {
        this.pairingCodeRequested = false;
        this.report(
          "pairing_code_failed",
          `Could not get a WhatsApp pairing code for the number in whatsapp.pairingPhone (${errorText(err)}): check it is the business number in international form, or set whatsapp.pairing to "qr".`,
        );
      });
      return;
    }
    this.printQr(qr);
    this.problemReported = true;
    this.report(
      "qr",
      "WhatsApp needs pairing: on the business phone open WhatsApp → Settings → Linked devices → Link a device and scan this QR code.",
      qr,
    );
  }

  private onPairingCode(code: string): void {
    const shown = /^[A-Z0-9]{8}$/i.test(code) ? `${code.slice(0, 4)}-${code.slice(4)}` : code;
    this.problemReported = true;
    this.report(
      "pairing_code",
      `WhatsApp pairing code ${shown}: on the business phone open WhatsApp → Settings → Linked devices → Link a device → "Link with phone number instead" and enter it.`,
    );
  }

  private onAuthFailure(message: string): void {
    this.ready = false;
    this.reportProblem(
      "auth_failure",
      `WhatsApp rejected the saved session (${message}): delete the ${WHATSAPP_SESSION_DIR} folder in the data directory and pair again with \`npm start\`.`,
    );
  }

  private onChangeState(state: string): void {
    this.logger.info({ state }, "WhatsApp state changed");
    if (!PROBLEM_STATES.has(state)) return;
    this.ready = false;
    this.reportProblem(state, describeWhatsAppProblem(state));
  }

  private onDisconnected(reason: WhatsAppDisconnectReason): void {
    const why = typeof reason === "string" && reason !== "" ? reason : "unknown";
    this.ready = false;
    this.pairingCodeRequested = false;
    this.logger.warn({ reason: why }, "WhatsApp disconnected");
    // wweb emits change_state then disconnected for the same state: tell the operators once.
    if (why !== this.lastProblem) this.reportProblem(why, describeWhatsAppProblem(why));
    if (NO_RECONNECT_REASONS.has(why)) return;
    this.scheduleReconnect(why);
  }

  private onInboundMessage(message: WhatsAppInboundMessage): void {
    this.enqueue(this.chainKey(message), () => this.handleInboundMessage(message));
  }

  private onMessageAck(message: WhatsAppInboundMessage, ack: number): void {
    const state = whatsappAckToDeliveryState(ack);
    const id = whatsappMessageId(message);
    // Only our own messages have delivery states worth showing to agents.
    const ours = message?.fromMe === true || message?.id?.fromMe === true;
    if (!state || !id || !ours) return;
    const onDelivery = this.events?.onDelivery;
    if (!onDelivery) return;
    this.enqueue(`ack:${id}`, () =>
      onDelivery(
        state === "failed"
          ? {
              channelMessageId: id,
              state,
              error: "WhatsApp reported an error delivering this message (ack -1)",
              ...this.recipientOf(message),
            }
          : { channelMessageId: id, state, ...this.recipientOf(message) },
      ),
    );
  }

  private onMessageEdit(message: WhatsAppInboundMessage, newBody: string, _prevBody: string): void {
    this.enqueue(this.chainKey(message), async () => {
      const skip = whatsappSkipReason(message);
      const messageId = whatsappMessageId(message);
      if (skip || !messageId) {
        this.logger.debug?.({ reason: skip ?? "no message id" }, "Ignored a WhatsApp edit");
        return;
      }
      await this.events?.onMessageChange?.({
        messageId,
        address: encodeWhatsAppAddress(message.from as string),
        kind: "edited",
        newText: typeof newBody === "string" ? newBody : String(newBody ?? ""),
        at: this.clock.now(),
      });
    });
  }

  private onMessageRevoke(message: WhatsAppInboundMessage, revoked?: WhatsAppInboundMessage | null): void {
    this.enqueue(this.chainKey(message), async () => {
      const skip = whatsappSkipReason(message);
      // protocolMessageKey names the original message; the revoked copy (when wweb has it) carries the same id.
      const messageId =
        (typeof message?.protocolMessageKey?._serialized === "string" ? message.protocolMessageKey._serialized : undefined) ??
        (revoked ? whatsappMessageId(revoked) : undefined) ??
        whatsappMessageId(message);
      if (skip || !messageId) {
        this.logger.debug?.({ reason: skip ?? "no message id" }, "Ignored a WhatsApp deletion");
        return;
      }
      await this.events?.onMessageChange?.({
        messageId,
        address: encodeWhatsAppAddress(message.from as string),
        kind: "deleted",
        at: this.clock.now(),
      });
    });
  }

  private async handleInboundMessage(message: WhatsAppInboundMessage): Promise<void> {
    const skip = whatsappSkipReason(message);
    if (skip) {
      this.logger.debug?.({ reason: skip }, "Ignored a WhatsApp message");
      return;
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
        this.logger.warn({ messageId, err: errorText(err) }, "Downloading WhatsApp media failed");
      }
    }
    const sender = await this.resolveSender(message);
    const result = normalizeWhatsAppMessage(message, { receivedAt: this.clock.now(), media, mediaError, ...sender });
    if (!result.ok) {
      this.logger.warn({ messageId, type: message.type, reason: result.reason }, "Skipped a WhatsApp message");
      return;
    }
    if (result.warning) this.logger.warn({ messageId, reason: result.warning }, "Read a WhatsApp message partially");
    await this.deliverInbound(result.message);
  }

  /**
   * WhatsApp never redelivers a message, so a failure to store it (store down, write conflicts)
   * is retried before giving up loudly. The engine recognises a message it already has by its id.
   */
  private async deliverInbound(message: InboundCustomerMessage): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.events?.onMessage(message);
        return;
      } catch (err) {
        const delay = WHATSAPP_INBOUND_RETRY_DELAYS_MS[attempt];
        if (delay === undefined) {
          this.report(
            "inbound_failed",
            `A customer message (${message.messageId}) could not be stored after ${attempt + 1} attempts (${errorText(err)}): run \`warmline doctor\` to check the store; the message is still in the WhatsApp chat, unanswered.`,
          );
          throw err;
        }
        this.logger.warn(
          { messageId: message.messageId, attempt: attempt + 1, err: errorText(err) },
          "Storing a WhatsApp message failed; retrying",
        );
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  /** Name from the message's notifyName, else the contact's pushname; phone from the chat id, or the lid lookup. */
  private async resolveSender(message: WhatsAppInboundMessage): Promise<{ customerName?: string; phone?: string }> {
    const chatId = message.from as string;
    let customerName = whatsappNotifyName(message);
    if (!customerName && typeof message.getContact === "function") {
      try {
        const contact = await message.getContact();
        customerName = contact?.pushname?.trim() || contact?.name?.trim() || undefined;
      } catch (err) {
        this.logger.debug?.({ err: errorText(err) }, "Could not read the WhatsApp contact's name");
      }
    }
    let phone = phoneFromWhatsAppChatId(chatId);
    if (!phone && chatId.endsWith("@lid")) {
      try {
        const [entry] = await this.client.getContactLidAndPhone([chatId]);
        phone = entry?.pn ? phoneFromWhatsAppChatId(entry.pn) : undefined;
      } catch (err) {
        this.logger.debug?.({ err: errorText(err) }, "Could not resolve a WhatsApp linked id to a phone number");
      }
    }
    return { ...(customerName ? { customerName } : {}), ...(phone ? { phone } : {}) };
  }

  // Plumbing

  private chainKey(message: WhatsAppInboundMessage): string {
    return typeof message?.from === "string" ? message.from : "unknown";
  }

  /** Runs `task` after earlier tasks with the same key; a failure is logged, never thrown into the emitter. */
  private enqueue(key: string, task: () => Promise<void>): void {
    const previous = this.chains.get(key) ?? Promise.resolve();
    const next = previous.then(task).catch((err: unknown) => {
      this.logger.error({ err: errorText(err) }, "Handling a WhatsApp event failed");
    });
    this.chains.set(key, next);
    this.inFlight.add(next);
    void next.finally(() => {
      this.inFlight.delete(next);
      if (this.chains.get(key) === next) this.chains.delete(key);
    });
  }

  private reportProblem(code: string, message: string): void {
    this.lastProblem = code;
    this.problemReported = true;
    this.report(code, message);
  }

  private report(code: string, message: string, qr?: string): void {
    this.logger.warn({ code }, message);
    const onConnectionProblem = this.events?.onConnectionProblem;
    if (!onConnectionProblem) return;
    const problem = qr === undefined ? { code, message } : { code, message, qr, qrText: renderWhatsAppQr(qr) };
    this.enqueue("connection", () => onConnectionProblem(problem));
  }

  private scheduleReconnect(reason: string): void {
    if (this.stopped || this.reconnectTimer) return;
    this.reconnectAttempts += 1;
    const { baseMs, maxMs } = this.reconnectOptions;
    const delayMs = Math.min(maxMs, baseMs * 2 ** (this.reconnectAttempts - 1));
    this.logger.info({ reason, attempt: this.reconnectAttempts, delayMs }, "Reconnecting to WhatsApp");
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.reconnect(reason);
    }, delayMs);
  }

  private async reconnect(reason: string): Promise<void> {
    if (this.stopped) return;
    try {
      // wweb destroys the browser itself after most disconnects; destroying again is harmless.
      await this.client.destroy();
    } catch (err) {
      this.logger.debug?.({ err: errorText(err) }, "Closing the old WhatsApp browser failed");
    }
    if (this.stopped) return;
    try {
      await this.client.initialize();
    } catch (err) {
      this.logger.warn({ reason, attempt: this.reconnectAttempts, err: errorText(err) }, "Reconnecting to WhatsApp failed");
      this.scheduleReconnect(reason);
    }
  }

  private clearReconnect(): void {
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
  }
}

/** Factory in the house style; main.ts passes `new wweb.Client(whatsappClientOptions(...))`. */
export function createWhatsAppChannel(options: WhatsAppChannelOptions): WhatsAppChannelAdapter {
  return new WhatsAppChannelAdapter(options);
}
