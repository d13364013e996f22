import type { Keyv } from "keyv";
import type { MediaBytes, TeamQueueCounts } from "../ports/conversation-store.js";
import type { LaneLease, LaneTake } from "../ports/outbox.js";
import type { ConversationIndexEntry } from "./conversation-index.js";

/**
 * A conversation write: its hot record (the document without its transcript, as keyv serialises
 * it), the index entries derived from it, and only the transcript entries that changed.
 */
export interface ConversationWrite {
  id: string;
  /** The stored version (expectedVersion + 1, or 1 for a new conversation). */
  version: number;
  /** keyv's serialised record (`{"value":…}`) of the conversation without its transcript, so keyv reads it back like any value it wrote. */
  document: string;
  index: ConversationIndexEntry;
  /**
   * The index entry stored with the version this write replaces, when this process wrote it (see
   * StoredParts.index): a backend may leave the parts of the index that did not change as they are.
   */
  indexBefore?: ConversationIndexEntry;
  transcript: TranscriptWrite;
}

/** The transcript entries a write stores: each one a row (SQLite) or list item (Redis) of its own. */
export interface TranscriptWrite {
  /** The transcript's length after the write; entries at or past it are deleted. */
  length: number;
  /** New or changed entries, as JSON, by position (ascending). */
  changed: { position: number; entry: string }[];
  /** Every entry is in `changed`: delete the stored ones first (a new conversation, or nothing to diff against). */
  replace: boolean;
}

/** A conversation read in one atomic step (StoreBackend.readConversation). */
export interface StoredRead {
  /** The version its index entry records; undefined for an entry written before entries had versions. */
  version: number | undefined;
  /** Unless `version` is the one the caller has: the document as keyv stored it, and the transcript entries stored apart. */
  document?: string;
  transcript?: string[];
}

/** An id an index lists and its document as keyv stored it; null when it is gone. */
export interface StoredDocument {
  id: string;
  document: string | null;
}

/** A conversation's stored transcript entries (JSON, in order), read in one atomic step with the version they belong to. */
export interface StoredTranscript {
  version: number;
  entries: string[];
}

/**
 * The atomic primitives one backend adds to keyv. Keyv can get and set but has nothing atomic,
 * so each backend writes a document together with its index entries in one atomic step
 * (memory: one synchronous block; SQLite: one transaction; Redis: one Lua script).
 * Reads of documents go through `keyv`; the rest of the logic lives once, in KeyvConversationStore.
 */
