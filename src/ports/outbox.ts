import type { AuditEvent } from "../domain/audit.js";
import type { ContextPackage } from "../domain/context-package.js";
import type { Attachment, Conversation } from "../domain/conversation.js";
import type { CardStatus, ReplyNotice, ThreadPost } from "./agent-workspace.js";
import type { ConversationStore } from "./conversation-store.js";
import type { DeliveryState, OutboundTemplate } from "./customer-channel.js";
import type { InboxCompletion, InboxStore } from "./inbox.js";

/** The lane of items that belong to no conversation (operator notices). */
export const OUTBOX_OPS_LANE = "ops";

/**
 * The one lane of every delivery reaction. Slack limits reactions.add per workspace (a Tier 3
 * method: about 50 a minute), so a busy team meets its 429s. In its conversation's lane a reaction
 * waiting out Retry-After held back that conversation's next reply to the customer; here the
 * reactions wait together, and nothing the customer reads waits behind them. One worker at a time
 * also paces them, where every conversation's lane used to retry on its own.
 */
export const OUTBOX_REACTIONS_LANE = "reactions";

/** The lane an effect of a conversation's change goes to: the conversation's own, except delivery reactions. */
export function laneOf(effect: OutboxEffect, conversationId: string): string {
  return effect.kind === "mark_delivery" ? OUTBOX_REACTIONS_LANE : conversationId;
}

/** Whether the lane is a conversation's (its id), not a shared one (ops notices, delivery reactions). */
export function isConversationLane(lane: string): boolean {
  return lane !== OUTBOX_OPS_LANE && lane !== OUTBOX_REACTIONS_LANE;
}

/**
 * One outbound side effect, persisted before it is attempted. Thread refs are resolved when the
 * item is delivered (from `escalationId`), so a thread post waits in its lane behind the card.
 */
export type OutboxEffect =
  | {
      kind: "send_customer";
      address: string;
      text: string;
      attachments?: Attachment[];
      /** Set when this relays an agent's message: the transcript entry and the agent's own message. */
      relay?: { entryId: string; workspaceRef: string; escalationId: string };
      /** An approved template to send instead of free text (an agent chose it once the reply window closed). */
      template?: OutboundTemplate;
      /** Sent instead when the channel's reply window has closed (the survey's template). */
      windowTemplate?: OutboundTemplate;
      /** Control words the text offers, for channels that show them as buttons. */
      replyChoices?: string[];
    }
  | { kind: "post_card"; escalationId: string; context: ContextPackage }
  | {
      kind: "update_card";
      escalationId: string;
      context: ContextPackage;
      status: CardStatus;
      /** For a transfer: the new escalation, whose thread the old card links to. */
      linkEscalationId?: string;
    }
  | { kind: "thread_post"; escalationId: string; post: ThreadPost }
  | { kind: "mark_delivery"; messageRef: string; state: DeliveryState }
  | { kind: "reply_notice"; notice: ReplyNotice }
  | { kind: "notify_ops"; text: string };

/**
 * Effects whose second copy changes nothing: a delivery reaction (reactions.add/remove, Slack's
 * already_reacted/no_reaction ignored) and a card update (chat.update writes the card whole). Redoing
 * one after a crash is harmless, so the outbox does not mark it in flight before its attempt (that
 * write only tells an in-doubt retry to look for an earlier copy instead of sending twice). Every
 * other kind posts or sends something new, and a repeat would be seen twice.
 */
const IDEMPOTENT_EFFECTS: ReadonlySet<OutboxEffect["kind"]> = new Set(["mark_delivery", "update_card"]);

/** Whether attempting the effect again after it got through is harmless (see IDEMPOTENT_EFFECTS). */
export function isIdempotentEffect(effect: OutboxEffect): boolean {
  return IDEMPOTENT_EFFECTS.has(effect.kind);
}

export type OutboxStatus = "pending" | "in_flight" | "failed";

export interface OutboxItem {
  id: string;
  /** Items of one lane (a conversation id, OUTBOX_OPS_LANE or OUTBOX_REACTIONS_LANE; see laneOf) are delivered strictly in `seq` order. */
  lane: string;
  /** Assigned by the store, increasing. */
  seq: number;
  effect: OutboxEffect;
  /** pending: waiting its turn; in_flight: an attempt started (in doubt after a crash); failed: parked for replay. */
  status: OutboxStatus;
  attempts: number;
  /** Epoch ms before which it is not attempted (backoff, Retry-After). */
  notBefore: number;
  createdAt: number;
  /** When the last attempt started: set means an attempt may have got through, so the next one is in doubt. */
  lastAttemptAt?: number;
  /**
   * When the first attempt started. Earlier items of the lane were all delivered by then, so a copy
   * the adapter finds after it is this item's own, not an identical earlier message.
   */
  firstAttemptAt?: number;
  lastError?: string;
  /** Failure notices are not themselves reported when they fail, so a dead Slack can't loop. */
  quiet?: boolean;
}

export type NewOutboxItem = Pick<OutboxItem, "lane" | "effect"> & Partial<Pick<OutboxItem, "quiet" | "notBefore">>;

/**
 * Port: who may deliver a lane. Several instances share one store; a lane's lease lets one of them
 * at a time deliver it, so nothing is sent twice or out of order. Expiry is decided by the store's
 * clock, so a crashed holder's lanes are taken over once its lease lapses.
 */
