import type { AgentRef, Attachment } from "../domain/conversation.js";
import type { CustomerMessageChange, InboundCustomerMessage } from "./customer-channel.js";
import type { LaneLease, LaneTake } from "./outbox.js";

/** An agent's message in a workspace thread, as the workspace adapter read it. */
export interface AgentReply {
  thread: string;
  agent: AgentRef;
  text: string;
  /** The agent's own message in the workspace: its idempotency key, and where delivery reactions go. */
  messageRef: string;
  attachments?: Attachment[];
  /** The agent chose "Send to customer" (with notesByDefault, the way to relay a reply without ">>"). */
  send?: boolean;
}

/** What arrived: a customer's message, a customer's edit or deletion, or an agent's reply. */
export type InboxMessage =
  | { kind: "customer_message"; message: InboundCustomerMessage }
  | { kind: "customer_change"; change: CustomerMessageChange }
  | { kind: "agent_reply"; reply: AgentReply };

/** pending: waiting its turn (or a retry); failed: parked after its retries, kept for replay. */
export type InboxStatus = "pending" | "failed";

/**
 * One received message, stored before anything else happens to it and processed from the store,
 * so a crash between receiving and processing loses nothing.
 */
export interface InboxEntry {
  /** The sender's own id for the message ("<channel>:<message id>", the agent's message ref): a redelivery has the same. */
  id: string;
  /** Entries of one lane (a customer address, a workspace thread) are processed strictly in `seq` order. */
  lane: string;
  /** Assigned by the store, increasing. */
  seq: number;
  message: InboxMessage;
  /** When it was stored (the store's clock). */
  receivedAt: number;
  status: InboxStatus;
  /** Failed processing attempts so far. */
  attempts: number;
  /** Epoch ms before which it is not processed (a retry's backoff). */
  notBefore: number;
  lastError?: string;
}

export interface NewInboxEntry {
  id: string;
  lane: string;
  message: InboxMessage;
  /**
   * Catch-up bookkeeping: the channel and the platform's send time of a customer message. The store
   * keeps, per channel, the newest send time it ever received (see `inboxWatermark`).
   */
  watermark?: { channel: string; sentAt: number };
}

/**
 * Port: the durable inbox. Every store backend implements it beside its conversations. Receiving
 * is one atomic write keyed by the message's own id: a second copy (a redelivery, a catch-up that
 * overlaps, Slack's retry) changes nothing, even once the first has been processed, for as long as
 * the store remembers processed ids (`rememberMs`).
 */
export interface InboxStore {
  /** Appends the entry to its lane unless its id was received before; true when it was new. */
  receiveInbox(entry: NewInboxEntry, rememberMs: number): Promise<boolean>;
  /**
   * receiveInbox, then takeInboxLane(entry.lane, lease, ttlMs), in one atomic step: the instance that
   * receives a message and would start the lane's worker next takes the lane with the same write.
   */
  receiveInboxTakingLane(entry: NewInboxEntry, rememberMs: number, lease: LaneLease, ttlMs: number): Promise<InboxReceipt>;
  /** The oldest pending entry of every lane (or of one lane). Failed entries are parked and skipped. */
  inboxHeads(lane?: string): Promise<InboxEntry[]>;
  /**
   * A lane's worker starts with this: takes `lease` (as acquireLease) and reads inboxHeads(lane) in one
   * atomic step, letting go of the lease in that step when the lane has no head.
   */
  takeInboxLane(lane: string, lease: LaneLease, ttlMs: number): Promise<LaneTake<InboxEntry>>;
  /** Saves an entry's processing state (attempts, backoff, parked); false when it is gone (processed). */
  saveInboxEntry(entry: InboxEntry): Promise<boolean>;
  /**
   * The entry was processed: it leaves its lane, and its id is remembered until its `rememberMs` runs out.
   * In the same atomic step, reads the lane's next head and, when there is none, lets go of `lease`
   * (if it is still the holder's). Returns the next head.
   */
  completeInboxEntry(entry: Pick<InboxEntry, "id" | "lane">, lease: LaneLease): Promise<InboxEntry | undefined>;
  /** Every unprocessed entry (pending and failed), oldest first. */
  listInbox(): Promise<InboxEntry[]>;
  /**
   * Erasure: every unprocessed entry of these lanes (pending and parked) is dropped as if processed, its
   * text gone and its id still remembered, so a late redelivery cannot bring it back. Returns how many.
   */
  forgetInboxLanes(lanes: readonly string[]): Promise<number>;
  /** The newest `sentAt` received on this channel (see NewInboxEntry.watermark); undefined before the first. */
  inboxWatermark(channel: string): Promise<number | undefined>;
  /** How many entries wait their turn (pending) and how many are parked for replay: the backlog operators watch. */
  countInbox(): Promise<InboxCounts>;
}

/**
 * An entry completed by the commit that records what its processing did (a customer's message relayed, an agent's
 * reply recorded), in the same write, instead of by a completeInboxEntry of its own. The commit sets `done` once it
 * has: the entry's lane's next head, read as completeInboxEntry reads it (letting go of `lease` when there is none).
 * A store may decline, leaving `done` unset, and the entry's worker completes it as before: a commit that loses its
 * compare-and-set does.
 */
export interface InboxCompletion {
  entry: Pick<InboxEntry, "id" | "lane">;
  lease: LaneLease;
  done?: { next: InboxEntry | undefined };
}

/** What receiveInboxTakingLane did: whether the entry was new, and what taking its lane found. */
export interface InboxReceipt {
  received: boolean;
  take: LaneTake<InboxEntry>;
}

export interface InboxCounts {
  pending: number;
  parked: number;
}
