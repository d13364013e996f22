import { customerEntries } from "../../src/domain/conversation.js";
import { WarmlineError } from "../../src/domain/errors.js";
import type { Clock } from "../../src/ports/clock.js";
import { systemClock } from "../../src/ports/clock.js";
import type { ConversationStore } from "../../src/ports/conversation-store.js";
import type {
  CustomerChannel,
  CustomerChannelEvents,
  DeliveryAttempt,
  OutboundCustomerMessage,
  SentCustomerMessage,
} from "../../src/ports/customer-channel.js";
import type { Logger } from "../../src/ports/logger.js";
import { WHATSAPP_CHANNEL_NAME } from "../whatsapp/normalize-inbound.js";
import { encodeWhatsAppAddress } from "../whatsapp/whatsapp-address.js";
import { cloudAddressOf, decodeCloudAddress } from "./cloud-address.js";
import { CloudApiError, deliveryErrorOf, windowClosedError } from "./cloud-errors.js";
import type { GraphClient } from "./cloud-graph.js";
import { readCloudMessage } from "./cloud-inbound.js";
import { cloudPayloads } from "./cloud-outbound.js";
import { CloudSendLedger, cloudSendTag, isCloudSendTag } from "./cloud-send-ledger.js";
import { cloudDeliveryUpdate } from "./cloud-statuses.js";
import { type CloudWebhookRoute, cloudWebhookRoute } from "./cloud-webhook.js";
import type { CloudChangeValue, CloudWebhook } from "./cloud-webhook-schema.js";
import { isReplyWindowOpen } from "./cloud-window.js";

/** Meta redelivers an unacknowledged post for up to 7 days: a message id is remembered that long. */
export const CLOUD_MESSAGE_DEDUPE_TTL_MS = 7 * 24 * 60 * 60 * 1000;
/** Meta takes read receipts for messages up to 30 days old: a receipt sent is remembered that long. */
export const CLOUD_READ_RECORD_TTL_MS = 30 * 24 * 60 * 60 * 1000;
/**
 * Default for whatsapp.inDoubtGraceMs: how long a send that may have reached Meta (a crash or a
 * lost answer) waits for its status webhook before it is sent again. Meta posts `sent` within
 * seconds, and after our downtime retries its webhooks with growing delays: a minute covers a restart.
 */
export const CLOUD_IN_DOUBT_GRACE_MS = 60_000;
/** While Meta rejects the token, it is tried again this often; messages wait in the outbox meanwhile. */
export const CLOUD_TOKEN_RECHECK_MS = 60_000;

export interface WhatsAppCloudChannelOptions {
  graph: GraphClient;
  /** This channel's number: posts about another number of the same Meta app are left to whoever serves it. */
  phoneNumberId?: string;
  appSecret: string;
  verifyToken: string;
  /**
   * Where message ids, send statuses and read receipts are remembered, so they hold across restarts
   * and instances; the customer's last message is read from their conversation. Without it, an
   * in-doubt send goes again and nothing is marked as read.
   */
  store?: Pick<ConversationStore, "isSeen" | "markSeen" | "findActiveByCustomer">;
  /** See CLOUD_IN_DOUBT_GRACE_MS. */
  inDoubtGraceMs?: number;
  clock?: Clock;
  logger?: Logger;
}

/**
 * CustomerChannel on Meta's WhatsApp Business Cloud API: messages and statuses arrive as signed
 * webhook posts (cloud-webhook.ts), replies go out over the Graph API (cloud-outbound.ts). No session
 * and no browser, so every instance can receive and send.
 */
export class WhatsAppCloudChannelAdapter implements CustomerChannel {
  readonly name = WHATSAPP_CHANNEL_NAME;

  private readonly graph: GraphClient;
  private readonly clock: Clock;
  private readonly logger: Logger | undefined;
  private readonly store: WhatsAppCloudChannelOptions["store"];
  private readonly ledger: CloudSendLedger | undefined;
  private readonly phoneNumberId: string | undefined;
  readonly webhook: CloudWebhookRoute;

  private events: CustomerChannelEvents | undefined;
  private tokenRejected = false;
  private recheck: ReturnType<typeof setInterval> | undefined;
  /** One chain per customer, so a slow media download cannot reorder their messages. */
  private readonly chains = new Map<string, Promise<void>>();
  private readonly inFlight = new Set<Promise<void>>();

  constructor(options: WhatsAppCloudChannelOptions) {
    this.graph = options.graph;
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger;
    this.store = options.store;
    this.ledger = options.store
      ? new CloudSendLedger({ store: options.store, clock: this.clock, graceMs: options.inDoubtGraceMs ?? CLOUD_IN_DOUBT_GRACE_MS })
      : undefined;
    this.phoneNumberId = options.phoneNumberId;
    this.webhook = cloudWebhookRoute({
      appSecret: options.appSecret,
      verifyToken: options.verifyToken,
      handle: (payload) => this.handleWebhook(payload),
      logger: {
        warn: (context, message) => this.logger?.warn(context, message),
        error: (context, message) => this.logger?.error(context, message),
      },
    });
  }

