import { randomUUID } from "node:crypto";
import type { AuditEvent } from "../domain/audit.js";
import type { Conversation } from "../domain/conversation.js";
import { WarmlineError } from "../domain/errors.js";
import type { Clock } from "../ports/clock.js";
import type { ConversationStore, MediaBytes, TeamQueueCounts } from "../ports/conversation-store.js";
import {
  type Completion,
  type LaneLease,
  type LaneTake,
  type LaneToTake,
  mapLaneTake,
  type NewOutboxItem,
  type OutboxCommit,
  type OutboxItem,
  type OutboxStore,
  type StartAttempt,
} from "../ports/outbox.js";
import { completionOf } from "./commit-completion.js";
import { ConversationCache, conversationOf, headOf, partsOf } from "./conversation-cache.js";
import { isActiveConversation, isDueConversation, isOpenConversation, newestFirst, oldestFirst, threadsOf } from "./conversation-index.js";
import { conversationWriteOf } from "./conversation-write.js";
import type { InboxSteps } from "./inbox-store.js";
import { OutboxRows } from "./outbox-rows.js";
import type { CommitAppends, ConversationWrite, StoreBackend, StoredDocument } from "./store-backend.js";
import { inStore } from "./store-errors.js";

const NO_APPENDS = { outbox: [], audit: [] };

/** commit's arguments, as commitWith takes them. */
type Commit = { next: Conversation; expectedVersion: number; items: NewOutboxItem[]; audit: AuditEvent[]; completing?: Completion };
/** forgetCustomer repeats while conversations created during the sweep keep appearing. */
const FORGET_MAX_ROUNDS = 3;
/** A read starts again when a write lands between its document and transcript reads; writes that fast mean a bug or a storm. */
const READ_MAX_ATTEMPTS = 5;

/**
 * The ConversationStore logic, once, over any backend's atomic primitives. Indexes are only
 * pointers: every read loads the documents and re-checks them, so an index can never make the
 * store return a conversation that no longer matches the query.
 *
 * A conversation is stored as a small document without its transcript, plus one row per
 * transcript entry, so a message costs the same at transcript length 10 or 1,000: a write sends
 * only the new or changed entries, and a read of a hot conversation is served from the cache
 * once one small read shows it is current. Returned transcript entries are frozen and shared.
 */
export class KeyvConversationStore implements ConversationStore, OutboxStore {
  /** The hot conversations' last stored versions (see ConversationCache). */
  private readonly cache = new ConversationCache();
  /** How outbox items are written and read back (see OutboxRows). */
  private readonly outboxRows = new OutboxRows();

  /** `inboxSteps`: where the store's inbox can complete an entry inside a conversation's write (see InboxCompletion). */
  constructor(
    private readonly backend: StoreBackend,
    private readonly clock: Clock,
    private readonly inboxSteps?: InboxSteps,
  ) {}

  async get(conversationId: string): Promise<Conversation | undefined> {
    return this.attempt("read a conversation", () => this.read(conversationId));
  }

  /**
   * A current cached copy costs one small read (the stored version). Otherwise the document comes
   * through keyv and the transcript beside it.
   */
  private async read(conversationId: string): Promise<Conversation | undefined> {
    if (this.backend.readConversation) return this.readAtOnce(conversationId);
    const cached = this.cache.latest(conversationId);
    if (cached !== undefined && (await this.backend.storedVersion(conversationId)) === cached.version) return conversationOf(cached);
    for (let attempt = 0; attempt < READ_MAX_ATTEMPTS; attempt++) {
      const document = await this.backend.keyv.get<Conversation>(this.backend.documentKey(conversationId));
      if (document === undefined || document === null) {
        this.cache.forget(conversationId);
        return undefined;
      }
      const conversation = await this.withTranscript(conversationId, document);
      if (conversation !== undefined) return conversation;
    }
    throw this.keptChanging(conversationId);
  }

  private keptChanging(conversationId: string): WarmlineError {
    return new WarmlineError(
      "store_conflict",
      `Conversation ${conversationId} kept changing while it was read (${READ_MAX_ATTEMPTS} attempts): retry the read.`,
    );
  }

