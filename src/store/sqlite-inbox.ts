import type { InboxCounts } from "../ports/inbox.js";
import type { LaneLease, LaneTake } from "../ports/outbox.js";
import type { InboxBackend, InboxInsert, InboxRow, InsertAndTake } from "./inbox-store.js";
import type { SqliteConnection } from "./sqlite-driver.js";
import type { SqliteLeases } from "./sqlite-leases.js";

/** Processed ids past their forgetAt are deleted every this many completions. */
const SQLITE_INBOX_PRUNE_EVERY = 500;

/** Row states: waiting its turn, parked after its retries, processed (only the id and watermark are kept). */
const OPEN = 0;
const PARKED = 1;
const PROCESSED = 2;

/*
 * Each index is partial, holding only the rows its queries read (their WHERE names the same state as a
 * literal, which SQLite needs to use a partial index): a row is in one state index at a time, and a row
 * without a channel (an agent's reply) in no watermark index. Full indexes put every row in all three, and
 * a relayed message rewrote five b-trees' pages as it arrived and again once processed: the inbox was a
 * third of the pages each message wrote to the WAL.
 * seq is a plain rowid (each new row takes the highest plus one, so a lane's order holds); AUTOINCREMENT
 * also rewrote sqlite_sequence with every insert. Files made before keep it; the statements are the same.
 */
const INBOX_SCHEMA = [
  `CREATE TABLE IF NOT EXISTS warmline_inbox(
     seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, lane TEXT NOT NULL, state INTEGER NOT NULL,
     document TEXT NOT NULL, channel TEXT, sent_at INTEGER, forget_at INTEGER NOT NULL)`,
  // Files made before had full indexes under these names.
  "DROP INDEX IF EXISTS warmline_inbox_lane",
  "DROP INDEX IF EXISTS warmline_inbox_watermark",
  "DROP INDEX IF EXISTS warmline_inbox_forget",
  `CREATE INDEX IF NOT EXISTS warmline_inbox_open ON warmline_inbox(lane, seq) WHERE state = ${OPEN}`,
  `CREATE INDEX IF NOT EXISTS warmline_inbox_parked ON warmline_inbox(seq) WHERE state = ${PARKED}`,
  // The periodic prune walks only processed rows past their forgetAt.
  `CREATE INDEX IF NOT EXISTS warmline_inbox_processed ON warmline_inbox(forget_at) WHERE state = ${PROCESSED}`,
  "CREATE INDEX IF NOT EXISTS warmline_inbox_channel ON warmline_inbox(channel, sent_at) WHERE channel IS NOT NULL",
];

interface SqliteInboxRow {
  seq: number;
  id: string;
  lane: string;
  state: number;
  document: string;
}

/** Runs a write in the store's transactions (see SqliteBackend.transaction: it may run twice, so it only touches the database). */
export type SqliteInboxWrite = <T>(write: () => T) => Promise<T>;

/**
 * The SQLite store's inbox, in its own table of the same file, on the store's connection: writes
 * go through the store's transactions (with the store's leases, taken and let go in the same ones),
 * reads straight to the connection.
 * The watermark is the newest `sent_at` among the rows; pruning never deletes a channel's newest row.
 */
export function openSqliteInbox(db: SqliteConnection, write: SqliteInboxWrite, leases: SqliteLeases, location: string): InboxBackend {
  for (const statement of INBOX_SCHEMA) db.exec(statement);
  return new SqliteInboxBackend(db, write, leases, location);
}

class SqliteInboxBackend implements InboxBackend {
  readonly remedy = "check that the directory exists and is writable, and that no other program holds the file";
  private completions = 0;

  constructor(
    private readonly db: SqliteConnection,
    private readonly write: SqliteInboxWrite,
    private readonly leases: SqliteLeases,
    readonly location: string,
  ) {}

  async insert(insert: InboxInsert, now: number): Promise<boolean> {
    return this.write(() => this.insertRow(insert, now));
  }

  async insertAndTake(insert: InboxInsert, now: number, lease: LaneLease, expiresAt: number): Promise<InsertAndTake> {
    return this.write(() => ({ inserted: this.insertRow(insert, now), take: this.takeLane(insert.row.lane, lease, now, expiresAt) }));
  }

  /** Inside a transaction. */
  private insertRow({ row, watermark, forgetAt }: InboxInsert, now: number): boolean {
    // An id processed so long ago that it is forgotten may come again; one still remembered may not.
    this.db.run("DELETE FROM warmline_inbox WHERE id = ? AND state = ? AND forget_at <= ?", row.id, PROCESSED, now);
    const inserted = this.db.get(
      `INSERT INTO warmline_inbox(id, lane, state, document, channel, sent_at, forget_at) VALUES(?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(id) DO NOTHING RETURNING seq`,
      row.id,
      row.lane,
      row.open ? OPEN : PARKED,
      row.document,
      watermark?.channel ?? null,
      watermark?.sentAt ?? null,
      forgetAt,
    );
    return inserted !== undefined;
  }