  isReady(): boolean {
    return this.events !== undefined && !this.tokenRejected;
  }

  addressForPhone(phoneDigits: string): string {
    return encodeWhatsAppAddress(`${phoneDigits}@c.us`);
  }

  /** Checks the token against the phone number id first: a wrong one stops the start with where to get a right one. */
  async start(events: CustomerChannelEvents): Promise<void> {
    if (this.events) return;
    try {
      await this.graph.probe();
    } catch (error) {
      if (error instanceof CloudApiError && (error.isAuthFailure || error.httpStatus === 404 || error.httpStatus === 400)) {
        throw new WarmlineError(
          "channel_unavailable",
          `The WhatsApp Cloud API refused the access token or phone number id (${error.message}): check WHATSAPP_ACCESS_TOKEN (Meta Business Settings → System users) and WHATSAPP_PHONE_NUMBER_ID (your Meta app's WhatsApp → API Setup).`,
          error,
        );
      }
      // Meta unreachable right now: start anyway; sends retry from the outbox.
      this.logger?.warn({ err: (error as Error).message }, "Could not reach the WhatsApp Cloud API at start; sending will retry");
    }
    this.events = events;
    this.ledger?.listening();
  }

  /**
   * With a delivery (from the outbox), each message is tagged with the outbox item's id, and the
   * first tag is the id delivery updates come back under. An in-doubt retry sends only the parts
   * Meta reported no status for (cloud-send-ledger.ts).
   */
  async send(message: OutboundCustomerMessage, delivery?: DeliveryAttempt): Promise<SentCustomerMessage> {
    const recipient = decodeCloudAddress(message.address);
    if (!this.isReady()) {
      throw new WarmlineError(
        "channel_unavailable",
        "The WhatsApp Cloud API is not usable right now (the channel is stopped, or Meta rejected the access token), so the message waits: see the ops channel.",
        undefined,
        { retry: "unavailable" },
      );
    }
    const what = message.template ? `the template "${message.template.name}"` : "the message";
    if (!message.template && !isReplyWindowOpen(message.customerLastWroteAt, this.clock.now())) throw windowClosedError(what);
    await this.markRead(message.address);
    try {
      const payloads = await cloudPayloads(this.graph, message);
      const tags = delivery ? payloads.map((_, part) => cloudSendTag(delivery.key, part)) : [];
      const first = delivery?.inDoubt && this.ledger ? await this.ledger.firstUnsent(tags) : 0;
      if (first > 0) this.logger?.info({ key: delivery?.key, parts: first }, "Meta reported an in-doubt send: not sent again");
      let firstId: string | undefined;
      for (const [part, payload] of payloads.entries()) {
        if (part < first) continue;
        const id = await this.sendTagged({ recipient_type: "individual", ...recipient, ...payload }, tags[part]);
        firstId ??= id;
      }
      return { channelMessageId: tags[0] ?? (firstId as string) };
    } catch (error) {
      if (error instanceof WarmlineError) throw error;
      if (error instanceof CloudApiError && error.isAuthFailure) this.onTokenRejected(error);
      throw deliveryErrorOf(error, what);
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.recheck);
    this.recheck = undefined;
    await this.whenIdle();
    this.events = undefined;
  }

  /** Resolves once every webhook post received so far has been handled. */
  async whenIdle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** Asks Meta whether the token works again; ready again (and says so) when it does. */
  async checkConnection(): Promise<boolean> {
    try {
      await this.graph.probe();
    } catch (error) {
      if (error instanceof CloudApiError && error.isAuthFailure) this.onTokenRejected(error);
      return false;
    }
    if (this.tokenRejected) {
      this.tokenRejected = false;
      clearInterval(this.recheck);
      this.recheck = undefined;
      await this.report("connected", "The WhatsApp Cloud API accepts the access token again; waiting messages are being sent.");
    }
    return true;
  }

  // Webhook