  /** read() on a backend that reads a conversation in one atomic step: one round trip, whether the cached copy is current or not. */
  private async readAtOnce(conversationId: string): Promise<Conversation | undefined> {
    for (let attempt = 0; attempt < READ_MAX_ATTEMPTS; attempt++) {
      const cached = this.cache.latest(conversationId);
      const found = await this.backend.readConversation!(conversationId, cached?.version);
      if (found !== undefined && found.document === undefined && cached !== undefined) return conversationOf(cached);
      const record = found?.document === undefined ? undefined : await this.backend.keyv.deserializeData<Conversation>(found.document);
      const document = record?.value;
      if (document === undefined || document === null) {
        this.cache.forget(conversationId);
        return undefined;
      }
      const { version, transcript } = found!;
      const stored = version === undefined ? undefined : { version, entries: transcript ?? [] };
      const conversation = await this.withTranscript(conversationId, document, async () => stored);
      if (conversation !== undefined) return conversation;
    }
    throw this.keptChanging(conversationId);
  }

  /**
   * The conversation of a stored document: its transcript from the cache when that holds the
   * document's version, else from the store. Undefined when a write landed between the document's
   * read and the transcript's (their versions differ): read again.
   */
  private async withTranscript(
    conversationId: string,
    document: Conversation,
    loadTranscript = () => this.backend.loadTranscript(conversationId),
  ): Promise<Conversation | undefined> {
    let parts = this.cache.at(conversationId, document.version);
    if (parts !== undefined) return conversationOf(parts);
    if (Array.isArray(document.transcript)) {
      // Written before transcripts were stored apart: the next write moves them out.
      parts = partsOf(
        headOf(document),
        document.transcript.map((entry) => JSON.stringify(entry)),
        true,
      );
    } else {
      const transcript = await loadTranscript();
      if (transcript?.version !== document.version) return undefined;
      parts = partsOf(document, transcript.entries);
    }
    this.cache.remember(document, parts);
    return conversationOf(parts);
  }

  async findActiveByCustomer(address: string): Promise<Conversation | undefined> {
    const { activeDocuments } = this.backend;
    const operation = "find the customer's conversation";
    // A customer has one active conversation, at most a few: read by id, a hot one is the cached copy after a
    // version check, where a batch read would fetch and parse its document.
    const candidates = activeDocuments
      ? await this.load(
          operation,
          () => this.backend.activeIds(address),
          () => activeDocuments.call(this.backend, address),
        )
      : await this.attempt(operation, async () => {
          const found = await Promise.all((await this.backend.activeIds(address)).map((id) => this.read(id)));
          return found.filter((c): c is Conversation => c !== undefined);
        });
    const active = candidates.filter((c) => c.customer.address === address && isActiveConversation(c));
    return newestFirst(active)[0];
  }

  async findByThread(thread: string): Promise<Conversation | undefined> {
    const conversation = await this.byThreadVersion(thread);
    return conversation !== undefined && threadsOf(conversation).includes(thread) ? conversation : undefined;
  }

  /** The thread's conversation and its stored version in one step: a current cached copy needs no other read. */
  private async byThreadVersion(thread: string): Promise<Conversation | undefined> {
    const found = await this.attempt("find a thread's conversation", () => this.backend.threadVersion(thread));
    if (found === undefined) return undefined;
    const cached = this.cache.latest(found.id);
    return cached !== undefined && cached.version === found.version ? conversationOf(cached) : this.get(found.id);
  }

  async create(conversation: Conversation): Promise<void> {
    if (conversation.version !== 1) {
      throw new WarmlineError(
        "input_invalid",
        `Cannot create conversation ${conversation.id} with version ${conversation.version}: new conversations start at version 1.`,
      );
    }
    const { write, parts } = conversationWriteOf(conversation, undefined);
    const written = await this.attempt("create a conversation", () => this.backend.insert(write));
    if (!written) {
      throw new WarmlineError(
        "store_conflict",
        `Conversation ${conversation.id} already exists: load it with get() and update it with compareAndSet().`,
      );
    }
    this.cache.remember(conversation, parts);
  }

  async compareAndSet(next: Conversation, expectedVersion: number): Promise<Conversation | undefined> {
    return this.commit(next, expectedVersion, []);
  }

