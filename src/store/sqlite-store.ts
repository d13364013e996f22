import { KeyvSqlite } from "@keyv/sqlite";
import { Keyv } from "keyv";
import { WarmlineError } from "../domain/errors.js";
import { systemClock, type Clock } from "../ports/clock.js";
import type { TeamQueueCounts } from "../ports/conversation-store.js";
import type { WarmlineStore } from "../ports/outbox.js";
import { DurableInbox, withInbox } from "./inbox-store.js";
import { KeyvConversationStore } from "./keyv-conversation-store.js";
import { openSqliteInbox } from "./sqlite-inbox.js";
import type { CommitAppends, ConversationWrite, OutboxRow, OutboxWrite, StoreBackend } from "./store-backend.js";

const NAMESPACE = "warmline";
/** @keyv/sqlite's table; its rows are `(key, value)` with keyv's serialised `{"value":…}` record. */
const KEYV_TABLE = "keyv";
/** How long a writer waits for another process's transaction before failing with SQLITE_BUSY. */
export const SQLITE_BUSY_TIMEOUT_MS = 5000;
/** Expired idempotency keys are deleted every this many markSeen calls. */
const SEEN_PRUNE_EVERY = 500;

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS ${KEYV_TABLE}(key VARCHAR(255) PRIMARY KEY, value TEXT)`,
  `CREATE TABLE IF NOT EXISTS warmline_conversation(
     id TEXT PRIMARY KEY, customer TEXT NOT NULL, active INTEGER NOT NULL, open INTEGER NOT NULL, updated_at INTEGER NOT NULL)`,
  `CREATE INDEX IF NOT EXISTS warmline_conversation_customer ON warmline_conversation(customer, active)`,
  `CREATE INDEX IF NOT EXISTS warmline_conversation_updated ON warmline_conversation(updated_at)`,
  `CREATE INDEX IF NOT EXISTS warmline_conversation_open ON warmline_conversation(open)`,
  `CREATE TABLE IF NOT EXISTS warmline_thread(thread TEXT PRIMARY KEY, conversation_id TEXT NOT NULL)`,
  `CREATE INDEX IF NOT EXISTS warmline_thread_conversation ON warmline_thread(conversation_id)`,
  `CREATE TABLE IF NOT EXISTS warmline_audit(
     seq INTEGER PRIMARY KEY AUTOINCREMENT, conversation_id TEXT NOT NULL, event TEXT NOT NULL)`,
  `CREATE INDEX IF NOT EXISTS warmline_audit_conversation ON warmline_audit(conversation_id, seq)`,
  `CREATE TABLE IF NOT EXISTS warmline_seen(key TEXT PRIMARY KEY, expires_at INTEGER NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS warmline_outbox(
     seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, lane TEXT NOT NULL, open INTEGER NOT NULL, document TEXT NOT NULL)`,
  `CREATE INDEX IF NOT EXISTS warmline_outbox_lane ON warmline_outbox(lane, open, seq)`,
  `CREATE TABLE IF NOT EXISTS warmline_lease(lane TEXT PRIMARY KEY, holder TEXT NOT NULL, expires_at INTEGER NOT NULL)`,
];

/**
 * The index columns the tick, the queue and the counts read (ConversationIndexEntry), added to files
 * made before them; such a file is re-indexed from its documents once, when they are added.
 */
const QUEUE_COLUMNS = {
  state: "TEXT",
  team: "TEXT",
  queued_at: "INTEGER",
  timers_due_at: "INTEGER",
  claim_team: "TEXT",
  claimed_at: "INTEGER",
  claim_wait_ms: "INTEGER",
} as const;
/** Only open conversations have timers_due_at and team, and only queued ones queued_at, so these stay small. */
const QUEUE_INDEXES = [
  `CREATE INDEX IF NOT EXISTS warmline_conversation_due ON warmline_conversation(timers_due_at) WHERE timers_due_at IS NOT NULL`,
  `CREATE INDEX IF NOT EXISTS warmline_conversation_team ON warmline_conversation(team, queued_at) WHERE team IS NOT NULL`,
  `CREATE INDEX IF NOT EXISTS warmline_conversation_claims ON warmline_conversation(claim_team, claimed_at) WHERE claim_team IS NOT NULL`,
];

/**
 * Open conversations per team, kept by triggers in the statement that changes a row's team or
 * queued_at, so teamCounts reads a row per team instead of walking the index of every open one.
 */
const TEAM_COUNTS = [
  `CREATE TABLE IF NOT EXISTS warmline_team_count(team TEXT PRIMARY KEY, queued INTEGER NOT NULL, assigned INTEGER NOT NULL)`,
  `CREATE TRIGGER IF NOT EXISTS warmline_team_count_insert AFTER INSERT ON warmline_conversation WHEN new.team IS NOT NULL BEGIN
     INSERT INTO warmline_team_count(team, queued, assigned) VALUES(new.team, new.queued_at IS NOT NULL, new.queued_at IS NULL)
       ON CONFLICT(team) DO UPDATE SET queued = queued + excluded.queued, assigned = assigned + excluded.assigned;
   END`,
  `CREATE TRIGGER IF NOT EXISTS warmline_team_count_delete AFTER DELETE ON warmline_conversation WHEN old.team IS NOT NULL BEGIN
     UPDATE warmline_team_count SET queued = queued - (old.queued_at IS NOT NULL), assigned = assigned - (old.queued_at IS NULL)
       WHERE team = old.team;
   END`,
  `CREATE TRIGGER IF NOT EXISTS warmline_team_count_update AFTER UPDATE OF team, queued_at ON warmline_conversation
     WHEN old.team IS NOT new.team OR (old.queued_at IS NULL) IS NOT (new.queued_at IS NULL) BEGIN
     UPDATE warmline_team_count SET queued = queued - (old.queued_at IS NOT NULL), assigned = assigned - (old.queued_at IS NULL)
       WHERE team = old.team;
     INSERT INTO warmline_team_count(team, queued, assigned) SELECT new.team, new.queued_at IS NOT NULL, new.queued_at IS NULL
       WHERE new.team IS NOT NULL
       ON CONFLICT(team) DO UPDATE SET queued = queued + excluded.queued, assigned = assigned + excluded.assigned;
   END`,
];

/**
 * Adds the missing QUEUE_COLUMNS, their indexes and the team counts; true when a file with
 * conversations lacked the columns. The counts are recounted from the index once per open, in one
 * transaction, so they are right whatever wrote the file before.
 */
async function addQueueColumns(writer: KeyvSqlite): Promise<boolean> {
  const present = new Set(((await writer.query("PRAGMA table_info(warmline_conversation)")) as { name: string }[]).map((c) => c.name));
  const missing = Object.entries(QUEUE_COLUMNS).filter(([name]) => !present.has(name));
  for (const [name, type] of missing) await writer.query(`ALTER TABLE warmline_conversation ADD COLUMN ${name} ${type}`);
  for (const statement of [...QUEUE_INDEXES, ...TEAM_COUNTS]) await writer.query(statement);
  await writer.query("BEGIN IMMEDIATE");
  try {
    await writer.query("DELETE FROM warmline_team_count");
    await writer.query(
      `INSERT INTO warmline_team_count(team, queued, assigned) SELECT team, COUNT(queued_at), COUNT(*) - COUNT(queued_at)
       FROM warmline_conversation WHERE team IS NOT NULL GROUP BY team`,
    );
    await writer.query("COMMIT");
  } catch (error) {
    await writer.query("ROLLBACK").catch(() => {});
    throw error;
  }
  const rows = (await writer.query("SELECT EXISTS(SELECT 1 FROM warmline_conversation) AS found")) as { found: number }[];
  return missing.length > 0 && Number(rows[0]?.found) === 1;
}

/**
 * The embedded default: one SQLite file in WAL mode, shared safely by several processes.
 * Conversation documents live in keyv's table; our indexes live in tables beside it, written in the
 * same transaction as the document.
 */
export async function createSqliteStore(options: { file: string; clock?: Clock }): Promise<WarmlineStore> {
  const location = `SQLite file ${options.file}`;
  const remedy = "check that the directory exists and is writable, and that no other program holds the file";
  // Writes get their own connection, so keyv's reads never run inside one of our transactions.
  const writer = new KeyvSqlite({ uri: `sqlite://${options.file}`, busyTimeout: SQLITE_BUSY_TIMEOUT_MS });
  // Failures reach us as rejected queries; without a listener EventEmitter would throw instead.
  writer.on("error", () => {});
  let staleIndex = false;
  try {
    await writer.query("PRAGMA journal_mode = WAL");
    for (const statement of SCHEMA) await writer.query(statement);
    staleIndex = await addQueueColumns(writer);
  } catch (error) {
    await writer.close().catch(() => {});
    throw new WarmlineError("store_unavailable", `Cannot open ${location} (${messageOf(error)}): ${remedy}.`, error);
  }
  const reader = new KeyvSqlite({ uri: `sqlite://${options.file}`, busyTimeout: SQLITE_BUSY_TIMEOUT_MS });
  const keyv = new Keyv({ store: reader, namespace: NAMESPACE, throwOnErrors: true });
  const clock = options.clock ?? systemClock;
  const backend = new SqliteBackend(keyv, reader, writer, location, remedy);
  const store = new KeyvConversationStore(backend, clock);
  try {
    if (staleIndex) await store.reindex();
    const inbox = await openSqliteInbox(
      (sql, ...parameters) => backend.exclusive(() => writer.query(sql, ...parameters) as Promise<unknown[]>),
      location,
    );
    return withInbox(store, new DurableInbox(inbox, clock));
  } catch (error) {
    await store.close().catch(() => {});
    throw new WarmlineError("store_unavailable", `Cannot open ${location} (${messageOf(error)}): ${remedy}.`, error);
  }
}

