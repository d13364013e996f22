import type { Attachment, ConfirmedSend } from "../domain/conversation.js";

/** A message from a customer, normalized by the channel adapter. */
export interface InboundCustomerMessage {
  /** The channel's own message id; used to de-duplicate redeliveries. */
  messageId: string;
  /** Opaque customer address, e.g. "whatsapp:15551234567@c.us". */
  address: string;
  /** Channel name, e.g. "whatsapp". */
  channel: string;
  customerName?: string;
  phone?: string;
  text: string;
  attachments?: Attachment[];
  receivedAt: number;
  /** When the customer sent it, by the platform's clock (epoch ms), when the channel says: catch-up after downtime starts from the newest. */
  sentAt?: number;
}

/** An edit or deletion the customer made to an earlier message. */
export interface CustomerMessageChange {
  messageId: string;
  address: string;
  kind: "edited" | "deleted";
  newText?: string;
  at: number;
}

/** Delivery states shown to agents (as Slack reactions). */
export type DeliveryState = "sent" | "delivered" | "read" | "failed";

/** How far along each state is: platforms don't promise order (a "read" may come before "delivered"), so the furthest stands. */
export const DELIVERY_STATE_RANK: Record<DeliveryState, number> = { sent: 1, delivered: 2, read: 3, failed: 4 };

export interface DeliveryUpdate {
  /** The id returned by `send`. */
  channelMessageId: string;
  /** The customer the message went to, so the update finds its conversation after a restart. */
  address?: string;
  state: DeliveryState;
  error?: string;
}

/** An approved message template (WhatsApp Business): what may go out once the reply window has closed. */
export interface OutboundTemplate {
  name: string;
  /** The template's language code as approved, e.g. "en_US". */
  language: string;
  /** Body parameters, in order ({{1}}, {{2}}…). */
  parameters: string[];
}

export interface OutboundCustomerMessage {
  address: string;
  /** The text; for a template, its body with the parameters filled in (what the transcript keeps). */
  text: string;
  attachments?: Attachment[];
  /** Send this approved template instead of free text; a channel without templates sends `text`. */
  template?: OutboundTemplate;
  /** Control words the text offers ("BOT", "CALLBACK"): a channel with reply buttons may show them as buttons. */
  replyChoices?: string[];
  /**
   * When the customer last wrote. A channel whose platform allows free text only for a while after
   * that (WhatsApp Cloud API: 24 hours) throws window_closed instead of sending; a template still goes.
   */
  customerLastWroteAt?: number;
}

/**
 * Passed by the outbox with every delivery, so an adapter can make a retry safe: after a crash
 * or an ambiguous failure, an earlier attempt may have reached the platform.
 */
export interface DeliveryAttempt {
  /** The outbox item's stable id (Slack carries it in message metadata). */
  key: string;
  /** An earlier attempt may have got through: look for a copy sent at or after `since` (the first attempt) before sending. */
  inDoubt: boolean;
  since: number;
  /**
   * Customer sends: the lane's last confirmed send. Any copy of this item came after it, so a
   * channel that matches by content looks only after it, and by position (an identical earlier text is not a copy).
   */
  after?: ConfirmedSend;
}

/** What `send` reports: the id to correlate delivery updates with, and (for several messages) the last one's. */
export interface SentCustomerMessage {
  channelMessageId: string;
  /** Default: channelMessageId. */
  lastMessageId?: string;
  /** The channel's time of the last message (epoch ms), when it tells. */
  sentAt?: number;
}

export interface CustomerChannelEvents {
  /** Resolves once the message is durably stored (a copy already stored is a no-op): acknowledge it to the platform only then. */
  onMessage(message: InboundCustomerMessage): Promise<void>;
  onMessageChange?(change: CustomerMessageChange): Promise<void>;
  onDelivery?(update: DeliveryUpdate): Promise<void>;
  /** When the newest message stored from `channel` was sent (`sentAt`): a channel that can catch up after downtime starts there. */
  lastInboundAt?(channel: string): Promise<number | undefined>;
  /** Connection-level problems (logged out, conflict, banned) the operators must see. */
  onConnectionProblem?(problem: {
    code: string;
    message: string;
    qr?: string /** The QR drawn in text, scannable from a monospace block. */;
    qrText?: string;
  }): Promise<void>;
}

/** Port: where customers talk to us (WhatsApp today; Cloud API or web chat tomorrow). */
export interface CustomerChannel {
  readonly name: string;
  /** Whether `send` can deliver right now; the outbox waits while it is false. */
  isReady(): boolean;
  start(events: CustomerChannelEvents): Promise<void>;
  /**
   * Sends and returns the channel's message id, used to correlate delivery updates. With an
   * in-doubt `delivery`, returns the earlier copy's id instead of sending again when it finds one.
   */
  send(message: OutboundCustomerMessage, delivery?: DeliveryAttempt): Promise<SentCustomerMessage>;
  stop(): Promise<void>;
  /** The customer address a phone number (digits only) has on this channel, when the channel can tell. */
  addressForPhone?(phoneDigits: string): string;
}