export interface StoreBackend {
  readonly keyv: Keyv;
  /** Human-readable location for error messages, e.g. "SQLite file /var/lib/warmline.db". */
  readonly location: string;
  /** What an operator should do when the backend fails, e.g. "start Redis or fix REDIS_URL". */
  readonly remedy: string;
  /** The keyv key of a conversation document. */
  documentKey(conversationId: string): string;
  /** The stored version of the conversation: one small read, to tell whether a cached copy is current. */
  storedVersion(conversationId: string): Promise<number | undefined>;
  /** The conversation's transcript entries, undefined when it has none stored apart (not stored, or written before they were). */
  loadTranscript(conversationId: string): Promise<StoredTranscript | undefined>;
  /**
   * Optional, for a backend where each read is a round trip: storedVersion, the document's keyv read and loadTranscript
   * in one atomic step. Undefined when no document is stored; only the version when it is `knownVersion`.
   */
  readConversation?(conversationId: string, knownVersion: number | undefined): Promise<StoredRead | undefined>;
  /** Optional, as readConversation: activeIds and their documents as keyv stored them, in one atomic step. */
  activeDocuments?(address: string): Promise<StoredDocument[]>;
  /**
   * The id of the conversation a thread belongs to, with its storedVersion, in one atomic step (one round trip on
   * Redis, one statement on SQLite), so an agent's reply to a conversation whose current version is cached reads
   * nothing else.
   */
  threadVersion(thread: string): Promise<{ id: string; version: number | undefined } | undefined>;
  /** Writes the document, its transcript and its index entries if no document has this id. False if one does. */
  insert(write: ConversationWrite): Promise<boolean>;
  /**
   * Writes the document, its transcript changes and its index entries if the stored version equals expectedVersion, appending
   * the write's outbox items (the transactional outbox) and audit events in the same atomic step.
   * A lost compare-and-set writes none of them.
   */
  compareAndSet(write: ConversationWrite, expectedVersion: number, appends: CommitAppends): Promise<boolean>;
  /**
   * compareAndSet and, when it won, outboxTake of `take`, in one atomic step. Undefined when the compare-and-set
   * lost: nothing is written, and nothing taken.
   */
  compareAndSetTakingLane(
    write: ConversationWrite,
    expectedVersion: number,
    appends: CommitAppends,
    take: OutboxTake,
  ): Promise<LaneTake<OutboxRow> | undefined>;
  /** ConversationStore.saveMedia: in one atomic step, and only while the conversation is stored. */
  saveMedia(conversationId: string, media: readonly MediaBytes[]): Promise<void>;
  loadMedia(conversationId: string, mediaId: string): Promise<string | undefined>;
  /**
   * Deletes the document, its transcript, its media, its index entries, its audit events and its outbox lane. With `staleBefore`, deletes only
   * if the conversation is still not open and was last updated before it (a purge must not race a write).
   */
  remove(conversationId: string, staleBefore?: number): Promise<boolean>;
  activeIds(address: string): Promise<string[]>;
  openIds(): Promise<string[]>;
  idsUpdatedSince(since: number): Promise<string[]>;
  /** Candidates for purging: not open and updated before the cutoff. */
  staleIds(cutoff: number): Promise<string[]>;
  customerIds(address: string): Promise<string[]>;
  /** Open conversations whose index entry's timersDueAt is at or before `now`. */
  dueIds(now: number): Promise<string[]>;
  /** Index entries with team `team` and queuedAt at or before `upTo`. */
  countQueued(team: string, upTo: number): Promise<number>;
  /** Open index entries per team: queued (with queuedAt), assigned (the rest), and the lowest queuedAt. */
  teamCounts(): Promise<Record<string, TeamQueueCounts>>;
  /** waitedMs of the lastClaim entries of `team` claimed at or after `since`, newest claim first, at most `limit`. */
  claimWaits(team: string, since: number, limit: number): Promise<number[]>;
  /** How many outbox rows there are (outboxList().length, without reading them). */
  outboxCount(): Promise<number>;
  /** Records `key` until `expiresAt` unless it is recorded and unexpired at `now`. True if recorded. */
  markSeen(key: string, now: number, expiresAt: number): Promise<boolean>;
  /** When `key` expires, if it is recorded. */
  seenUntil(key: string): Promise<number | undefined>;
  /** The conversation's serialised audit events, in the order they were committed. */
  listAudit(conversationId: string): Promise<string[]>;
  /** Appends outbox items; each gets the next sequence number. */
  outboxAppend(entries: OutboxWrite[]): Promise<void>;
  /** The lowest-seq open item per lane (or of `lane`). */
  outboxHeads(lane?: string): Promise<OutboxRow[]>;
  /**
   * acquireLease of `lease` and, when taken, outboxHeads(lane) in one atomic step; with no head, the lease is deleted in it.
   * With `start`, the head's update it gives is written too (see StartRow); the head is returned as it was read.
   */
  outboxTake(lane: string, lease: LaneLease, now: number, expiresAt: number, start?: StartRow): Promise<LaneTake<OutboxRow>>;
  /** Rewrites an item's document and open flag, keeping its seq. False if it is gone. */
  outboxUpdate(entry: OutboxWrite): Promise<boolean>;
  /** Deletes the item and reads outboxHeads(lane) in one atomic step; with no head, releaseLease of `lease` in it. `start` as outboxTake. */
  outboxComplete(id: string, lane: string, lease: LaneLease, start?: StartRow): Promise<OutboxRow | undefined>;
  outboxList(): Promise<OutboxRow[]>;
  /** Sets the lane's lease to `holder` until `expiresAt` if it is free, expired at `now`, or already `holder`'s. */
  acquireLease(lane: string, holder: string, now: number, expiresAt: number): Promise<boolean>;
  /** Moves `holder`'s lease, unexpired at `now`, to `expiresAt`. */
  renewLease(lane: string, holder: string, now: number, expiresAt: number): Promise<boolean>;
  /** Deletes the lease if `holder` has it. */
  releaseLease(lane: string, holder: string): Promise<boolean>;
  /** Of `lanes`, those whose lease is another holder's and unexpired at `now`. */
  leasedByOthers(lanes: string[], holder: string, now: number): Promise<string[]>;
  close(): Promise<void>;
}

/** outboxTake's arguments: the lane, and its lease until `expiresAt` (expiry decided at `now`, by the store's clock). */
export interface OutboxTake {
  lane: string;
  lease: LaneLease;
  now: number;
  expiresAt: number;
  start?: StartRow;
}

/**
 * A take's head, rewritten as its worker starts an attempt at it (marked in flight), or undefined to leave
 * it. A backend with atomic steps in this process writes it in the take's step; Redis, whose steps are
 * scripts, with its next call, under the lease just taken, and takes the lane again if the head went meanwhile.
 */
export type StartRow = (head: OutboxRow) => OutboxWrite | undefined;

/** What a compare-and-set appends with the document, only if it wins. */
export interface CommitAppends {
  outbox: OutboxWrite[];
  /** Serialised audit events of the written conversation, appended to its trail in this order. */
  audit: string[];
  /**
   * An item to complete as outboxComplete does, only if the compare-and-set wins: its lane's next head goes to
   * `done` (SQLite and memory in the write's step, Redis in the write's script).
   */
  complete?: { id: string; lane: string; lease: LaneLease; start?: StartRow; done(next: OutboxRow | undefined): void };
  /**
   * The store's inbox completing an entry (an InboxCompletion), to run in this write only if the compare-and-set wins.
   * Given only to a backend whose write is one synchronous step of this process, shared with its inbox (SQLite's
   * transaction on the one connection, memory's block); a backend that does not run it declines (the entry stays for its
   * worker to complete). It only touches the store: a transaction run twice runs it twice.
   */
  inboxStep?: () => void;
  /**
   * The same for a backend whose write is a script on the inbox's server (Redis): the arguments of its inbox part
   * (complete_entry's, INBOX_COMPLETE_LUA), run only if the compare-and-set wins, and `done` given that part's reply.
   */
  inboxScript?: { args: string[]; done(reply: unknown): void };
}

/** An outbox item as a backend stores it: the lane and open flag it queries by, and the item's JSON. */
export interface OutboxWrite {
  id: string;
  lane: string;
  /** Pending or in flight; failed items are parked (kept for replay, skipped by heads). */
  open: boolean;
  document: string;
}

export interface OutboxRow extends OutboxWrite {
  seq: number;
}
