import { Keyv } from "keyv";
import { WarmlineError } from "../domain/errors.js";
import { systemClock, type Clock } from "../ports/clock.js";
import type { MediaBytes, TeamQueueCounts } from "../ports/conversation-store.js";
import type { Logger } from "../ports/logger.js";
import type { LaneLease, LaneTake, WarmlineStore } from "../ports/outbox.js";
import { DurableInbox, withInbox } from "./inbox-store.js";
import { KeyvConversationStore } from "./keyv-conversation-store.js";
import { connectionCheckpoints, startWalCheckpointer, type WalCheckpointer } from "./sqlite-checkpointer.js";
import { openSqliteConnection, type SqliteConnection } from "./sqlite-driver.js";
import { writeSqliteIndex } from "./sqlite-conversation-index.js";
import { SqliteGroupCommit } from "./sqlite-group-commit.js";
import { openSqliteInbox } from "./sqlite-inbox.js";
import { KEYV_TABLE, SqliteKeyvAdapter } from "./sqlite-keyv-adapter.js";
import { SqliteLeases } from "./sqlite-leases.js";
import { applySqliteSchema } from "./sqlite-schema.js";
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
/** How long a writer waits for another process's transaction before failing with SQLITE_BUSY. */
export const SQLITE_BUSY_TIMEOUT_MS = 5000;
/** Expired idempotency keys are deleted every this many markSeen calls. */
const SEEN_PRUNE_EVERY = 500;

/**
 * The embedded default: one SQLite file in WAL mode, shared safely by several processes, through
 * one synchronous connection (src/store/sqlite-driver.ts). Conversation documents live in keyv's
 * table and are read through keyv; our indexes live in tables beside it, written in the same
 * transaction as the document.
 */
export interface SqliteStoreOptions {
  file: string;
  clock?: Clock;
  logger?: Logger;
  /** Checkpoints on a worker thread (default). A reading command leaves them to the connection: no thread to start. */
  checkpointWorker?: boolean;
}

export async function createSqliteStore(options: SqliteStoreOptions): Promise<WarmlineStore> {
  const location = `SQLite file ${options.file}`;
  const remedy = "check that the directory exists and is writable, and that no other program holds the file";
  const cannotOpen = (error: unknown) =>
    new WarmlineError("store_unavailable", `Cannot open ${location} (${messageOf(error)}): ${remedy}.`, error);
  let connection: SqliteConnection;
  try {
    connection = await openSqliteConnection(options.file, { busyTimeoutMs: SQLITE_BUSY_TIMEOUT_MS });
  } catch (error) {
    throw cannotOpen(error);
  }
  let staleIndex = false;
  let backend: SqliteBackend | undefined;
  try {
    connection.exec("BEGIN IMMEDIATE");
    try {
      staleIndex = applySqliteSchema(connection);
      connection.exec("COMMIT");
    } catch (error) {
      connection.exec("ROLLBACK");
      throw error;
    }
    const keyv = new Keyv({
      store: new SqliteKeyvAdapter(connection),
      namespace: NAMESPACE,
      throwOnErrors: true,
      ...DOCUMENT_CODEC,
    });
    const clock = options.clock ?? systemClock;
    const logger = options.logger?.child({ component: "store", file: options.file });
    const checkpoints =
      options.checkpointWorker === false
        ? connectionCheckpoints()
        : startWalCheckpointer(options.file, connection, logger ? { logger } : {});
    const leases = new SqliteLeases(connection);
    backend = new SqliteBackend(keyv, connection, leases, checkpoints, location, remedy);
    const transaction = backend.transaction.bind(backend);
    const inbox = new DurableInbox(openSqliteInbox(connection, transaction, leases, location), clock);
    // On the one connection: a conversation's commit completes the inbox entry it records in its own transaction.
    const store = new KeyvConversationStore(backend, clock, (completing) => inbox.completionStep(completing));
    if (staleIndex) await store.reindex();
    return withInbox(store, inbox);
  } catch (error) {
    // Closing the backend stops its checkpoint worker too.
    if (backend !== undefined) await backend.close();
    else connection.close();
    throw cannotOpen(error);
  }
}

