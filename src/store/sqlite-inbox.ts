import { KeyvSqlite } from "@keyv/sqlite";
import type { InboxBackend, InboxInsert, InboxRow } from "./inbox-store.js";

/** Processed ids past their forgetAt are deleted every this many completions. */
const SQLITE_INBOX_PRUNE_EVERY = 500;

/** Row states: waiting its turn, parked after its retries, processed (only the id and watermark are kept). */
const OPEN = 0;
const PARKED = 1;
const PROCESSED = 2;

const INBOX_SCHEMA = [
  `CREATE TABLE IF NOT EXISTS warmline_inbox(
     seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, lane TEXT NOT NULL, state INTEGER NOT NULL,
     document TEXT NOT NULL, channel TEXT, sent_at INTEGER, forget_at INTEGER NOT NULL)`,
  "CREATE INDEX IF NOT EXISTS warmline_inbox_lane ON warmline_inbox(state, lane, seq)",
  "CREATE INDEX IF NOT EXISTS warmline_inbox_watermark ON warmline_inbox(channel, sent_at)",
];

interface SqliteInboxRow {
  seq: number;
  id: string;
  lane: string;
  state: number;
  document: string;
}

/**
 * The SQLite store's inbox, in its own table of the same file, on its own connection. Every write is
 * a single statement, so it is atomic without holding a transaction open across awaits (which a
 * synchronous SQLite client on the same file would have to wait out). The watermark is the newest
 * `sent_at` among the rows; pruning never deletes a channel's newest row.
 */
export async function openSqliteInbox(file: string, busyTimeout: number): Promise<InboxBackend> {
  const db = new KeyvSqlite({ uri: `sqlite://${file}`, busyTimeout });
  // Failures reach us as rejected queries; without a listener EventEmitter would throw instead.
  db.on("error", () => {});
  try {
    for (const statement of INBOX_SCHEMA) await db.query(statement);
  } catch (error) {
    await db.close().catch(() => {});
    throw error;
  }
  return new SqliteInboxBackend(db, `SQLite file ${file}`);
}

class SqliteInboxBackend implements InboxBackend {
  readonly remedy = "check that the directory exists and is writable, and that no other program holds the file";
  private completions = 0;

  constructor(
    private readonly db: KeyvSqlite,
    readonly location: string,
  ) {}

  async insert({ row, watermark, forgetAt }: InboxInsert, now: number): Promise<boolean> {
    // An id processed so long ago that it is forgotten may come again; one still remembered may not.
    await this.db.query("DELETE FROM warmline_inbox WHERE id = ? AND state = ? AND forget_at <= ?", row.id, PROCESSED, now);
    const inserted = (await this.db.query(
      `INSERT INTO warmline_inbox(id, lane, state, document, channel, sent_at, forget_at) VALUES(?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(id) DO NOTHING RETURNING seq`,
      row.id,
      row.lane,
      row.open ? OPEN : PARKED,
      row.document,
      watermark?.channel ?? null,
      watermark?.sentAt ?? null,
      forgetAt,
    )) as unknown[];
    return inserted.length > 0;
  }

  async heads(lane?: string): Promise<InboxRow[]> {
    // SQLite returns the row holding MIN(seq) for each group's bare columns.
    const rows = (await this.db.query(
      `SELECT MIN(seq) AS seq, id, lane, state, document FROM warmline_inbox WHERE state = ${OPEN} ${lane === undefined ? "" : "AND lane = ?"} GROUP BY lane`,
      ...(lane === undefined ? [] : [lane]),
    )) as SqliteInboxRow[];
    return rows.map(rowOf);
  }

  async update(row: Omit<InboxRow, "seq">): Promise<boolean> {
    const updated = (await this.db.query(
      "UPDATE warmline_inbox SET state = ?, document = ? WHERE id = ? AND state != ? RETURNING seq",
      row.open ? OPEN : PARKED,
      row.document,
      row.id,
      PROCESSED,
    )) as unknown[];
    return updated.length > 0;
  }

  async complete(id: string, now: number): Promise<void> {
    await this.db.query("UPDATE warmline_inbox SET state = ?, document = '' WHERE id = ?", PROCESSED, id);
    if (++this.completions % SQLITE_INBOX_PRUNE_EVERY !== 0) return;
    await this.db.query(
      `DELETE FROM warmline_inbox AS i WHERE state = ? AND forget_at <= ?
         AND (channel IS NULL OR EXISTS (SELECT 1 FROM warmline_inbox AS j WHERE j.channel = i.channel AND j.sent_at > i.sent_at))`,
      PROCESSED,
      now,
    );
  }

  async list(): Promise<InboxRow[]> {
    const rows = (await this.db.query(
      "SELECT seq, id, lane, state, document FROM warmline_inbox WHERE state != ? ORDER BY seq",
      PROCESSED,
    )) as SqliteInboxRow[];
    return rows.map(rowOf);
  }

  async watermark(channel: string): Promise<number | undefined> {
    const rows = (await this.db.query("SELECT MAX(sent_at) AS at FROM warmline_inbox WHERE channel = ?", channel)) as {
      at: number | null;
    }[];
    const at = rows[0]?.at;
    return at === null || at === undefined ? undefined : Number(at);
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}

function rowOf(row: SqliteInboxRow): InboxRow {
  return { seq: Number(row.seq), id: row.id, lane: row.lane, open: Number(row.state) === OPEN, document: row.document };
}
