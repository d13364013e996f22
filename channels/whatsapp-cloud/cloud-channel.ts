import { WarmlineError } from "../../src/domain/errors.js";
import type { Clock } from "../../src/ports/clock.js";
import { systemClock } from "../../src/ports/clock.js";
import type { ConversationStore } from "../../src/ports/conversation-store.js";
import type { CustomerChannel, CustomerChannelEvents, DeliveryAttempt, OutboundCustomerMessage } from "../../src/ports/customer-channel.js";
import type { Logger } from "../../src/ports/logger.js";
import { WHATSAPP_CHANNEL_NAME } from "../whatsapp/normalize-inbound.js";
import { encodeWhatsAppAddress } from "../whatsapp/whatsapp-address.js";
import { cloudAddressOf, decodeCloudAddress, recipientKey } from "./cloud-address.js";
import { CloudApiError, deliveryErrorOf, windowClosedError } from "./cloud-errors.js";
import type { GraphClient } from "./cloud-graph.js";
import { readCloudMessage } from "./cloud-inbound.js";
import { cloudPayloads, sendCloudPayloads } from "./cloud-outbound.js";
import { cloudDeliveryUpdate } from "./cloud-statuses.js";
import { type CloudWebhookRoute, cloudWebhookRoute } from "./cloud-webhook.js";
import type { CloudChangeValue, CloudWebhook } from "./cloud-webhook-schema.js";
import { isReplyWindowOpen } from "./cloud-window.js";

/** Meta redelivers an unacknowledged post for up to 7 days: a message id is remembered that long. */
export const CLOUD_MESSAGE_DEDUPE_TTL_MS = 7 * 24 * 60 * 60 * 1000;
/** How many customers' unanswered message ids are kept for read receipts; the oldest go first. */
export const CLOUD_UNREAD_MEMORY_LIMIT = 10_000;
/** While Meta rejects the token, it is tried again this often; messages wait in the outbox meanwhile. */
export const CLOUD_TOKEN_RECHECK_MS = 60_000;

export interface WhatsAppCloudChannelOptions {
  graph: GraphClient;
  /** This channel's number: posts about another number of the same Meta app are left to whoever serves it. */
  phoneNumberId?: string;
  appSecret: string;
  verifyToken: string;
  /** Where message ids are remembered, so a redelivered webhook takes effect once across restarts and instances. */
  seen?: Pick<ConversationStore, "isSeen" | "markSeen">;
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
  private readonly seen: WhatsAppCloudChannelOptions["seen"];
  private readonly phoneNumberId: string | undefined;
  readonly webhook: CloudWebhookRoute;

  private events: CustomerChannelEvents | undefined;
  private tokenRejected = false;
  private recheck: ReturnType<typeof setInterval> | undefined;
  /** The latest unanswered message of each customer, marked as read when an agent or the bot answers. */
  private readonly unread = new Map<string, string>();
  /** One chain per customer, so a slow media download cannot reorder their messages. */
  private readonly chains = new Map<string, Promise<void>>();
  private readonly inFlight = new Set<Promise<void>>();

  constructor(options: WhatsAppCloudChannelOptions) {
    this.graph = options.graph;
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger;
    this.seen = options.seen;
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
  }

  async send(message: OutboundCustomerMessage, delivery?: DeliveryAttempt): Promise<{ channelMessageId: string }> {
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
    // Meta has no way to look a sent message up: a retry after an ambiguous failure may send it twice.
    if (delivery?.inDoubt) this.logger?.info({ key: delivery.key }, "Retrying a WhatsApp Cloud API send that may have gone through");
    await this.markRead(recipientKey(recipient));
    try {
      const payloads = await cloudPayloads(this.graph, message);
      return { channelMessageId: await sendCloudPayloads(this.graph, recipient, payloads) };
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
    for (const status of value.statuses ?? []) {
      const update = cloudDeliveryUpdate(status);
      const onDelivery = this.events?.onDelivery;
      if (update && onDelivery) work.push(this.enqueue(`status:${update.channelMessageId}`, () => onDelivery(update)));
    }
    return work;
  }

  private async receive(message: NonNullable<CloudChangeValue["messages"]>[number], value: CloudChangeValue): Promise<void> {
    const key = `whatsapp-cloud:message:${message.id}`;
    if (await this.seen?.isSeen(key)) {
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
    await this.seen?.markSeen(key, CLOUD_MESSAGE_DEDUPE_TTL_MS);
    const recipient = decodeCloudAddress(read.message.address);
    const customer = recipientKey(recipient);
    this.unread.delete(customer);
    this.unread.set(customer, message.id);
    if (this.unread.size > CLOUD_UNREAD_MEMORY_LIMIT) this.unread.delete(this.unread.keys().next().value!);
  }

  // Plumbing

  private async markRead(customer: string): Promise<void> {
    const messageId = this.unread.get(customer);
    if (messageId === undefined) return;
    this.unread.delete(customer);
    await this.graph.sendMessage({ status: "read", message_id: messageId }).catch((error: unknown) => {
      this.logger?.warn({ err: (error as Error).message }, "Could not mark a WhatsApp message as read");
    });
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