class SqliteBackend implements StoreBackend {
  private seenCalls = 0;
  private closed = false;
  private readonly commits: SqliteGroupCommit;

  constructor(
    readonly keyv: Keyv,
    private readonly db: SqliteConnection,
    private readonly leases: SqliteLeases,
    private readonly checkpoints: WalCheckpointer,
    readonly location: string,
    readonly remedy: string,
  ) {
    this.commits = new SqliteGroupCommit(db, checkpoints);
  }

  documentKey(conversationId: string): string {
    return `conv:${conversationId}`;
  }

  async insert(write: ConversationWrite): Promise<boolean> {
    return this.transaction(() => {
      const inserted = this.returns(
        `INSERT INTO ${KEYV_TABLE}(key, value) VALUES(?, ?) ON CONFLICT(key) DO NOTHING RETURNING key`,
        this.storageKey(write.id),
        write.document,
      );
      if (inserted) {
        writeSqliteIndex(this.db, write);
        this.writeTranscript(write);
      }
      return inserted;
    });
  }

  async compareAndSet(write: ConversationWrite, expectedVersion: number, appends: CommitAppends): Promise<boolean> {
    return this.transaction(() => this.commit(write, expectedVersion, appends));
  }

  async compareAndSetTakingLane(write: ConversationWrite, expectedVersion: number, appends: CommitAppends, take: OutboxTake) {
    // One group-commit write: the lane is taken in the commit's own transaction.
    return this.transaction(() => (this.commit(write, expectedVersion, appends) ? this.takeLane(take) : undefined));
  }

  /** compareAndSet inside the caller's transaction; true when it won. */
  private commit(write: ConversationWrite, expectedVersion: number, appends: CommitAppends): boolean {
    // An UPDATE, not an upsert: a CAS must never resurrect a forgotten conversation. The version is read from the
    // index row, written with the document in the same transaction (one index seek, not a parse of the whole
    // document); a file from before the version column has NULL there until its next write, so the document says.
    const updated = this.returns(
      `UPDATE ${KEYV_TABLE} SET value = ? WHERE key = ?
         AND coalesce((SELECT version FROM warmline_conversation WHERE id = ?), json_extract(value, '$.value.version')) = ?
       RETURNING key`,
      write.document,
      this.storageKey(write.id),
      write.id,
      expectedVersion,
    );
    if (updated) {
      writeSqliteIndex(this.db, write);
      this.writeTranscript(write);
      this.insertOutbox(appends.outbox);
      for (const event of appends.audit) this.db.run("INSERT INTO warmline_audit(conversation_id, event) VALUES(?, ?)", write.id, event);
      const complete = appends.complete;
      if (complete) complete.done(this.completeItem(complete.id, complete.lane, complete.lease, complete.start));
      appends.inboxStep?.();
    }
    return updated;
  }

  async remove(conversationId: string, staleBefore?: number): Promise<boolean> {
    return this.transaction(() => {
      if (
        staleBefore !== undefined &&
        !this.db.get("SELECT id FROM warmline_conversation WHERE id = ? AND open = 0 AND updated_at < ?", conversationId, staleBefore)
      ) {
        return false;
      }
      const existed = this.returns(`DELETE FROM ${KEYV_TABLE} WHERE key = ? RETURNING key`, this.storageKey(conversationId));
      this.db.run("DELETE FROM warmline_conversation WHERE id = ?", conversationId);
      this.db.run("DELETE FROM warmline_transcript WHERE conversation_id = ?", conversationId);
      this.db.run("DELETE FROM warmline_media WHERE conversation_id = ?", conversationId);
      this.db.run("DELETE FROM warmline_thread WHERE conversation_id = ?", conversationId);
      this.db.run("DELETE FROM warmline_audit WHERE conversation_id = ?", conversationId);
      this.db.run("DELETE FROM warmline_outbox WHERE lane = ?", conversationId);
      return existed;
    });
  }

  async storedVersion(conversationId: string): Promise<number | undefined> {
    return this.versionOf(conversationId);
  }

