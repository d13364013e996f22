import { Keyv } from "keyv";
import { systemClock, type Clock } from "../ports/clock.js";
import type { MediaBytes, TeamQueueCounts } from "../ports/conversation-store.js";
import type { LaneLease, LaneTake, WarmlineStore } from "../ports/outbox.js";
import type { ClaimIndexEntry, ConversationIndexEntry } from "./conversation-index.js";
import { DurableInbox, withInbox } from "./inbox-store.js";
import { KeyvConversationStore } from "./keyv-conversation-store.js";
import { MemoryInboxBackend } from "./memory-inbox.js";
import { MemoryLeases } from "./memory-leases.js";
import type {
  CommitAppends,
  ConversationWrite,
  OutboxRow,
  OutboxTake,
  OutboxWrite,
  StartRow,
  StoreBackend,
  StoredTranscript,
} from "./store-backend.js";
import { DOCUMENT_CODEC } from "./keyv-document-codec.js";

const NAMESPACE = "warmline";
/** Expired idempotency keys are swept once this many are held, so a long demo doesn't grow forever. */
const SEEN_SWEEP_SIZE = 10_000;

/** In-process store for tests and the demo. Nothing survives the process. */
export async function createMemoryStore(options: { clock?: Clock } = {}): Promise<WarmlineStore> {
  const clock = options.clock ?? systemClock;
  // One set of leases for the outbox's lanes and the inbox's, as the other backends keep them in one place.
  const leases = new MemoryLeases();
  const inbox = new DurableInbox(new MemoryInboxBackend(leases), clock);
  // In one process's memory: a conversation's commit completes the inbox entry it records in its own synchronous step.
  return withInbox(new KeyvConversationStore(new MemoryBackend(leases), clock, (completing) => inbox.completionStep(completing)), inbox);
}

/**
 * Every primitive runs synchronously between two awaits, so JavaScript's single thread makes each
 * check-and-set atomic without locks.
 */
class MemoryBackend implements StoreBackend {
  readonly location = "the in-memory store";
  readonly remedy = "this is a bug in Warmline, please report it";
  private readonly documents = new Map<string, string>();
  readonly keyv = new Keyv({
    store: this.documents,
    namespace: NAMESPACE,
    throwOnErrors: true,
    ...DOCUMENT_CODEC,
  });
  private readonly entries = new Map<string, ConversationIndexEntry>();
  private readonly versions = new Map<string, number>();
  /** Each conversation's transcript entries (JSON), kept apart from its document as the other backends do. */
  private readonly transcripts = new Map<string, string[]>();
  /** Conversation id → media id → bytes (base64). */
  private readonly media = new Map<string, Map<string, string>>();
  private readonly active = new Map<string, Set<string>>();
  private readonly byCustomer = new Map<string, Set<string>>();
  private readonly threads = new Map<string, string>();
  private readonly open = new Set<string>();
  /** Open conversations with a timersDueAt, and when. */
  private readonly due = new Map<string, number>();
  /** Per team, its open conversations: when each joined the queue, undefined once assigned. */
  private readonly queues = new Map<string, Map<string, number | undefined>>();
  /** Per team, the conversations whose latest claim was in it. */
  private readonly claims = new Map<string, Map<string, ClaimIndexEntry>>();
  private readonly audit = new Map<string, string[]>();
  private readonly seen = new Map<string, number>();
  /** Outbox rows by id; a Map keeps insertion (= seq) order. */
  private readonly outbox = new Map<string, OutboxRow>();
  /** Each lane's outbox ids, in seq order: a lane's head is looked for among its own items, not every lane's. */
  private readonly outboxLanes = new Map<string, Set<string>>();
  private outboxSeq = 0;

  constructor(private readonly leases: MemoryLeases) {}

  documentKey(conversationId: string): string {
    return `conv:${conversationId}`;
  }

  async insert(write: ConversationWrite): Promise<boolean> {
    const key = this.storageKey(write.id);
    if (this.documents.has(key)) return false;
    this.write(key, write);
    return true;
  }