  async commit(
    next: Conversation,
    expectedVersion: number,
    items: NewOutboxItem[],
    audit: AuditEvent[] = [],
    completing?: Completion,
  ): Promise<Conversation | undefined> {
    const committed = await this.commitWith({ next, expectedVersion, items, audit, completing }, async (write, appends) =>
      (await this.backend.compareAndSet(write, expectedVersion, appends)) ? true : undefined,
    );
    return committed?.conversation;
  }

  async commitTakingLane(
    next: Conversation,
    expectedVersion: number,
    items: NewOutboxItem[],
    audit: AuditEvent[],
    { lane, lease, ttlMs, start }: LaneToTake,
    completing?: Completion,
  ): Promise<OutboxCommit | undefined> {
    const now = this.leaseClock(lease.name, ttlMs);
    const rows = this.outboxRows.starting(start);
    const take = { lane, lease, now, expiresAt: now + ttlMs, start: rows.start };
    const committed = await this.commitWith({ next, expectedVersion, items, audit, completing }, (write, appends) =>
      this.backend.compareAndSetTakingLane(write, expectedVersion, appends, take),
    );
    return committed && { conversation: committed.conversation, take: mapLaneTake(committed.result, rows.itemOf) };
  }

  /**
   * A commit through `write`, the backend's compare-and-set (undefined when it lost): the change's items,
   * audit events and completion go with the conversation, and the cache learns the stored version once it is written.
   */
  private async commitWith<T>(
    { next, expectedVersion, items, audit, completing }: Commit,
    write: (write: ConversationWrite, appends: CommitAppends) => Promise<T | undefined>,
  ): Promise<{ conversation: Conversation; result: T } | undefined> {
    const stranger = audit.find((event) => event.conversationId !== next.id);
    if (stranger) {
      throw new WarmlineError(
        "input_invalid",
        `Cannot commit conversation ${next.id} with an audit event of conversation ${stranger.conversationId}: an event is committed with the conversation it records.`,
      );
    }
    const stored: Conversation = { ...next, version: expectedVersion + 1 };
    const outbox = items.map((item) => this.outboxRows.write(this.newItem(item)));
    const events = audit.map((event) => JSON.stringify(event));
    const { write: conversationWrite, parts } = conversationWriteOf(stored, this.cache.at(next.id, expectedVersion));
    const completion = completionOf(completing, this.inboxSteps, this.outboxRows);
    const appends: CommitAppends = { outbox, audit: events, ...completion?.appends };
    const result = await this.attempt("update a conversation", () => write(conversationWrite, appends));
    if (result === undefined) return undefined;
    this.cache.remember(stored, parts);
    completion?.settle();
    return { conversation: stored, result };
  }

  async enqueue(items: NewOutboxItem[]): Promise<OutboxItem[]> {
    const created = items.map((item) => this.newItem(item));
    if (created.length > 0)
      await this.attempt("queue an outbound message", () => this.backend.outboxAppend(created.map((item) => this.outboxRows.write(item))));
    return created;
  }

  async outboxHeads(lane?: string): Promise<OutboxItem[]> {
    const rows = await this.attempt("read the outbox", () => this.backend.outboxHeads(lane));
    return rows.map((row) => this.outboxRows.itemOf(row)).sort((a, b) => a.seq - b.seq);
  }

  async takeOutboxLane(lane: string, lease: LaneLease, ttlMs: number, start?: StartAttempt): Promise<LaneTake<OutboxItem>> {
    const now = this.leaseClock(lease.name, ttlMs);
    const rows = this.outboxRows.starting(start);
    return mapLaneTake(
      await this.attempt("take an outbox lane", () => this.backend.outboxTake(lane, lease, now, now + ttlMs, rows.start)),
      rows.itemOf,
    );
  }

  async saveOutboxItem(item: OutboxItem): Promise<boolean> {
    return this.attempt("update an outbound message", () => this.backend.outboxUpdate(this.outboxRows.write(item)));
  }

  async completeOutboxItem(item: Pick<OutboxItem, "id" | "lane">, lease: LaneLease, start?: StartAttempt): Promise<OutboxItem | undefined> {
    const rows = this.outboxRows.starting(start);
    const next = await this.attempt("complete an outbound message", () =>
      this.backend.outboxComplete(item.id, item.lane, lease, rows.start),
    );
    return next && rows.itemOf(next);
  }

