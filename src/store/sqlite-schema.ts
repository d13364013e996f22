import type { SqliteConnection } from "./sqlite-driver.js";
import { KEYV_TABLE } from "./sqlite-keyv-adapter.js";

/*
 * The SQLite store's tables and indexes beside keyv's, and the upgrades of files written by earlier
 * releases. Applied at every open, inside the opening transaction.
 */

/*
 * The tables keyed by a text primary key alone are WITHOUT ROWID: one b-tree, not a table plus the
 * key's index, so a write dirties one page fewer. A seq is a plain rowid, not AUTOINCREMENT: a new
 * row takes the highest plus one, which keeps the order among the rows there are (all a seq is read
 * for), and an insert does not rewrite sqlite_sequence as well. Files made before keep their layout
 * (rowid and AUTOINCREMENT tables, a WITHOUT ROWID transcript); the statements are the same for all.
 */
const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS ${KEYV_TABLE}(key VARCHAR(255) PRIMARY KEY, value TEXT)`,
  `CREATE TABLE IF NOT EXISTS warmline_conversation(
     id TEXT PRIMARY KEY, customer TEXT NOT NULL, active INTEGER NOT NULL, open INTEGER NOT NULL, updated_at INTEGER NOT NULL,
     version INTEGER)`,
  `CREATE INDEX IF NOT EXISTS warmline_conversation_customer ON warmline_conversation(customer, active)`,
  `CREATE INDEX IF NOT EXISTS warmline_conversation_updated ON warmline_conversation(updated_at)`,
  `CREATE INDEX IF NOT EXISTS warmline_conversation_open ON warmline_conversation(open)`,
  `CREATE TABLE IF NOT EXISTS warmline_thread(thread TEXT PRIMARY KEY, conversation_id TEXT NOT NULL) WITHOUT ROWID`,
  `CREATE INDEX IF NOT EXISTS warmline_thread_conversation ON warmline_thread(conversation_id)`,
  `CREATE TABLE IF NOT EXISTS warmline_audit(
     seq INTEGER PRIMARY KEY, conversation_id TEXT NOT NULL, event TEXT NOT NULL)`,
  `CREATE INDEX IF NOT EXISTS warmline_audit_conversation ON warmline_audit(conversation_id, seq)`,
  `CREATE TABLE IF NOT EXISTS warmline_seen(key TEXT PRIMARY KEY, expires_at INTEGER NOT NULL) WITHOUT ROWID`,
  // The periodic prune of expired keys walks only those, not every key.
  `CREATE INDEX IF NOT EXISTS warmline_seen_expiry ON warmline_seen(expires_at)`,
  `CREATE TABLE IF NOT EXISTS warmline_outbox(
     seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, lane TEXT NOT NULL, open INTEGER NOT NULL, document TEXT NOT NULL)`,
  `CREATE INDEX IF NOT EXISTS warmline_outbox_lane ON warmline_outbox(lane, open, seq)`,
  `CREATE TABLE IF NOT EXISTS warmline_lease(lane TEXT PRIMARY KEY, holder TEXT NOT NULL, expires_at INTEGER NOT NULL) WITHOUT ROWID`,
  // A rowid table with a small index, not WITHOUT ROWID: keyed by conversation, each conversation's new entry
  // (hundreds of bytes of JSON) dirtied a page of its own, and that b-tree's inner pages hold whole rows, so it
  // split often. In rowid order new entries share the table's newest page, and the index's entries are small:
  // the transcript's pages in the WAL fell from 3.4 to 2.3 a relayed message.
  `CREATE TABLE IF NOT EXISTS warmline_transcript(
     conversation_id TEXT NOT NULL, position INTEGER NOT NULL, entry TEXT NOT NULL, UNIQUE(conversation_id, position))`,
  // A rowid table: its rows are large (a photo is hundreds of KB), which SQLite keeps in overflow pages off the b-tree.
  `CREATE TABLE IF NOT EXISTS warmline_media(conversation_id TEXT NOT NULL, id TEXT NOT NULL, data TEXT NOT NULL, UNIQUE(conversation_id, id))`,
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
  // Recounted at every open (inside the schema's transaction), so they are right whatever wrote the file before.
  "DELETE FROM warmline_team_count",
  `INSERT INTO warmline_team_count(team, queued, assigned) SELECT team, COUNT(queued_at), COUNT(*) - COUNT(queued_at)
     FROM warmline_conversation WHERE team IS NOT NULL GROUP BY team`,
];

/** Adds the missing QUEUE_COLUMNS, their indexes and the team counts; true when a file with conversations lacked the columns. */
function addQueueColumns(connection: SqliteConnection): boolean {
  const present = new Set(connection.all<{ name: string }>("PRAGMA table_info(warmline_conversation)").map((c) => c.name));
  const missing = Object.entries(QUEUE_COLUMNS).filter(([name]) => !present.has(name));
  for (const [name, type] of missing) connection.exec(`ALTER TABLE warmline_conversation ADD COLUMN ${name} ${type}`);
  for (const statement of [...QUEUE_INDEXES, ...TEAM_COUNTS]) connection.exec(statement);
  return missing.length > 0 && connection.get("SELECT 1 AS found FROM warmline_conversation LIMIT 1") !== undefined;
}

/** Files written before transcripts were rows have no version column; their documents still hold their transcripts until the next write. */
function addVersionColumn(connection: SqliteConnection): void {
  const columns = connection.all<{ name: string }>("PRAGMA table_info(warmline_conversation)");
  if (!columns.some((column) => column.name === "version")) connection.exec("ALTER TABLE warmline_conversation ADD COLUMN version INTEGER");
}

/**
 * Creates what is missing and upgrades an older file; true when its conversations must be re-indexed
 * from their documents (a file with conversations that lacked the queue columns).
 */
export function applySqliteSchema(connection: SqliteConnection): boolean {
  for (const statement of SCHEMA) connection.exec(statement);
  addVersionColumn(connection);
  return addQueueColumns(connection);
}