  async compareAndSet(write: ConversationWrite, expectedVersion: number, appends: CommitAppends): Promise<boolean> {
    return this.commit(write, expectedVersion, appends);
  }

  async compareAndSetTakingLane(write: ConversationWrite, expectedVersion: number, appends: CommitAppends, take: OutboxTake) {
    return this.commit(write, expectedVersion, appends) ? this.takeLane(take) : undefined;
  }

  private commit(write: ConversationWrite, expectedVersion: number, appends: CommitAppends): boolean {
    if (this.versions.get(write.id) !== expectedVersion) return false;
    this.write(this.storageKey(write.id), write);
    this.appendOutbox(appends.outbox);
    if (appends.audit.length > 0) this.audit.set(write.id, [...(this.audit.get(write.id) ?? []), ...appends.audit]);
    const complete = appends.complete;
    if (complete) complete.done(this.completeItem(complete.id, complete.lane, complete.lease, complete.start));
    appends.inboxStep?.();
    return true;
  }

  async remove(conversationId: string, staleBefore?: number): Promise<boolean> {
    const entry = this.entries.get(conversationId);
    if (staleBefore !== undefined && (entry === undefined || entry.open || entry.updatedAt >= staleBefore)) return false;
    const existed = this.documents.delete(this.storageKey(conversationId));
    this.versions.delete(conversationId);
    this.transcripts.delete(conversationId);
    this.media.delete(conversationId);
    if (entry !== undefined) {
      this.unindex(entry);
      removeFrom(this.byCustomer, entry.customer, conversationId);
      this.entries.delete(conversationId);
    }
    this.audit.delete(conversationId);
    for (const id of this.outboxLanes.get(conversationId) ?? []) this.outbox.delete(id);
    this.outboxLanes.delete(conversationId);
    return existed;
  }

  async storedVersion(conversationId: string): Promise<number | undefined> {
    return this.versions.get(conversationId);
  }

  async saveMedia(conversationId: string, media: readonly MediaBytes[]): Promise<void> {
    if (!this.versions.has(conversationId)) return;
    const kept = this.media.get(conversationId) ?? new Map<string, string>();
    for (const { id, dataBase64 } of media) kept.set(id, dataBase64);
    this.media.set(conversationId, kept);
  }

  async loadMedia(conversationId: string, mediaId: string): Promise<string | undefined> {
    return this.media.get(conversationId)?.get(mediaId);
  }

  async loadTranscript(conversationId: string): Promise<StoredTranscript | undefined> {
    const version = this.versions.get(conversationId);
    return version === undefined ? undefined : { version, entries: [...(this.transcripts.get(conversationId) ?? [])] };
  }

  async activeIds(address: string): Promise<string[]> {
    return [...(this.active.get(address) ?? [])];
  }

  async threadVersion(thread: string): Promise<{ id: string; version: number | undefined } | undefined> {
    const id = this.threads.get(thread);
    return id === undefined ? undefined : { id, version: this.versions.get(id) };
  }

  async openIds(): Promise<string[]> {
    return [...this.open];
  }

  async idsUpdatedSince(since: number): Promise<string[]> {
    return [...this.entries.values()].filter((e) => e.updatedAt >= since).map((e) => e.id);
  }

  async staleIds(cutoff: number): Promise<string[]> {
    return [...this.entries.values()].filter((e) => !e.open && e.updatedAt < cutoff).map((e) => e.id);
  }

  async customerIds(address: string): Promise<string[]> {
    return [...(this.byCustomer.get(address) ?? [])];
  }

  async dueIds(now: number): Promise<string[]> {
    return [...this.due].filter(([, dueAt]) => dueAt <= now).map(([id]) => id);
  }

  async countQueued(team: string, upTo: number): Promise<number> {
    return [...(this.queues.get(team)?.values() ?? [])].filter((at) => at !== undefined && at <= upTo).length;
  }