  private async handleWebhook(payload: CloudWebhook): Promise<void> {
    // Not started yet (or stopped): a 500 makes Meta deliver the post again once Warmline listens.
    if (!this.events) throw new Error("the WhatsApp Cloud API channel is not started");
    if (payload.object !== "whatsapp_business_account") return;
    const work: Promise<void>[] = [];
    for (const entry of payload.entry)
      for (const change of entry.changes) if (change.field === "messages") work.push(...this.handleChange(change.value));
    // Every message is stored before Meta hears 200; one failure answers 500 and Meta sends the post again.
    const results = await Promise.allSettled(work);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) throw failed.reason;
  }

  private handleChange(value: CloudChangeValue): Promise<void>[] {
    const work: Promise<void>[] = [];
    const number = value.metadata?.phone_number_id;
    if (this.phoneNumberId !== undefined && number !== undefined && number !== this.phoneNumberId) return work;
    for (const message of value.messages ?? []) {
      const address = cloudAddressOf({ phone: message.from, userId: message.from_user_id }) ?? "unknown";
      work.push(this.enqueue(address, () => this.receive(message, value)));
    }
    for (const status of value.statuses ?? []) work.push(this.enqueue(`status:${status.id}`, () => this.receiveStatus(status)));
    return work;
  }

  /** Any status means the message reached Meta: recorded for in-doubt retries, then shown in Slack. */
  private async receiveStatus(status: NonNullable<CloudChangeValue["statuses"]>[number]): Promise<void> {
    const tag = status.biz_opaque_callback_data;
    if (isCloudSendTag(tag)) await this.ledger?.statusReported(tag);
    const update = cloudDeliveryUpdate(status);
    if (update) await this.events?.onDelivery?.(update);
  }

  private async receive(message: NonNullable<CloudChangeValue["messages"]>[number], value: CloudChangeValue): Promise<void> {
    const key = `whatsapp-cloud:message:${message.id}`;
    if (await this.store?.isSeen(key)) {
      this.logger?.debug({ messageId: message.id }, "Redelivered WhatsApp message ignored");
      return;
    }
    const read = await readCloudMessage(message, value, { graph: this.graph, now: () => this.clock.now() });
    if (!read.ok) {
      this.logger?.info({ messageId: message.id, reason: read.reason }, "WhatsApp webhook message skipped");
      return;
    }
    await this.events?.onMessage(read.message);
    // Recorded after it is stored: a crash in between means Meta redelivers and the store de-duplicates.
    await this.store?.markSeen(key, CLOUD_MESSAGE_DEDUPE_TTL_MS);
  }

  // Plumbing

  /** One POST /messages, tagged (when it has a tag) so its statuses say it went even if we die waiting. */
  private async sendTagged(payload: Record<string, unknown>, tag: string | undefined): Promise<string> {
    if (tag !== undefined) await this.ledger?.attempting(tag);
    try {
      const id = await this.graph.sendMessage({ ...payload, ...(tag !== undefined ? { biz_opaque_callback_data: tag } : {}) });
      if (!id) throw new Error("Meta answered without a message id");
      return id;
    } catch (error) {
      // Meta's own refusal sent nothing; a 5xx, a timeout or a dropped connection may have.
      if (tag !== undefined && error instanceof CloudApiError && error.httpStatus < 500) this.ledger?.refusedByMeta(tag);
      throw error;
    }
  }

  /**
   * Marks the customer's latest message (in their stored conversation) as read, once: on any
   * instance, and after a restart. Recorded after Meta took it, as a second receipt is harmless.
   */
  private async markRead(address: string): Promise<void> {
    const store = this.store;
    if (!store) return;
    try {
      const conversation = await store.findActiveByCustomer(address);
      const latest = conversation ? customerEntries(conversation).at(-1) : undefined;
      if (!latest) return;
      const key = `whatsapp-cloud:read:${latest.id}`;
      if (await store.isSeen(key)) return;
      await this.graph.sendMessage({ status: "read", message_id: latest.id });
      await store.markSeen(key, CLOUD_READ_RECORD_TTL_MS);
    } catch (error) {
      this.logger?.warn({ err: (error as Error).message }, "Could not mark a WhatsApp message as read");
    }
  }

  private onTokenRejected(error: CloudApiError): void {
    if (this.tokenRejected) return;
    this.tokenRejected = true;
    void this.report(
      "whatsapp_token_rejected",
      `The WhatsApp Cloud API rejected the access token (${error.message}): messages to customers wait in the outbox. Put a new permanent token (Meta Business Settings → Users → System users → Generate new token) in WHATSAPP_ACCESS_TOKEN and restart Warmline.`,
    );
    this.recheck = setInterval(() => void this.checkConnection(), CLOUD_TOKEN_RECHECK_MS);
    this.recheck.unref?.();
  }

  private async report(code: string, message: string): Promise<void> {
    this.logger?.warn({ code }, message);
    await this.events?.onConnectionProblem?.({ code, message }).catch(() => undefined);
  }

  /** Runs `task` after earlier tasks with the same key; the returned promise settles with the task. */
  private enqueue(key: string, task: () => Promise<void>): Promise<void> {
    const previous = this.chains.get(key) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(task);
    this.chains.set(key, next);
    this.inFlight.add(next);
    void next
      .catch(() => undefined)
      .finally(() => {
        this.inFlight.delete(next);
        if (this.chains.get(key) === next) this.chains.delete(key);
      });
    return next;
  }
}

export function createWhatsAppCloudChannel(options: WhatsAppCloudChannelOptions): WhatsAppCloudChannelAdapter {
  return new WhatsAppCloudChannelAdapter(options);
}