  async saveMedia(conversationId: string, media: readonly MediaBytes[]): Promise<void> {
    await this.transaction(() => {
      for (const { id, dataBase64 } of media)
        this.db.run(
          `INSERT INTO warmline_media(conversation_id, id, data) SELECT ?, ?, ? WHERE EXISTS (SELECT 1 FROM warmline_conversation WHERE id = ?)
             ON CONFLICT(conversation_id, id) DO UPDATE SET data = excluded.data`,
          conversationId,
          id,
          dataBase64,
          conversationId,
        );
    });
  }

  async loadMedia(conversationId: string, mediaId: string): Promise<string | undefined> {
    return this.db.get<{ data: string }>("SELECT data FROM warmline_media WHERE conversation_id = ? AND id = ?", conversationId, mediaId)
      ?.data;
  }

  async loadTranscript(conversationId: string): Promise<StoredTranscript | undefined> {
    // One read transaction: the version and the rows come from the same snapshot, whoever writes meanwhile.
    this.db.run("BEGIN");
    try {
      const version = this.versionOf(conversationId);
      if (version === undefined) return undefined;
      const rows = this.db.all<{ entry: string }>(
        "SELECT entry FROM warmline_transcript WHERE conversation_id = ? ORDER BY position",
        conversationId,
      );
      return { version, entries: rows.map((row) => row.entry) };
    } finally {
      this.db.run("COMMIT");
    }
  }

  async activeIds(address: string): Promise<string[]> {
    return this.ids("SELECT id FROM warmline_conversation WHERE customer = ? AND active = 1", address);
  }

  /** The thread's conversation and its version in one statement: an agent's reply to a hot conversation reads nothing else. */
  async threadVersion(thread: string): Promise<{ id: string; version: number | undefined } | undefined> {
    const found = this.db.get<{ id: string; version: number | null }>(
      "SELECT t.conversation_id AS id, c.version AS version FROM warmline_thread AS t LEFT JOIN warmline_conversation AS c ON c.id = t.conversation_id WHERE t.thread = ?",
      thread,
    );
    return found && { id: found.id, version: found.version ?? undefined };
  }

  async openIds(): Promise<string[]> {
    return this.ids("SELECT id FROM warmline_conversation WHERE open = 1");
  }

  async idsUpdatedSince(since: number): Promise<string[]> {
    return this.ids("SELECT id FROM warmline_conversation WHERE updated_at >= ?", since);
  }

  async staleIds(cutoff: number): Promise<string[]> {
    return this.ids("SELECT id FROM warmline_conversation WHERE open = 0 AND updated_at < ?", cutoff);
  }

  async customerIds(address: string): Promise<string[]> {
    return this.ids("SELECT id FROM warmline_conversation WHERE customer = ?", address);
  }

  async markSeen(key: string, now: number, expiresAt: number): Promise<boolean> {
    const prune = ++this.seenCalls % SEEN_PRUNE_EVERY === 0;
    return this.transaction(() => {
      if (prune) this.db.run("DELETE FROM warmline_seen WHERE expires_at <= ?", now);
      // One statement: inserts a new key, or takes over an expired one; RETURNING says which happened.
      return this.returns(
        `INSERT INTO warmline_seen(key, expires_at) VALUES(?, ?)
         ON CONFLICT(key) DO UPDATE SET expires_at = excluded.expires_at WHERE warmline_seen.expires_at <= ?
         RETURNING key`,
        key,
        expiresAt,
        now,
      );
    });
  }

  async seenUntil(key: string): Promise<number | undefined> {
    const row = this.db.get<{ expires_at: number }>("SELECT expires_at FROM warmline_seen WHERE key = ?", key);
    return row === undefined ? undefined : Number(row.expires_at);
  }

  async listAudit(conversationId: string): Promise<string[]> {
    const rows = this.db.all<{ event: string }>("SELECT event FROM warmline_audit WHERE conversation_id = ? ORDER BY seq", conversationId);
    return rows.map((row) => row.event);
  }

  async outboxAppend(entries: OutboxWrite[]): Promise<void> {
    await this.transaction(() => this.insertOutbox(entries));
  }