export interface LaneLeaseStore {
  /** Takes the lane for `holder` until now + ttlMs when it is free, expired, or already `holder`'s. True if taken. */
  acquireLease(lane: string, holder: string, ttlMs: number): Promise<boolean>;
  /** Extends `holder`'s unexpired lease to now + ttlMs; false when the lane is not (or no longer) theirs. */
  renewLease(lane: string, holder: string, ttlMs: number): Promise<boolean>;
  /** Frees the lane; only its holder can. False when it was not theirs. */
  releaseLease(lane: string, holder: string): Promise<boolean>;
  /**
   * Of `lanes`, those another holder has an unexpired lease on: a poll leaves them to their holder
   * instead of trying each (every try a failed round trip to the store). One read for all of them.
   */
  leasedByOthers(lanes: string[], holder: string): Promise<Set<string>>;
}

/** A lane's lease as the worker of the lane holds it: the lease's name (the lane's own, or one derived from it) and its holder. */
export interface LaneLease {
  name: string;
  holder: string;
}

/**
 * What taking a lane found: its lease held by another holder (nothing changed), or taken, with the
 * lane's head. Taken with no head, the lane was empty and its lease was let go in the same step.
 */
export type LaneTake<T> = { taken: false } | { taken: true; head: T | undefined };

/** The same take with its head read as another type (a stored row as the entry or item it holds). */
export function mapLaneTake<R, T>(take: LaneTake<R>, of: (head: R) => T): LaneTake<T> {
  return take.taken ? { taken: true, head: take.head === undefined ? undefined : of(take.head) } : take;
}

/**
 * Given to a take of a lane: the head's in-flight copy when the worker attempts it at once, saved in
 * the take's own write (one write less than marking it apart), or undefined to leave the head as it is.
 * It must give the same answer for the same item (memoise what it reads, such as the clock): the worker
 * calls it again on the head it gets back, to learn whether it was saved.
 */
export type StartAttempt = (head: OutboxItem) => OutboxItem | undefined;

/** The lane a commit takes for its worker (commitTakingLane), as takeOutboxLane's arguments. */
export interface LaneToTake {
  lane: string;
  lease: LaneLease;
  ttlMs: number;
  start?: StartAttempt;
}

/**
 * An item completed by the commit that records what its delivery did (a send recorded with its
 * conversation), in the same write, instead of by a completeOutboxItem of its own. The commit sets
 * `done` once it has: the item's lane's next head, read (and started) as completeOutboxItem reads it.
 */
export interface ItemCompletion {
  item: Pick<OutboxItem, "id" | "lane">;
  lease: LaneLease;
  start?: StartAttempt;
  done?: { next: OutboxItem | undefined };
}

/** What a commit may complete in its own write: the outbox item whose delivery it records, or the inbox entry whose processing it does. */
export type Completion = ItemCompletion | InboxCompletion;

/** What commitTakingLane did: the conversation as stored, and what taking the lane found. */
export interface OutboxCommit {
  conversation: Conversation;
  take: LaneTake<OutboxItem>;
}

/**
 * Port: the durable outbox. Every backend of ConversationStore implements it in the same storage,
 * so a state change and the messages it causes are written in one atomic step (`commit`).
 */
export interface OutboxStore extends LaneLeaseStore {
  /** Persists new items at the end of their lanes. */
  enqueue(items: NewOutboxItem[]): Promise<OutboxItem[]>;
  /**
   * compareAndSet, enqueue and the audit events of the change (all of `next`'s conversation) in one atomic
   * write: all of it happens, or none of it (a lost compare-and-set leaves no item and no audit line).
   * With `completing`, the commit also completes that item or entry when it wins (see ItemCompletion, InboxCompletion).
   */
  commit(
    next: Conversation,
    expectedVersion: number,
    items: NewOutboxItem[],
    audit?: AuditEvent[],
    completing?: Completion,
  ): Promise<Conversation | undefined>;
  /**
   * commit, then takeOutboxLane(lane.lane, lane.lease, lane.ttlMs), in one atomic step: the instance whose
   * change queues items and would start the lane's worker next takes the lane with the same write.
   * Undefined when the compare-and-set lost: nothing is written, and nothing taken.
   */
  commitTakingLane(
    next: Conversation,
    expectedVersion: number,
    items: NewOutboxItem[],
    audit: AuditEvent[],
    lane: LaneToTake,
    completing?: Completion,
  ): Promise<OutboxCommit | undefined>;
  /** The oldest pending or in-flight item of every lane (or of one lane). Failed items are parked and skipped. */
  outboxHeads(lane?: string): Promise<OutboxItem[]>;
  /**
   * A lane's worker starts with this: acquireLease and outboxHeads(lane) in one atomic step, letting
   * go of the lease in that step when the lane has no head. The head is returned as it was read; with
   * `start`, its in-flight copy (if start gives one) is saved with the take.
   */
  takeOutboxLane(lane: string, lease: LaneLease, ttlMs: number, start?: StartAttempt): Promise<LaneTake<OutboxItem>>;
  /** Saves an item's delivery state; false when it is gone (delivered, or its conversation forgotten). */
  saveOutboxItem(item: OutboxItem): Promise<boolean>;
  /**
   * Removes a delivered item and reads its lane's next head in one atomic step; when the lane has
   * none left, `lease` is let go in that step too (if it is still the holder's). Returns the next head,
   * as read; with `start`, as takeOutboxLane.
   */
  completeOutboxItem(item: Pick<OutboxItem, "id" | "lane">, lease: LaneLease, start?: StartAttempt): Promise<OutboxItem | undefined>;
  /** Every stored item (pending, in flight and failed), oldest first. */
  listOutbox(): Promise<OutboxItem[]>;
  /** How many items listOutbox would return, without reading them (the /metrics backlog gauge). */
  countOutbox(): Promise<number>;
}

/** What the store factories return: conversations, their outbox and the inbox, in one place. */
export type WarmlineStore = ConversationStore & OutboxStore & InboxStore;