  async listOutbox(): Promise<OutboxItem[]> {
    const rows = await this.attempt("list the outbox", () => this.backend.outboxList());
    return rows.map((row) => this.outboxRows.itemOf(row)).sort((a, b) => a.seq - b.seq);
  }

  async countOutbox(): Promise<number> {
    return this.attempt("count the outbox", () => this.backend.outboxCount());
  }

  async acquireLease(lane: string, holder: string, ttlMs: number): Promise<boolean> {
    const now = this.leaseClock(lane, ttlMs);
    return this.attempt("take an outbox lane's lease", () => this.backend.acquireLease(lane, holder, now, now + ttlMs));
  }

  async renewLease(lane: string, holder: string, ttlMs: number): Promise<boolean> {
    const now = this.leaseClock(lane, ttlMs);
    return this.attempt("renew an outbox lane's lease", () => this.backend.renewLease(lane, holder, now, now + ttlMs));
  }

  async releaseLease(lane: string, holder: string): Promise<boolean> {
    return this.attempt("release an outbox lane's lease", () => this.backend.releaseLease(lane, holder));
  }

  async leasedByOthers(lanes: string[], holder: string): Promise<Set<string>> {
    if (lanes.length === 0) return new Set();
    const now = this.clock.now();
    return new Set(await this.attempt("read the lanes' leases", () => this.backend.leasedByOthers(lanes, holder, now)));
  }

  private leaseClock(lane: string, ttlMs: number): number {
    if (!(ttlMs > 0)) {
      throw new WarmlineError("input_invalid", `The lease of outbox lane ${lane} needs a positive ttlMs, got ${ttlMs}.`);
    }
    return this.clock.now();
  }

  private newItem(item: NewOutboxItem): OutboxItem {
    const now = this.clock.now();
    // Due at once unless told otherwise: the dispatcher's clock, not the store's, decides "now".
    return { id: `out_${randomUUID()}`, seq: 0, status: "pending", attempts: 0, createdAt: now, ...item, notBefore: item.notBefore ?? 0 };
  }

  async listOpen(): Promise<Conversation[]> {
    const candidates = await this.load("list open conversations", () => this.backend.openIds());
    return oldestFirst(candidates.filter(isOpenConversation));
  }

  async listSince(since: number): Promise<Conversation[]> {
    const candidates = await this.load("list recent conversations", () => this.backend.idsUpdatedSince(since));
    return oldestFirst(candidates.filter((c) => c.updatedAt >= since));
  }

  async listDue(now: number): Promise<Conversation[]> {
    const candidates = await this.load("list conversations with timers due", () => this.backend.dueIds(now));
    return oldestFirst(candidates.filter((c) => isDueConversation(c, now)));
  }

  // The counts below are read from the index alone, which is written atomically with each document.
  async countQueued(team: string, upTo: number): Promise<number> {
    return this.attempt("count a team's queue", () => this.backend.countQueued(team, upTo));
  }

  async teamCounts(): Promise<Record<string, TeamQueueCounts>> {
    return this.attempt("count open conversations per team", () => this.backend.teamCounts());
  }

  async recentClaimWaits(team: string, since: number, limit: number): Promise<number[]> {
    return this.attempt("read a team's recent claims", () => this.backend.claimWaits(team, since, limit));
  }

  async listByCustomer(address: string): Promise<Conversation[]> {
    const candidates = await this.load("list the customer's conversations", () => this.backend.customerIds(address));
    return oldestFirst(candidates.filter((c) => c.customer.address === address));
  }

  async countByCustomer(address: string): Promise<number> {
    const ids = await this.attempt("count the customer's conversations", () => this.backend.customerIds(address));
    return ids.length;
  }

  async markSeen(key: string, ttlMs: number): Promise<boolean> {
    if (!(ttlMs > 0)) {
      throw new WarmlineError("input_invalid", `markSeen(${key}) needs a positive ttlMs, got ${ttlMs}.`);
    }
    const now = this.clock.now();
    return this.attempt("record a seen message", () => this.backend.markSeen(key, now, now + ttlMs));
  }

  async isSeen(key: string): Promise<boolean> {
    const until = await this.attempt("read a seen message", () => this.backend.seenUntil(key));
    return until !== undefined && until > this.clock.now();
  }