  async outboxHeads(lane?: string): Promise<OutboxRow[]> {
    if (lane !== undefined) {
      const head = this.outboxHead(lane);
      return head === undefined ? [] : [head];
    }
    // SQLite returns the row holding MIN(seq) for each group's bare columns.
    const rows = this.db.all<SqliteOutboxRow>(
      "SELECT MIN(seq) AS seq, id, lane, open, document FROM warmline_outbox WHERE open = 1 GROUP BY lane",
    );
    return rows.map(outboxRowOf);
  }

  async outboxUpdate(entry: OutboxWrite): Promise<boolean> {
    return this.transaction(() => this.updateOutbox(entry));
  }

  /** outboxUpdate inside the caller's transaction. */
  private updateOutbox(entry: OutboxWrite): boolean {
    const open = entry.open ? 1 : 0;
    // Setting `open` rewrites the lane index's entry even when it stays (marking an item in flight keeps it open):
    // the document alone when the flag is the stored one, the flag too only when not.
    return (
      this.returns("UPDATE warmline_outbox SET document = ? WHERE id = ? AND open = ? RETURNING id", entry.document, entry.id, open) ||
      this.returns("UPDATE warmline_outbox SET open = ?, document = ? WHERE id = ? RETURNING id", open, entry.document, entry.id)
    );
  }

  async outboxTake(lane: string, lease: LaneLease, now: number, expiresAt: number, start?: StartRow): Promise<LaneTake<OutboxRow>> {
    return this.transaction(() => this.takeLane({ lane, lease, now, expiresAt, start }));
  }

  /** outboxTake inside the caller's transaction. */
  private takeLane({ lane, lease, now, expiresAt, start }: OutboxTake): LaneTake<OutboxRow> {
    if (!this.leases.acquire(lease.name, lease.holder, now, expiresAt)) return { taken: false };
    return { taken: true, head: this.startHead(this.leases.headOrRelease(this.outboxHead(lane), lease), start) };
  }

  async outboxComplete(id: string, lane: string, lease: LaneLease, start?: StartRow): Promise<OutboxRow | undefined> {
    return this.transaction(() => this.completeItem(id, lane, lease, start));
  }

  /** outboxComplete inside the caller's transaction. */
  private completeItem(id: string, lane: string, lease: LaneLease, start: StartRow | undefined): OutboxRow | undefined {
    this.db.run("DELETE FROM warmline_outbox WHERE id = ?", id);
    return this.startHead(this.leases.headOrRelease(this.outboxHead(lane), lease), start);
  }

  /** The head a take read, after writing what `start` makes of it in the same transaction. */
  private startHead(head: OutboxRow | undefined, start: StartRow | undefined): OutboxRow | undefined {
    const started = head && start?.(head);
    if (started) this.updateOutbox(started);
    return head;
  }

  private outboxHead(lane: string): OutboxRow | undefined {
    // One index seek, not a walk over the lane's waiting items for every item delivered.
    const head = this.db.get<SqliteOutboxRow>(
      "SELECT seq, id, lane, open, document FROM warmline_outbox WHERE lane = ? AND open = 1 ORDER BY seq LIMIT 1",
      lane,
    );
    return head === undefined ? undefined : outboxRowOf(head);
  }

  async outboxList(): Promise<OutboxRow[]> {
    return this.db.all<SqliteOutboxRow>("SELECT seq, id, lane, open, document FROM warmline_outbox ORDER BY seq").map(outboxRowOf);
  }

  async acquireLease(lane: string, holder: string, now: number, expiresAt: number): Promise<boolean> {
    return this.transaction(() => this.leases.acquire(lane, holder, now, expiresAt));
  }

  async renewLease(lane: string, holder: string, now: number, expiresAt: number): Promise<boolean> {
    return this.transaction(() => this.leases.renew(lane, holder, now, expiresAt));
  }

  async releaseLease(lane: string, holder: string): Promise<boolean> {
    return this.transaction(() => this.leases.release(lane, holder));
  }

  async leasedByOthers(lanes: string[], holder: string, now: number): Promise<string[]> {
    return this.leases.heldByOthers(lanes, holder, now);
  }

  async dueIds(now: number): Promise<string[]> {
    return this.ids("SELECT id FROM warmline_conversation WHERE timers_due_at <= ?", now);
  }