  async teamCounts(): Promise<Record<string, TeamQueueCounts>> {
    const counts: Record<string, TeamQueueCounts> = {};
    for (const [team, members] of this.queues) {
      const queuedAt = [...members.values()].filter((at): at is number => at !== undefined);
      counts[team] = {
        queued: queuedAt.length,
        assigned: members.size - queuedAt.length,
        ...(queuedAt.length > 0 ? { oldestQueuedAt: Math.min(...queuedAt) } : {}),
      };
    }
    return counts;
  }

  async claimWaits(team: string, since: number, limit: number): Promise<number[]> {
    return [...(this.claims.get(team)?.values() ?? [])]
      .filter((claim) => claim.claimedAt >= since)
      .sort((a, b) => b.claimedAt - a.claimedAt)
      .slice(0, limit)
      .map((claim) => claim.waitedMs);
  }

  async outboxCount(): Promise<number> {
    return this.outbox.size;
  }

  async markSeen(key: string, now: number, expiresAt: number): Promise<boolean> {
    const until = this.seen.get(key);
    if (until !== undefined && until > now) return false;
    if (this.seen.size >= SEEN_SWEEP_SIZE) {
      for (const [seenKey, seenUntil] of this.seen) if (seenUntil <= now) this.seen.delete(seenKey);
    }
    this.seen.set(key, expiresAt);
    return true;
  }

  async seenUntil(key: string): Promise<number | undefined> {
    return this.seen.get(key);
  }

  async listAudit(conversationId: string): Promise<string[]> {
    return [...(this.audit.get(conversationId) ?? [])];
  }

  async outboxAppend(entries: OutboxWrite[]): Promise<void> {
    this.appendOutbox(entries);
  }

  async outboxHeads(lane?: string): Promise<OutboxRow[]> {
    const lanes = lane === undefined ? [...this.outboxLanes.keys()] : [lane];
    return lanes.flatMap((name) => this.outboxHead(name) ?? []);
  }

  async outboxTake(lane: string, lease: LaneLease, now: number, expiresAt: number, start?: StartRow): Promise<LaneTake<OutboxRow>> {
    return this.takeLane({ lane, lease, now, expiresAt, start });
  }

  private takeLane({ lane, lease, now, expiresAt, start }: OutboxTake): LaneTake<OutboxRow> {
    if (!this.leases.acquire(lease.name, lease.holder, now, expiresAt)) return { taken: false };
    return { taken: true, head: this.startHead(this.leases.headOrRelease(this.outboxHead(lane), lease), start) };
  }

  async outboxUpdate(entry: OutboxWrite): Promise<boolean> {
    return this.updateOutbox(entry);
  }

  private updateOutbox(entry: OutboxWrite): boolean {
    const row = this.outbox.get(entry.id);
    if (row === undefined) return false;
    this.outbox.set(entry.id, { ...entry, seq: row.seq });
    return true;
  }

  async outboxComplete(id: string, lane: string, lease: LaneLease, start?: StartRow): Promise<OutboxRow | undefined> {
    return this.completeItem(id, lane, lease, start);
  }

  private completeItem(id: string, lane: string, lease: LaneLease, start: StartRow | undefined): OutboxRow | undefined {
    this.deleteOutbox(id);
    return this.startHead(this.leases.headOrRelease(this.outboxHead(lane), lease), start);
  }

  /** The head a take read (a copy), after storing what `start` makes of it in the same step. */
  private startHead(head: OutboxRow | undefined, start: StartRow | undefined): OutboxRow | undefined {
    const started = head && start?.(head);
    if (started) this.updateOutbox(started);
    return head;
  }

  private outboxHead(lane: string): OutboxRow | undefined {
    for (const id of this.outboxLanes.get(lane) ?? []) {
      const row = this.outbox.get(id);
      if (row?.open) return { ...row };
    }
    return undefined;
  }

  private deleteOutbox(id: string): void {
    const row = this.outbox.get(id);
    if (row === undefined) return;
    this.outbox.delete(id);
    const ids = this.outboxLanes.get(row.lane);
    ids?.delete(id);
    if (ids?.size === 0) this.outboxLanes.delete(row.lane);
  }

