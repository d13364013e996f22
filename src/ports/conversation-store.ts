import type { AuditEvent } from "../domain/audit.js";
import type { Conversation } from "../domain/conversation.js";

/** Open conversations per team, as the store's index counts them (queue status, /metrics, the Home tab). */
export interface TeamQueueCounts {
  queued: number;
  assigned: number;
  /** When the longest-waiting queued conversation joined the queue. */
  oldestQueuedAt?: number;
}

/** An attachment's bytes as the store keeps them (see Attachment.mediaId). */
export interface MediaBytes {
  id: string;
  dataBase64: string;
}

/**
 * Port: durable conversation state. Backends: in-memory (tests), SQLite file (embedded default),
 * Redis (several instances). Every backend passes test/contract/conversation-store.contract.ts.
 */
export interface ConversationStore {
  get(conversationId: string): Promise<Conversation | undefined>;
  /** The customer's current (non-resolved, or resolved awaiting survey) conversation, if any. */
  findActiveByCustomer(address: string): Promise<Conversation | undefined>;
  /** The conversation that any of its escalations (current, or earlier before a transfer) lives in this workspace thread. */
  findByThread(thread: string): Promise<Conversation | undefined>;
  /** Stores a new conversation (version 1). Throws store_conflict if the id exists. */
  create(conversation: Conversation): Promise<void>;
  /**
   * Atomic compare-and-set: writes `next` (with version = expectedVersion + 1) only if the stored
   * version is still `expectedVersion`. Returns the stored conversation on success, undefined when
   * someone else wrote first. Exactly one of N concurrent callers with the same expectedVersion wins.
   */
  compareAndSet(next: Conversation, expectedVersion: number): Promise<Conversation | undefined>;
  /** Conversations that are queued or assigned. */
  listOpen(): Promise<Conversation[]>;
  /**
   * Open conversations whose timersDueAt is at or before `now`, through an index: the engine's tick
   * loads these and nothing else. A conversation with nothing pending is never listed.
   */
  listDue(now: number): Promise<Conversation[]>;
  /** How many conversations wait unclaimed in `team`'s queue since `upTo` or earlier (a customer's place in line). */
  countQueued(team: string, upTo: number): Promise<number>;
  /** Open conversations per team of their current escalation, counted in the index (no document is read). */
  teamCounts(): Promise<Record<string, TeamQueueCounts>>;
  /**
   * How long the latest claims in `team` made at or after `since` had waited (ms), newest first, at most
   * `limit`: the conversation's latest claim counts, one per conversation.
   */
  recentClaimWaits(team: string, since: number, limit: number): Promise<number[]>;
  /** Conversations updated at or after `since` (epoch ms), any state; for reports. */
  listSince(since: number): Promise<Conversation[]>;
  /** Every conversation of this customer, any state, oldest first (through the customer index, not a scan). */
  listByCustomer(address: string): Promise<Conversation[]>;
  /** Number of conversations this customer had (for "past conversations"). */
  countByCustomer(address: string): Promise<number>;
  /**
   * Idempotency: records `key` and returns true the first time, false afterwards (until ttlMs passes).
   * Atomic across concurrent callers and instances.
   */
  markSeen(key: string, ttlMs: number): Promise<boolean>;
  /** Whether `key` is recorded and unexpired; a read only, for "record after success" de-duplication. */
  isSeen(key: string): Promise<boolean>;
  /** The conversation's audit trail, oldest first. Events are written only by OutboxStore.commit, with the change they record. */
  listAudit(conversationId: string): Promise<AuditEvent[]>;
  /**
   * Keeps attachments' bytes (base64) beside the conversation, deleted with it; an id already kept is
   * overwritten. Nothing is kept for a conversation that is not stored (forgotten meanwhile).
   */
  saveMedia(conversationId: string, media: readonly MediaBytes[]): Promise<void>;
  /** A kept attachment's bytes (base64); undefined when they are gone with their conversation. */
  loadMedia(conversationId: string, mediaId: string): Promise<string | undefined>;
  /** Deletes every conversation, index entry and audit event of this customer. Returns how many conversations went. */
  forgetCustomer(address: string): Promise<number>;
  /**
   * Transcript retention: deletes conversations (with their index entries and audit events) last
   * updated before `cutoff` (epoch ms) that are not open (queued/assigned). Returns how many went.
   */
  purgeOlderThan(cutoff: number): Promise<number>;
  close(): Promise<void>;
}