  async countQueued(team: string, upTo: number): Promise<number> {
    return Number(
      this.db.get<{ queued: number }>("SELECT COUNT(*) AS queued FROM warmline_conversation WHERE team = ? AND queued_at <= ?", team, upTo)
        ?.queued ?? 0,
    );
  }

  async teamCounts(): Promise<Record<string, TeamQueueCounts>> {
    // A row per team (kept by triggers), and the oldest wait from the front of the team's index.
    const rows = this.db.all<{ team: string; queued: number; assigned: number; oldest: number | null }>(
      `SELECT team, queued, assigned,
         (SELECT MIN(queued_at) FROM warmline_conversation c WHERE c.team = t.team AND c.queued_at IS NOT NULL) AS oldest
       FROM warmline_team_count t WHERE queued + assigned > 0`,
    );
    return Object.fromEntries(
      rows.map((row) => [
        row.team,
        {
          queued: Number(row.queued),
          assigned: Number(row.assigned),
          ...(row.oldest !== null ? { oldestQueuedAt: Number(row.oldest) } : {}),
        },
      ]),
    );
  }

  async claimWaits(team: string, since: number, limit: number): Promise<number[]> {
    return this.db
      .all<{ claim_wait_ms: number }>(
        "SELECT claim_wait_ms FROM warmline_conversation WHERE claim_team = ? AND claimed_at >= ? ORDER BY claimed_at DESC LIMIT ?",
        team,
        since,
        limit,
      )
      .map((row) => Number(row.claim_wait_ms));
  }

  async outboxCount(): Promise<number> {
    return Number(this.db.get<{ items: number }>("SELECT COUNT(*) AS items FROM warmline_outbox")?.items ?? 0);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Writes already issued are committed first; their callers are waiting for them.
    this.commits.flush();
    // The worker is asked to stop first but its connection usually closes after this one, and the last connection
    // to close checkpoints and removes the WAL: that final checkpoint then runs off this thread too.
    const stopped = this.checkpoints.close();
    this.db.close();
    await stopped;
  }

  /** Runs `write` in this tick's transaction; resolves once it is committed. `write` may run twice: it must only touch the database (see SqliteGroupCommit). */
  transaction<T>(write: () => T): Promise<T> {
    return this.commits.run(write);
  }

  private storageKey(conversationId: string): string {
    return `${NAMESPACE}:${this.documentKey(conversationId)}`;
  }

  private versionOf(conversationId: string): number | undefined {
    return (
      this.db.get<{ version: number | null }>("SELECT version FROM warmline_conversation WHERE id = ?", conversationId)?.version ??
      undefined
    );
  }

  private writeTranscript({ id, transcript }: ConversationWrite): void {
    if (transcript.replace) this.db.run("DELETE FROM warmline_transcript WHERE conversation_id = ?", id);
    for (const { position, entry } of transcript.changed) {
      this.db.run(
        `INSERT INTO warmline_transcript(conversation_id, position, entry) VALUES(?, ?, ?)
         ON CONFLICT(conversation_id, position) DO UPDATE SET entry = excluded.entry`,
        id,
        position,
        entry,
      );
    }
    this.db.run("DELETE FROM warmline_transcript WHERE conversation_id = ? AND position >= ?", id, transcript.length);
  }

  private insertOutbox(entries: OutboxWrite[]): void {
    for (const entry of entries) {
      this.db.run(
        "INSERT INTO warmline_outbox(id, lane, open, document) VALUES(?, ?, ?, ?)",
        entry.id,
        entry.lane,
        entry.open ? 1 : 0,
        entry.document,
      );
    }
  }

  /** Runs a statement with RETURNING; true if it returned a row. */
  private returns(sql: string, ...parameters: (string | number)[]): boolean {
    return this.db.get(sql, ...parameters) !== undefined;
  }

  private ids(sql: string, ...parameters: (string | number)[]): string[] {
    return this.db.all<{ id: string }>(sql, ...parameters).map((row) => row.id);
  }
}

interface SqliteOutboxRow {
  seq: number;
  id: string;
  lane: string;
  open: number;
  document: string;
}

function outboxRowOf(row: SqliteOutboxRow): OutboxRow {
  return { seq: Number(row.seq), id: row.id, lane: row.lane, open: Number(row.open) === 1, document: row.document };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
