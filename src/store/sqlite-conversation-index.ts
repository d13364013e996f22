import type { SqliteConnection, SqliteValue } from "./sqlite-driver.js";
import type { ConversationIndexEntry } from "./conversation-index.js";
import type { ConversationWrite } from "./store-backend.js";

/*
 * Writes a conversation's index rows (warmline_conversation, warmline_thread) with its document.
 * An UPDATE rewrites the entry of every index over a column it sets, even to the same value, and
 * each entry rewritten dirties a page the commit appends to the WAL. Most commits change only
 * updated_at and the version, so the indexed columns that rarely change are set apart, and only
 * when they differ; so are the threads.
 */

/** Inserts the row, or updates the columns every commit changes (updated_at's index, and unindexed columns). */
const UPSERT = `INSERT INTO warmline_conversation(id, customer, active, open, updated_at, version,
    state, team, queued_at, timers_due_at, claim_team, claimed_at, claim_wait_ms) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT(id) DO UPDATE SET updated_at = excluded.updated_at, version = excluded.version, state = excluded.state,
    claim_wait_ms = excluded.claim_wait_ms`;
/** The timers move more often than the rest, so they have their own statement: a change there leaves the other indexes be. */
const SET_TIMERS = "UPDATE warmline_conversation SET timers_due_at = ? WHERE id = ? AND timers_due_at IS NOT ?";
/** The other indexed columns, all at once (they change together, at an escalation, claim, transfer or resolution). */
const SET_INDEXED = `UPDATE warmline_conversation SET customer = ?, active = ?, open = ?, team = ?, queued_at = ?, claim_team = ?, claimed_at = ?
  WHERE id = ? AND (customer IS NOT ? OR active IS NOT ? OR open IS NOT ? OR team IS NOT ? OR queued_at IS NOT ?
    OR claim_team IS NOT ? OR claimed_at IS NOT ?)`;

export function writeSqliteIndex(db: SqliteConnection, write: ConversationWrite): void {
  const { id, customer, active, open, threads, updatedAt, state, team, queuedAt, timersDueAt, lastClaim } = write.index;
  const activeFlag = active ? 1 : 0;
  const openFlag = open ? 1 : 0;
  const timers = timersDueAt ?? null;
  const claimTeam = lastClaim?.team ?? null;
  const claimedAt = lastClaim?.claimedAt ?? null;
  db.run(
    UPSERT,
    id,
    customer,
    activeFlag,
    openFlag,
    updatedAt,
    write.version,
    state,
    team ?? null,
    queuedAt ?? null,
    timers,
    claimTeam,
    claimedAt,
    lastClaim?.waitedMs ?? null,
  );
  // Both change nothing after the INSERT of a new row, nor when the values are the stored ones; when the
  // stored entry is known (the write before was this process's), unchanged parts are not even looked at.
  const before = write.indexBefore;
  if (before === undefined || (before.timersDueAt ?? null) !== timers) db.run(SET_TIMERS, timers, id, timers);
  const indexed: SqliteValue[] = [customer, activeFlag, openFlag, team ?? null, queuedAt ?? null, claimTeam, claimedAt];
  if (before === undefined || !sameIndexed(before, indexed)) db.run(SET_INDEXED, ...indexed, id, ...indexed);
  if (before === undefined || !sameThreads(before.threads, threads)) writeThreads(db, id, threads);
}

function sameIndexed(before: ConversationIndexEntry, indexed: SqliteValue[]): boolean {
  const stored: SqliteValue[] = [
    before.customer,
    before.active ? 1 : 0,
    before.open ? 1 : 0,
    before.team ?? null,
    before.queuedAt ?? null,
    before.lastClaim?.team ?? null,
    before.lastClaim?.claimedAt ?? null,
  ];
  return stored.every((value, i) => value === indexed[i]);
}

function sameThreads(before: readonly string[], threads: readonly string[]): boolean {
  return before.length === threads.length && before.every((thread, i) => thread === threads[i]);
}

/**
 * Threads rarely change: deletes only those no longer listed, and writes only those not already
 * this conversation's, so an unchanged set reads its rows and dirties no page.
 */
function writeThreads(db: SqliteConnection, id: string, threads: string[]): void {
  const listed = JSON.stringify(threads);
  db.run("DELETE FROM warmline_thread WHERE conversation_id = ? AND thread NOT IN (SELECT value FROM json_each(?))", id, listed);
  if (threads.length === 0) return;
  // `WHERE true` lets SQLite parse an upsert after a SELECT.
  db.run(
    `INSERT INTO warmline_thread(thread, conversation_id) SELECT value, ? FROM json_each(?) WHERE true
     ON CONFLICT(thread) DO UPDATE SET conversation_id = excluded.conversation_id
       WHERE warmline_thread.conversation_id IS NOT excluded.conversation_id`,
    id,
    listed,
  );
}