  async outboxList(): Promise<OutboxRow[]> {
    return [...this.outbox.values()].map((row) => ({ ...row }));
  }

  async acquireLease(lane: string, holder: string, now: number, expiresAt: number): Promise<boolean> {
    return this.leases.acquire(lane, holder, now, expiresAt);
  }

  async renewLease(lane: string, holder: string, now: number, expiresAt: number): Promise<boolean> {
    return this.leases.renew(lane, holder, now, expiresAt);
  }

  async releaseLease(lane: string, holder: string): Promise<boolean> {
    return this.leases.release(lane, holder);
  }

  async leasedByOthers(lanes: string[], holder: string, now: number): Promise<string[]> {
    return this.leases.heldByOthers(lanes, holder, now);
  }

  async close(): Promise<void> {}

  private appendOutbox(entries: OutboxWrite[]): void {
    for (const entry of entries) {
      this.outbox.set(entry.id, { ...entry, seq: ++this.outboxSeq });
      let ids = this.outboxLanes.get(entry.lane);
      if (ids === undefined) this.outboxLanes.set(entry.lane, (ids = new Set()));
      ids.add(entry.id);
    }
  }

  private storageKey(conversationId: string): string {
    return `${NAMESPACE}:${this.documentKey(conversationId)}`;
  }

  private write(key: string, write: ConversationWrite): void {
    const previous = this.entries.get(write.id);
    if (previous !== undefined) {
      this.unindex(previous);
      if (previous.customer !== write.index.customer) removeFrom(this.byCustomer, previous.customer, write.id);
    }
    this.documents.set(key, write.document);
    this.versions.set(write.id, write.version);
    const transcript = write.transcript.replace ? [] : (this.transcripts.get(write.id) ?? []);
    for (const { position, entry } of write.transcript.changed) transcript[position] = entry;
    transcript.length = write.transcript.length;
    this.transcripts.set(write.id, transcript);
    this.entries.set(write.id, write.index);
    addTo(this.byCustomer, write.index.customer, write.id);
    if (write.index.active) addTo(this.active, write.index.customer, write.id);
    if (write.index.open) this.open.add(write.id);
    const { team, queuedAt, timersDueAt, lastClaim } = write.index;
    if (timersDueAt !== undefined) this.due.set(write.id, timersDueAt);
    if (team !== undefined) setIn(this.queues, team, write.id, queuedAt);
    if (lastClaim !== undefined) setIn(this.claims, lastClaim.team, write.id, lastClaim);
    for (const thread of write.index.threads) this.threads.set(thread, write.id);
  }

  private unindex(entry: ConversationIndexEntry): void {
    removeFrom(this.active, entry.customer, entry.id);
    this.open.delete(entry.id);
    this.due.delete(entry.id);
    if (entry.team !== undefined) deleteIn(this.queues, entry.team, entry.id);
    if (entry.lastClaim !== undefined) deleteIn(this.claims, entry.lastClaim.team, entry.id);
    for (const thread of entry.threads) {
      if (this.threads.get(thread) === entry.id) this.threads.delete(thread);
    }
  }
}

function addTo(index: Map<string, Set<string>>, key: string, id: string): void {
  const ids = index.get(key) ?? new Set<string>();
  ids.add(id);
  index.set(key, ids);
}

function removeFrom(index: Map<string, Set<string>>, key: string, id: string): void {
  const ids = index.get(key);
  if (ids === undefined) return;
  ids.delete(id);
  if (ids.size === 0) index.delete(key);
}

function setIn<T>(index: Map<string, Map<string, T>>, key: string, id: string, value: T): void {
  const members = index.get(key) ?? new Map<string, T>();
  members.set(id, value);
  index.set(key, members);
}

function deleteIn<T>(index: Map<string, Map<string, T>>, key: string, id: string): void {
  const members = index.get(key);
  if (members === undefined) return;
  members.delete(id);
  if (members.size === 0) index.delete(key);
}