  async heads(lane?: string): Promise<InboxRow[]> {
    if (lane !== undefined) {
      const head = this.head(lane);
      return head === undefined ? [] : [head];
    }
    // SQLite returns the row holding MIN(seq) for each group's bare columns.
    const rows = this.db.all<SqliteInboxRow>(
      `SELECT MIN(seq) AS seq, id, lane, state, document FROM warmline_inbox WHERE state = ${OPEN} GROUP BY lane`,
    );
    return rows.map(rowOf);
  }

  async take(lane: string, lease: LaneLease, now: number, expiresAt: number): Promise<LaneTake<InboxRow>> {
    return this.write(() => this.takeLane(lane, lease, now, expiresAt));
  }

  /** Inside a transaction. */
  private takeLane(lane: string, lease: LaneLease, now: number, expiresAt: number): LaneTake<InboxRow> {
    if (!this.leases.acquire(lease.name, lease.holder, now, expiresAt)) return { taken: false };
    return { taken: true, head: this.leases.headOrRelease(this.head(lane), lease) };
  }

  async update(row: Omit<InboxRow, "seq">): Promise<boolean> {
    const state = row.open ? OPEN : PARKED;
    // Setting `state` rewrites its indexes' entries even when it stays (a retry keeps the row open): the document
    // alone when the state is the stored one, the state too only when not.
    const updated = await this.write(
      () =>
        this.db.get("UPDATE warmline_inbox SET document = ? WHERE id = ? AND state = ? RETURNING seq", row.document, row.id, state) ??
        this.db.get(
          "UPDATE warmline_inbox SET state = ?, document = ? WHERE id = ? AND state != ? RETURNING seq",
          state,
          row.document,
          row.id,
          PROCESSED,
        ),
    );
    return updated !== undefined;
  }

  async complete(id: string, now: number): Promise<void> {
    const prune = this.pruneDue();
    await this.write(() => this.markProcessed(id, now, prune));
  }

  async completeHead(id: string, lane: string, lease: LaneLease, now: number): Promise<InboxRow | undefined> {
    return this.write(this.completeHeadStep(id, lane, lease, now));
  }

  /** The store's conversation commits run it in their own transaction, on this connection (see InboxBackend.completeHeadStep). */
  completeHeadStep(id: string, lane: string, lease: LaneLease, now: number): () => InboxRow | undefined {
    const prune = this.pruneDue();
    return () => {
      this.markProcessed(id, now, prune);
      return this.leases.headOrRelease(this.head(lane), lease);
    };
  }

  private pruneDue(): boolean {
    return ++this.completions % SQLITE_INBOX_PRUNE_EVERY === 0;
  }

  /** Inside a transaction (it may run twice, so `prune` is decided outside it). */
  private markProcessed(id: string, now: number, prune: boolean): void {
    this.db.run("UPDATE warmline_inbox SET state = ?, document = '' WHERE id = ?", PROCESSED, id);
    if (!prune) return;
    this.db.run(
      `DELETE FROM warmline_inbox AS i WHERE state = ${PROCESSED} AND forget_at <= ?
         AND (channel IS NULL OR EXISTS (SELECT 1 FROM warmline_inbox AS j WHERE j.channel = i.channel AND j.sent_at > i.sent_at))`,
      now,
    );
  }

  private head(lane: string): InboxRow | undefined {
    // One index seek: MIN(seq) with GROUP BY would walk every waiting row of the lane, for each entry processed.
    const head = this.db.get<SqliteInboxRow>(
      `SELECT seq, id, lane, state, document FROM warmline_inbox WHERE state = ${OPEN} AND lane = ? ORDER BY seq LIMIT 1`,
      lane,
    );
    return head === undefined ? undefined : rowOf(head);
  }

  async list(): Promise<InboxRow[]> {
    // A query per state, each from its partial index (the caller puts them in seq order).
    const inState = (state: number) =>
      this.db.all<SqliteInboxRow>(`SELECT seq, id, lane, state, document FROM warmline_inbox WHERE state = ${state}`).map(rowOf);
    return [...inState(OPEN), ...inState(PARKED)];
  }

  async count(): Promise<InboxCounts> {
    // Each from its state's partial index alone.
    const counts = this.db.get<{ pending: number; parked: number }>(
      `SELECT (SELECT COUNT(*) FROM warmline_inbox WHERE state = ${OPEN}) AS pending,
         (SELECT COUNT(*) FROM warmline_inbox WHERE state = ${PARKED}) AS parked`,
    );
    return { pending: Number(counts?.pending ?? 0), parked: Number(counts?.parked ?? 0) };
  }

  async watermark(channel: string): Promise<number | undefined> {
    const at = this.db.get<{ at: number | null }>("SELECT MAX(sent_at) AS at FROM warmline_inbox WHERE channel = ?", channel)?.at;
    return at === null || at === undefined ? undefined : Number(at);
  }

  /** The store closes the shared connection. */
  async close(): Promise<void> {}
}

function rowOf(row: SqliteInboxRow): InboxRow {
  return { seq: Number(row.seq), id: row.id, lane: row.lane, open: Number(row.state) === OPEN, document: row.document };
}