  async listAudit(conversationId: string): Promise<AuditEvent[]> {
    const events = await this.attempt("list audit events", () => this.backend.listAudit(conversationId));
    return events.map((event) => JSON.parse(event) as AuditEvent);
  }

  async saveMedia(conversationId: string, media: readonly MediaBytes[]): Promise<void> {
    if (media.length > 0) await this.attempt("keep an attachment", () => this.backend.saveMedia(conversationId, media));
  }

  async loadMedia(conversationId: string, mediaId: string): Promise<string | undefined> {
    return this.attempt("read an attachment", () => this.backend.loadMedia(conversationId, mediaId));
  }

  async forgetCustomer(address: string): Promise<number> {
    let forgotten = 0;
    for (let round = 0; round < FORGET_MAX_ROUNDS; round++) {
      const ids = await this.attempt("list the customer's conversations", () => this.backend.customerIds(address));
      if (ids.length === 0) break;
      for (const id of ids) {
        if (await this.attempt("forget a conversation", () => this.backend.remove(id))) forgotten++;
        this.cache.forget(id);
      }
    }
    return forgotten;
  }

  async purgeOlderThan(cutoff: number): Promise<number> {
    const ids = await this.attempt("list conversations to purge", () => this.backend.staleIds(cutoff));
    let purged = 0;
    for (const id of ids) {
      if (await this.attempt("purge a conversation", () => this.backend.remove(id, cutoff))) {
        purged++;
        this.cache.forget(id);
      }
    }
    return purged;
  }

  /**
   * Rewrites every conversation's index entries from its document, as they are: for a store whose
   * index predates some of ConversationIndexEntry's fields. A conversation written meanwhile is skipped
   * (its compare-and-set loses): that write indexed it already.
   */
  async reindex(): Promise<number> {
    const ids = await this.attempt("list conversations to re-index", () => this.backend.idsUpdatedSince(0));
    let reindexed = 0;
    for (const id of ids) {
      const conversation = await this.get(id);
      if (conversation === undefined) continue;
      // Every part of the index is written: re-indexing mends rows that do not match their documents.
      const { write } = conversationWriteOf(conversation, this.cache.at(id, conversation.version));
      const { indexBefore: _whatItShouldBe, ...whole } = write;
      if (await this.attempt("re-index a conversation", () => this.backend.compareAndSet(whole, conversation.version, NO_APPENDS)))
        reindexed++;
    }
    return reindexed;
  }

  async close(): Promise<void> {
    await this.attempt("close the store", () => this.backend.close());
  }

  /**
   * The conversations of the ids found: their documents in one keyv read (or with the ids, where the backend
   * reads both in one step), transcripts from the cache where it is current.
   */
  private async load(
    operation: string,
    ids: () => Promise<string[]>,
    idsWithDocuments?: () => Promise<StoredDocument[]>,
  ): Promise<Conversation[]> {
    return this.attempt(operation, async () => {
      const { found, documents } = idsWithDocuments
        ? await this.deserialized(await idsWithDocuments())
        : await this.documentsOf(await ids());
      const conversations = await Promise.all(
        documents.map(async (document, i) => {
          // A document deleted between the index read and this read is simply gone.
          if (document === undefined || document === null) return undefined;
          return (await this.withTranscript(found[i]!, document)) ?? this.read(found[i]!);
        }),
      );
      return conversations.filter((c): c is Conversation => c !== undefined);
    });
  }

  private async documentsOf(found: string[]): Promise<{ found: string[]; documents: (Conversation | null | undefined)[] }> {
    if (found.length === 0) return { found, documents: [] };
    return { found, documents: await this.backend.keyv.getMany<Conversation>(found.map((id) => this.backend.documentKey(id))) };
  }

  /** As keyv reads what it stored: its deserialiser, then the value. */
  private async deserialized(rows: StoredDocument[]): Promise<{ found: string[]; documents: (Conversation | undefined)[] }> {
    const documents = await Promise.all(
      rows.map(async ({ document }) =>
        document === null ? undefined : (await this.backend.keyv.deserializeData<Conversation>(document))?.value,
      ),
    );
    return { found: rows.map((row) => row.id), documents };
  }

  private async attempt<T>(operation: string, run: () => Promise<T>): Promise<T> {
    return inStore(this.backend, operation, run);
  }
}
