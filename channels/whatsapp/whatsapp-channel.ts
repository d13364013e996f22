import { WarmlineError } from "../../src/domain/errors.js";
import type { Clock } from "../../src/ports/clock.js";
import { systemClock } from "../../src/ports/clock.js";
import type {
  CustomerChannel,
  CustomerChannelEvents,
  CustomerMessageChange,
  DeliveryAttempt,
  SentCustomerMessage,
  OutboundCustomerMessage,
} from "../../src/ports/customer-channel.js";
import type { WHATSAPP_CLIENT_EVENTS, WhatsAppClientPort, WhatsAppDisconnectReason, WhatsAppInboundMessage } from "./client-port.js";
import { WHATSAPP_CHANNEL_NAME } from "./normalize-inbound.js";
import { decodeWhatsAppAddress, encodeWhatsAppAddress } from "./whatsapp-address.js";
import {
  NO_RECONNECT_REASONS,
  PROBLEM_STATES,
  WHATSAPP_RECONNECT_DEFAULTS,
  createWhatsAppReconnector,
  defaultPrintQr,
  describeWhatsAppProblem,
  renderWhatsAppQr,
  type WhatsAppPairingOptions,
  type WhatsAppReconnectOptions,
  type WhatsAppReconnector,
} from "./whatsapp-connection.js";
import {
  deliverWhatsAppInbound,
  readWhatsAppInbound,
  whatsappDeletion,
  whatsappDeliveryUpdate,
  whatsappEdit,
  type WhatsAppInboundDeps,
} from "./whatsapp-inbound.js";
import { errorText, silentWhatsAppLogger, type WhatsAppLogger } from "./whatsapp-logger.js";
import { defaultCreateMedia, sendWhatsAppMessage, type WhatsAppMediaFactory, type WhatsAppSenderDeps } from "./whatsapp-outbound.js";
import { WHATSAPP_SESSION_DIR } from "./whatsapp-session.js";

export {
  WHATSAPP_RECONNECT_DEFAULTS,
  describeWhatsAppProblem,
  renderWhatsAppQr,
  type WhatsAppPairingOptions,
  type WhatsAppReconnectOptions,
} from "./whatsapp-connection.js";
export { WHATSAPP_INBOUND_RETRY_DELAYS_MS, whatsappAckToDeliveryState } from "./whatsapp-inbound.js";
export type { WhatsAppLogger } from "./whatsapp-logger.js";
export type { WhatsAppMediaFactory } from "./whatsapp-outbound.js";

// biome-ignore lint/suspicious/noExplicitAny: EventEmitter listeners take any arguments
type WhatsAppListener = (...args: any[]) => void;

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

/**
 * CustomerChannel on whatsapp-web.js: a linked WhatsApp Web session driven through a headless browser.
 * This class owns the session (pairing, readiness, problems, reconnects) and the order of events;
 * reading inbound messages is in whatsapp-inbound.ts, sending in whatsapp-outbound.ts.
 */
export class WhatsAppChannelAdapter implements CustomerChannel {
  readonly name = WHATSAPP_CHANNEL_NAME;

  private readonly client: WhatsAppClientPort;
  private readonly logger: WhatsAppLogger;
  private readonly pairing: WhatsAppPairingOptions;
  private readonly clock: Clock;
  private readonly printQr: (qr: string) => void;
  private readonly inbound: WhatsAppInboundDeps;
  private readonly sender: WhatsAppSenderDeps;
  private readonly reconnector: WhatsAppReconnector;

  private events: CustomerChannelEvents | undefined;
  private ready = false;
  private stopped = false;
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
    this.logger = options.logger ?? silentWhatsAppLogger;
    this.pairing = options.pairing ?? { mode: "qr" };
    this.clock = options.clock ?? systemClock;
    this.printQr = options.printQr ?? defaultPrintQr;
    this.inbound = { client: this.client, clock: this.clock, logger: this.logger };
    this.sender = { client: this.client, createMedia: options.createMedia ?? defaultCreateMedia, logger: this.logger };
    this.reconnector = createWhatsAppReconnector({
      client: this.client,
      logger: this.logger,
      options: options.reconnect ?? WHATSAPP_RECONNECT_DEFAULTS,
      isStopped: () => this.stopped,
    });
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

  async send(message: OutboundCustomerMessage, delivery?: DeliveryAttempt): Promise<SentCustomerMessage> {
    const chatId = decodeWhatsAppAddress(message.address);
    if (!this.ready) {
      throw new WarmlineError(
        "channel_unavailable",
        "WhatsApp is not connected right now, so the message was not sent: it can be retried once the session is ready. If this lasts, look in the ops channel for a QR code or a logout notice.",
        undefined,
        { retry: "unavailable" },
      );
    }
    return sendWhatsAppMessage(this.sender, chatId, message, delivery);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.ready = false;
    this.reconnector.cancel();
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
    this.pairingCodeRequested = false;
    this.reconnector.reset();
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
    this.reconnector.schedule(why);
  }

  private onInboundMessage(message: WhatsAppInboundMessage): void {
    this.enqueue(this.chainKey(message), async () => {
      const inbound = await readWhatsAppInbound(this.inbound, message);
      if (!inbound) return;
      await deliverWhatsAppInbound(
        inbound,
        async (m) => {
          await this.events?.onMessage(m);
        },
        this.logger,
        (notice) => this.report("inbound_failed", notice),
      );
    });
  }

  private onMessageAck(message: WhatsAppInboundMessage, ack: number): void {
    const update = whatsappDeliveryUpdate(message, ack);
    const onDelivery = this.events?.onDelivery;
    if (!update || !onDelivery) return;
    this.enqueue(`ack:${update.channelMessageId}`, () => onDelivery(update));
  }

  private onMessageEdit(message: WhatsAppInboundMessage, newBody: string, _prevBody: string): void {
    this.enqueue(this.chainKey(message), () => this.reportChange(whatsappEdit(this.inbound, message, newBody)));
  }

  private onMessageRevoke(message: WhatsAppInboundMessage, revoked?: WhatsAppInboundMessage | null): void {
    this.enqueue(this.chainKey(message), () => this.reportChange(whatsappDeletion(this.inbound, message, revoked)));
  }

  private async reportChange(change: CustomerMessageChange | undefined): Promise<void> {
    if (change) await this.events?.onMessageChange?.(change);
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
}

/** Factory in the house style; main.ts passes `new wweb.Client(whatsappClientOptions(...))`. */
export function createWhatsAppChannel(options: WhatsAppChannelOptions): WhatsAppChannelAdapter {
  return new WhatsAppChannelAdapter(options);
}