class SqliteBackend implements StoreBackend {
  /** One transaction at a time on the writer connection; other processes wait on SQLite's lock. */
  private queue: Promise<unknown> = Promise.resolve();
  private seenCalls = 0;

  constructor(
    readonly keyv: Keyv,
    private readonly reader: KeyvSqlite,
    private readonly writer: KeyvSqlite,
    readonly location: string,
    readonly remedy: string,
  ) {}

  documentKey(conversationId: string): string {
    return `conv:${conversationId}`;
  }

  async insert(write: ConversationWrite): Promise<boolean> {
    return this.transaction(async () => {
      const inserted = await this.write(
        `INSERT INTO ${KEYV_TABLE}(key, value) VALUES(?, ?) ON CONFLICT(key) DO NOTHING RETURNING key`,
        this.storageKey(write.id),
        write.document,
      );
      if (inserted) await this.index(write);
      return inserted;
    });
  }

  async compareAndSet(write: ConversationWrite, expectedVersion: number, appends: CommitAppends): Promise<boolean> {
    return this.transaction(async () => {
      // An UPDATE, not an upsert: a CAS must never resurrect a forgotten conversation.
      const updated = await this.write(
        `UPDATE ${KEYV_TABLE} SET value = ? WHERE key = ? AND json_extract(value, '$.value.version') = ? RETURNING key`,
        write.document,
        this.storageKey(write.id),
        expectedVersion,
      );
      if (updated) {
        await this.index(write);
        await this.insertOutbox(appends.outbox);
        for (const event of appends.audit) {
          await this.writer.query("INSERT INTO warmline_audit(conversation_id, event) VALUES(?, ?)", write.id, event);
        }
      }
      return updated;
    });
  }

