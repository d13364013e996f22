import { Keyv } from "keyv";
import { WarmlineError } from "../domain/errors.js";
import { systemClock, type Clock } from "../ports/clock.js";
import type { WarmlineStore } from "../ports/outbox.js";
import { DurableInbox, withInbox } from "./inbox-store.js";
import { KeyvConversationStore } from "./keyv-conversation-store.js";
import { openSqliteConnection, type SqliteConnection } from "./sqlite-driver.js";
import { SqliteGroupCommit } from "./sqlite-group-commit.js";
import { openSqliteInbox } from "./sqlite-inbox.js";
import { KEYV_TABLE, SqliteKeyvAdapter } from "./sqlite-keyv-adapter.js";
import type { CommitAppends, ConversationWrite, OutboxRow, OutboxWrite, StoreBackend, StoredTranscript } from "./store-backend.js";

const NAMESPACE = "warmline";
/** How long a writer waits for another process's transaction before failing with SQLITE_BUSY. */
export const SQLITE_BUSY_TIMEOUT_MS = 5000;
/** Expired idempotency keys are deleted every this many markSeen calls. */
const SEEN_PRUNE_EVERY = 500;

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS ${KEYV_TABLE}(key VARCHAR(255) PRIMARY KEY, value TEXT)`,
  `CREATE TABLE IF NOT EXISTS warmline_conversation(
     id TEXT PRIMARY KEY, customer TEXT NOT NULL, active INTEGER NOT NULL, open INTEGER NOT NULL, updated_at INTEGER NOT NULL,
     version INTEGER)`,
  `CREATE INDEX IF NOT EXISTS warmline_conversation_customer ON warmline_conversation(customer, active)`,
  `CREATE INDEX IF NOT EXISTS warmline_conversation_updated ON warmline_conversation(updated_at)`,
  `CREATE INDEX IF NOT EXISTS warmline_conversation_open ON warmline_conversation(open)`,
  `CREATE TABLE IF NOT EXISTS warmline_thread(thread TEXT PRIMARY KEY, conversation_id TEXT NOT NULL)`,
  `CREATE INDEX IF NOT EXISTS warmline_thread_conversation ON warmline_thread(conversation_id)`,
  `CREATE TABLE IF NOT EXISTS warmline_audit(
     seq INTEGER PRIMARY KEY AUTOINCREMENT, conversation_id TEXT NOT NULL, event TEXT NOT NULL)`,
  `CREATE INDEX IF NOT EXISTS warmline_audit_conversation ON warmline_audit(conversation_id, seq)`,
  `CREATE TABLE IF NOT EXISTS warmline_seen(key TEXT PRIMARY KEY, expires_at INTEGER NOT NULL)`,
  // The periodic prune of expired keys walks only those, not every key.
  `CREATE INDEX IF NOT EXISTS warmline_seen_expiry ON warmline_seen(expires_at)`,
  `CREATE TABLE IF NOT EXISTS warmline_outbox(
     seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, lane TEXT NOT NULL, open INTEGER NOT NULL, document TEXT NOT NULL)`,
  `CREATE INDEX IF NOT EXISTS warmline_outbox_lane ON warmline_outbox(lane, open, seq)`,
  `CREATE TABLE IF NOT EXISTS warmline_lease(lane TEXT PRIMARY KEY, holder TEXT NOT NULL, expires_at INTEGER NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS warmline_transcript(
     conversation_id TEXT NOT NULL, position INTEGER NOT NULL, entry TEXT NOT NULL, PRIMARY KEY(conversation_id, position)) WITHOUT ROWID`,
];

/** Files written before transcripts were rows have no version column; their documents still hold their transcripts until the next write. */
function addVersionColumn(connection: SqliteConnection): void {
  const columns = connection.all<{ name: string }>("PRAGMA table_info(warmline_conversation)");
  if (!columns.some((column) => column.name === "version")) connection.exec("ALTER TABLE warmline_conversation ADD COLUMN version INTEGER");
}

/**
 * The embedded default: one SQLite file in WAL mode, shared safely by several processes, through
 * one synchronous connection (src/store/sqlite-driver.ts). Conversation documents live in keyv's
 * table and are read through keyv; our indexes live in tables beside it, written in the same
 * transaction as the document.
 */
export async function createSqliteStore(options: { file: string; clock?: Clock }): Promise<WarmlineStore> {
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
  try {
    connection.exec("BEGIN IMMEDIATE");
    try {
      for (const statement of SCHEMA) connection.exec(statement);
      addVersionColumn(connection);
      connection.exec("COMMIT");
    } catch (error) {
      connection.exec("ROLLBACK");
      throw error;
    }
    const keyv = new Keyv({ store: new SqliteKeyvAdapter(connection), namespace: NAMESPACE, throwOnErrors: true });
    const clock = options.clock ?? systemClock;
    const backend = new SqliteBackend(keyv, connection, location, remedy);
    const inbox = openSqliteInbox(connection, (write) => backend.transaction(write), location);
    return withInbox(new KeyvConversationStore(backend, clock), new DurableInbox(inbox, clock));
  } catch (error) {
    connection.close();
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
    readonly location: string,
    readonly remedy: string,
  ) {
    this.commits = new SqliteGroupCommit(db);
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
        this.index(write);
        this.writeTranscript(write);
      }
      return inserted;
    });
  }

  async compareAndSet(write: ConversationWrite, expectedVersion: number, appends: CommitAppends): Promise<boolean> {
    return this.transaction(() => {
      // An UPDATE, not an upsert: a CAS must never resurrect a forgotten conversation.
      const updated = this.returns(
        `UPDATE ${KEYV_TABLE} SET value = ? WHERE key = ? AND json_extract(value, '$.value.version') = ? RETURNING key`,
        write.document,
        this.storageKey(write.id),
        expectedVersion,
      );
      if (updated) {
        this.index(write);
        this.writeTranscript(write);
        this.insertOutbox(appends.outbox);
        for (const event of appends.audit) this.db.run("INSERT INTO warmline_audit(conversation_id, event) VALUES(?, ?)", write.id, event);
      }
      return updated;
    });
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
      this.db.run("DELETE FROM warmline_thread WHERE conversation_id = ?", conversationId);
      this.db.run("DELETE FROM warmline_audit WHERE conversation_id = ?", conversationId);
      this.db.run("DELETE FROM warmline_outbox WHERE lane = ?", conversationId);
      return existed;
    });
  }

  async storedVersion(conversationId: string): Promise<number | undefined> {
    return this.versionOf(conversationId);
  }

  async loadTranscript(conversationId: string): Promise<StoredTranscript | undefined> {
    // One read transaction: the version and the rows come from the same snapshot, whoever writes meanwhile.
    this.db.exec("BEGIN");
    try {
      const version = this.versionOf(conversationId);
      if (version === undefined) return undefined;
      const rows = this.db.all<{ entry: string }>(
        "SELECT entry FROM warmline_transcript WHERE conversation_id = ? ORDER BY position",
        conversationId,
      );
      return { version, entries: rows.map((row) => row.entry) };
    } finally {
      this.db.exec("COMMIT");
    }
  }

  async activeIds(address: string): Promise<string[]> {
    return this.ids("SELECT id FROM warmline_conversation WHERE customer = ? AND active = 1", address);
  }

  async threadId(thread: string): Promise<string | undefined> {
    return this.db.get<{ conversation_id: string }>("SELECT conversation_id FROM warmline_thread WHERE thread = ?", thread)
      ?.conversation_id;
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
    return this.transaction(() => {
      if (++this.seenCalls % SEEN_PRUNE_EVERY === 0) this.db.run("DELETE FROM warmline_seen WHERE expires_at <= ?", now);
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
      // One index seek, not a walk over the lane's waiting items for every item delivered.
      const head = this.db.get<SqliteOutboxRow>(
        "SELECT seq, id, lane, open, document FROM warmline_outbox WHERE lane = ? AND open = 1 ORDER BY seq LIMIT 1",
        lane,
      );
      return head === undefined ? [] : [outboxRowOf(head)];
    }
    // SQLite returns the row holding MIN(seq) for each group's bare columns.
    const rows = this.db.all<SqliteOutboxRow>(
      "SELECT MIN(seq) AS seq, id, lane, open, document FROM warmline_outbox WHERE open = 1 GROUP BY lane",
    );
    return rows.map(outboxRowOf);
  }

  async outboxUpdate(entry: OutboxWrite): Promise<boolean> {
    return this.transaction(() =>
      this.returns(
        "UPDATE warmline_outbox SET open = ?, document = ? WHERE id = ? RETURNING id",
        entry.open ? 1 : 0,
        entry.document,
        entry.id,
      ),
    );
  }

  async outboxDelete(id: string): Promise<void> {
    await this.transaction(() => this.db.run("DELETE FROM warmline_outbox WHERE id = ?", id));
  }

  async outboxList(): Promise<OutboxRow[]> {
    return this.db.all<SqliteOutboxRow>("SELECT seq, id, lane, open, document FROM warmline_outbox ORDER BY seq").map(outboxRowOf);
  }

  async acquireLease(lane: string, holder: string, now: number, expiresAt: number): Promise<boolean> {
    // One statement: takes a free lane, an expired lease or the holder's own; RETURNING says whether it did.
    return this.transaction(() =>
      this.returns(
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
    return this.transaction(() =>
      this.returns(
        "UPDATE warmline_lease SET expires_at = ? WHERE lane = ? AND holder = ? AND expires_at > ? RETURNING lane",
        expiresAt,
        lane,
        holder,
        now,
      ),
    );
  }

  async releaseLease(lane: string, holder: string): Promise<boolean> {
    return this.transaction(() => this.returns("DELETE FROM warmline_lease WHERE lane = ? AND holder = ? RETURNING lane", lane, holder));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Writes already issued are committed first; their callers are waiting for them.
    this.commits.flush();
    this.db.close();
  }

  /** Runs `write` in this tick's transaction; resolves once it is committed (see SqliteGroupCommit). */
  transaction<T>(write: () => T): Promise<T> {
    return this.commits.run(write);
  }

  private storageKey(conversationId: string): string {
    return `${NAMESPACE}:${this.documentKey(conversationId)}`;
  }

  private index(write: ConversationWrite): void {
    const { id, customer, active, open, threads, updatedAt } = write.index;
    this.db.run(
      `INSERT INTO warmline_conversation(id, customer, active, open, updated_at, version) VALUES(?, ?, ?, ?, ?, ?)
       ON CONFLICT(id) DO UPDATE SET customer = excluded.customer, active = excluded.active,
         open = excluded.open, updated_at = excluded.updated_at, version = excluded.version`,
      id,
      customer,
      active ? 1 : 0,
      open ? 1 : 0,
      updatedAt,
      write.version,
    );
    this.db.run("DELETE FROM warmline_thread WHERE conversation_id = ?", id);
    // `WHERE true` lets SQLite parse an upsert after a SELECT.
    this.db.run(
      `INSERT INTO warmline_thread(thread, conversation_id) SELECT value, ? FROM json_each(?) WHERE true
       ON CONFLICT(thread) DO UPDATE SET conversation_id = excluded.conversation_id`,
      id,
      JSON.stringify(threads),
    );
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