  async remove(conversationId: string, staleBefore?: number): Promise<boolean> {
    return this.transaction(async () => {
      if (staleBefore !== undefined) {
        const stale = await this.write(
          "SELECT id FROM warmline_conversation WHERE id = ? AND open = 0 AND updated_at < ?",
          conversationId,
          staleBefore,
        );
        if (!stale) return false;
      }
      const existed = await this.write(`DELETE FROM ${KEYV_TABLE} WHERE key = ? RETURNING key`, this.storageKey(conversationId));
      await this.writer.query("DELETE FROM warmline_conversation WHERE id = ?", conversationId);
      await this.writer.query("DELETE FROM warmline_thread WHERE conversation_id = ?", conversationId);
      await this.writer.query("DELETE FROM warmline_audit WHERE conversation_id = ?", conversationId);
      await this.writer.query("DELETE FROM warmline_outbox WHERE lane = ?", conversationId);
      return existed;
    });
  }

  async activeIds(address: string): Promise<string[]> {
    return this.ids("SELECT id FROM warmline_conversation WHERE customer = ? AND active = 1", address);
  }

  async threadId(thread: string): Promise<string | undefined> {
    const rows = (await this.reader.query("SELECT conversation_id FROM warmline_thread WHERE thread = ?", thread)) as {
      conversation_id: string;
    }[];
    return rows[0]?.conversation_id;
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
    return this.exclusive(async () => {
      if (++this.seenCalls % SEEN_PRUNE_EVERY === 0) {
        await this.writer.query("DELETE FROM warmline_seen WHERE expires_at <= ?", now);
      }
      // One statement: inserts a new key, or takes over an expired one; RETURNING says which happened.
      return this.write(
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
    const rows = (await this.reader.query("SELECT expires_at FROM warmline_seen WHERE key = ?", key)) as { expires_at: number }[];
    return rows[0] === undefined ? undefined : Number(rows[0].expires_at);
  }

  async listAudit(conversationId: string): Promise<string[]> {
    const rows = (await this.reader.query("SELECT event FROM warmline_audit WHERE conversation_id = ? ORDER BY seq", conversationId)) as {
      event: string;
    }[];
    return rows.map((row) => row.event);
  }

  async outboxAppend(entries: OutboxWrite[]): Promise<void> {
    await this.transaction(() => this.insertOutbox(entries));
  }

  async outboxHeads(lane?: string): Promise<OutboxRow[]> {
    // SQLite returns the row holding MIN(seq) for each group's bare columns.
    const rows = (await this.reader.query(
      `SELECT MIN(seq) AS seq, id, lane, open, document FROM warmline_outbox WHERE open = 1 ${lane === undefined ? "" : "AND lane = ?"} GROUP BY lane`,
      ...(lane === undefined ? [] : [lane]),
    )) as SqliteOutboxRow[];
    return rows.map(outboxRowOf);
  }

  async outboxUpdate(entry: OutboxWrite): Promise<boolean> {
    return this.exclusive(() =>
      this.write(
        "UPDATE warmline_outbox SET open = ?, document = ? WHERE id = ? RETURNING id",
        entry.open ? 1 : 0,
        entry.document,
        entry.id,
      ),
    );
  }

  async outboxDelete(id: string): Promise<void> {
    await this.exclusive(() => this.writer.query("DELETE FROM warmline_outbox WHERE id = ?", id));
  }

  async outboxList(): Promise<OutboxRow[]> {
    const rows = (await this.reader.query("SELECT seq, id, lane, open, document FROM warmline_outbox ORDER BY seq")) as SqliteOutboxRow[];
    return rows.map(outboxRowOf);
  }

  async acquireLease(lane: string, holder: string, now: number, expiresAt: number): Promise<boolean> {
    // One statement: takes a free lane, an expired lease or the holder's own; RETURNING says whether it did.
    return this.exclusive(() =>
      this.write(
        `INSERT INTO warmline_lease(lane, holder, expires_at) VALUES(?, ?, ?)
         ON CONFLICT(lane) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
           WHERE warmline_lease.holder = excluded.holder OR warmline_lease.expires_at <= ?
         RETURNING lane`,
        lane,
        holder,
        expiresAt,
        now,
      ),
    );
  }

  async renewLease(lane: string, holder: string, now: number, expiresAt: number): Promise<boolean> {
    return this.exclusive(() =>
      this.write(
        "UPDATE warmline_lease SET expires_at = ? WHERE lane = ? AND holder = ? AND expires_at > ? RETURNING lane",
        expiresAt,
        lane,
        holder,
        now,
      ),
    );
  }

  async releaseLease(lane: string, holder: string): Promise<boolean> {
    return this.exclusive(() => this.write("DELETE FROM warmline_lease WHERE lane = ? AND holder = ? RETURNING lane", lane, holder));
  }

  async dueIds(now: number): Promise<string[]> {
    return this.ids("SELECT id FROM warmline_conversation WHERE timers_due_at <= ?", now);
  }

  async countQueued(team: string, upTo: number): Promise<number> {
    const rows = (await this.reader.query(
      "SELECT COUNT(*) AS queued FROM warmline_conversation WHERE team = ? AND queued_at <= ?",
      team,
      upTo,
    )) as { queued: number }[];
    return Number(rows[0]?.queued ?? 0);
  }

  async teamCounts(): Promise<Record<string, TeamQueueCounts>> {
    // A row per team (kept by triggers), and the oldest wait from the front of the team's index.
    const rows = (await this.reader.query(
      `SELECT team, queued, assigned,
         (SELECT MIN(queued_at) FROM warmline_conversation c WHERE c.team = t.team AND c.queued_at IS NOT NULL) AS oldest
       FROM warmline_team_count t WHERE queued + assigned > 0`,
    )) as { team: string; queued: number; assigned: number; oldest: number | null }[];
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
    const rows = (await this.reader.query(
      "SELECT claim_wait_ms FROM warmline_conversation WHERE claim_team = ? AND claimed_at >= ? ORDER BY claimed_at DESC LIMIT ?",
      team,
      since,
      limit,
    )) as { claim_wait_ms: number }[];
    return rows.map((row) => Number(row.claim_wait_ms));
  }

  async outboxCount(): Promise<number> {
    const rows = (await this.reader.query("SELECT COUNT(*) AS items FROM warmline_outbox")) as { items: number }[];
    return Number(rows[0]?.items ?? 0);
  }

  async close(): Promise<void> {
    await this.queue.catch(() => {});
    await Promise.all([this.keyv.disconnect(), this.writer.close()]);
  }

  private storageKey(conversationId: string): string {
    return `${NAMESPACE}:${this.documentKey(conversationId)}`;
  }

  private async index(write: ConversationWrite): Promise<void> {
    const { id, customer, active, open, threads, updatedAt, state, team, queuedAt, timersDueAt, lastClaim } = write.index;
    await this.writer.query(
      `INSERT INTO warmline_conversation(id, customer, active, open, updated_at,
         state, team, queued_at, timers_due_at, claim_team, claimed_at, claim_wait_ms) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(id) DO UPDATE SET customer = excluded.customer, active = excluded.active,
         open = excluded.open, updated_at = excluded.updated_at, state = excluded.state, team = excluded.team,
         queued_at = excluded.queued_at, timers_due_at = excluded.timers_due_at, claim_team = excluded.claim_team,
         claimed_at = excluded.claimed_at, claim_wait_ms = excluded.claim_wait_ms`,
      id,
      customer,
      active ? 1 : 0,
      open ? 1 : 0,
      updatedAt,
      state,
      team ?? null,
      queuedAt ?? null,
      timersDueAt ?? null,
      lastClaim?.team ?? null,
      lastClaim?.claimedAt ?? null,
      lastClaim?.waitedMs ?? null,
    );
    await this.writer.query("DELETE FROM warmline_thread WHERE conversation_id = ?", id);
    // `WHERE true` lets SQLite parse an upsert after a SELECT.
    await this.writer.query(
      `INSERT INTO warmline_thread(thread, conversation_id) SELECT value, ? FROM json_each(?) WHERE true
       ON CONFLICT(thread) DO UPDATE SET conversation_id = excluded.conversation_id`,
      id,
      JSON.stringify(threads),
    );
  }

  private async insertOutbox(entries: OutboxWrite[]): Promise<void> {
    for (const entry of entries) {
      await this.writer.query(
        "INSERT INTO warmline_outbox(id, lane, open, document) VALUES(?, ?, ?, ?)",
        entry.id,
        entry.lane,
        entry.open ? 1 : 0,
        entry.document,
      );
    }
  }

  /** Runs a statement on the writer connection; true if it returned a row. */
  private async write(sql: string, ...parameters: unknown[]): Promise<boolean> {
    const rows = (await this.writer.query(sql, ...parameters)) as unknown[];
    return rows.length > 0;
  }

  private async ids(sql: string, ...parameters: unknown[]): Promise<string[]> {
    const rows = (await this.reader.query(sql, ...parameters)) as { id: string }[];
    return rows.map((row) => row.id);
  }

  /** BEGIN IMMEDIATE takes the write lock up front, so two processes never both read-then-write. */
  private async transaction<T>(run: () => Promise<T>): Promise<T> {
    return this.exclusive(async () => {
      await this.writer.query("BEGIN IMMEDIATE");
      try {
        const result = await run();
        await this.writer.query("COMMIT");
        return result;
      } catch (error) {
        await this.writer.query("ROLLBACK").catch(() => {});
        throw error;
      }
    });
  }

  /** Runs `run` on the writer connection in turn: one transaction or statement at a time in this process. */
  async exclusive<T>(run: () => Promise<T>): Promise<T> {
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => {});
    return result;
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
