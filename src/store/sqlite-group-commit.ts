import type { SqliteConnection } from "./sqlite-driver.js";

interface PendingWrite {
  write: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: boolean; value: unknown };

/** What a group commit tells, and asks, whoever looks after the WAL (sqlite-checkpointer.ts). */
export interface CommitObserver {
  /** Hears of each COMMIT, with the number of writes it held. */
  committed(writes: number): void;
  /** Set while writes must wait: a checkpoint that lets the WAL restart is running. */
  readonly writesHeld: Promise<void> | undefined;
}

const NO_OBSERVER: CommitObserver = { committed: () => {}, writesHeld: undefined };

/**
 * How long a batch waits for more writes once writes are contending (the last commit held more than
 * one), like PostgreSQL's commit_delay with commit_siblings. Each commit writes every page its
 * writes dirtied to the WAL, and messages share many (the tables' and indexes' newest leaves), so
 * under load fewer, larger commits write less: at 1,000 msg/s a message wrote 72–80 KB in 34–38
 * write calls before, 47–52 KB in 23–25 with this and the file layout of sqlite-schema.ts. A lone
 * write never waits: at low load nothing is added.
 */
export const GROUP_COMMIT_HOLD_MS = 2;
/**
 * The hold once commits are busy (the last one held GROUP_COMMIT_BUSY_BATCH writes or more). At 1,000 msg/s
 * a 2 ms hold gathered 10–17 writes a commit; this gathers about twice as many, and each commit's fixed
 * cost (BEGIN, COMMIT, the WAL's shared pages) is paid half as often. Four interleaved pairs at 500 @ 1,000
 * (README, "Storage"): CPU a message 0.98 -> 0.90 ms on average, the main thread 78 -> 70 % busy, p99 as
 * noisy as before, p50 8 -> 15 ms. At 200 @ 300 batches hold 1–5 writes and keep the short
 * hold: a 5 ms hold there only made messages wait (p99 24 -> 32 ms) and saved no CPU.
 */
export const GROUP_COMMIT_BUSY_HOLD_MS = 5;
export const GROUP_COMMIT_BUSY_BATCH = 8;

/**
 * Group commit: the writes issued in one tick share one transaction, so a burst of messages pays
 * for one BEGIN/COMMIT (and one WAL append) instead of one each. A write that throws undoes only
 * itself; every caller's promise settles after COMMIT.
 * The batch first runs without savepoints: a savepoint copies every page its write dirties into
 * SQLite's statement journal, and writes rarely throw. If one does, the batch is rolled back and run
 * again with a savepoint per write. So a write must only touch the database (running it twice from
 * the same state gives the same result).
 * BEGIN IMMEDIATE takes the write lock up front, so two processes never both read-then-write; the
 * connection is synchronous, so nothing else in this process runs while a batch is open.
 * The transaction statements go through the connection's cached prepared statements (run), not
 * exec: exec parses its SQL anew each time, and a relayed message opens several transactions.
 * While writes contend, a batch is held GROUP_COMMIT_HOLD_MS for more to join it, GROUP_COMMIT_BUSY_HOLD_MS when they are busy.
 */
export class SqliteGroupCommit {
  private pending: PendingWrite[] = [];
  /** How many writes the last commit held: more than one means writes are contending. */
  private lastBatch = 0;

  constructor(
    private readonly db: SqliteConnection,
    private readonly wal: CommitObserver = NO_OBSERVER,
  ) {}

  run<T>(write: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ write, resolve: resolve as (value: unknown) => void, reject });
      if (this.pending.length !== 1) return;
      if (this.lastBatch > 1) setTimeout(() => this.flushWhenFree(), this.holdMs());
      else setImmediate(() => this.flushWhenFree());
    });
  }

  /** How long a batch waits for more writes, by how contended the last commit was (only called when it held more than one). */
  private holdMs(): number {
    return this.lastBatch >= GROUP_COMMIT_BUSY_BATCH ? GROUP_COMMIT_BUSY_HOLD_MS : GROUP_COMMIT_HOLD_MS;
  }

  /** Commits what is waiting, once the WAL's observer holds writes no longer; what arrives meanwhile joins the batch. */
  private flushWhenFree(): void {
    const held = this.wal.writesHeld;
    if (held === undefined) this.flush();
    else void held.then(() => this.flushWhenFree());
  }

  /** Commits what is waiting now, held or not (the store does so before it closes the connection). */
  flush(): void {
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    this.lastBatch = batch.length;
    let outcomes: Outcome[];
    try {
      // One write alone needs no savepoint: the transaction is its undo, and its error is the batch's.
      outcomes = this.attempt(batch, false) ?? this.attempt(batch, true)!;
    } catch (error) {
      for (const { reject } of batch) reject(error);
      return;
    }
    this.wal.committed(batch.length);
    batch.forEach(({ resolve, reject }, i) => {
      const { ok, value } = outcomes[i]!;
      if (ok) resolve(value);
      else reject(value);
    });
  }

  /**
   * Runs the batch in one transaction and commits it. Without savepoints, undefined when a write of
   * several threw (all rolled back, to run again with them). Throws, having rolled back, when the
   * batch as a whole fails: the transaction cannot start or commit, or a lone write throws.
   */
  private attempt(batch: PendingWrite[], savepoints: boolean): Outcome[] | undefined {
    const outcomes: Outcome[] = [];
    try {
      this.db.run("BEGIN IMMEDIATE");
      for (const { write } of batch) {
        if (savepoints) this.db.run("SAVEPOINT write");
        try {
          outcomes.push({ ok: true, value: write() });
        } catch (error) {
          if (!savepoints) {
            if (batch.length === 1) throw error;
            this.rollback();
            return undefined;
          }
          // Throws, failing the batch, if SQLite has already rolled the whole transaction back (disk full, I/O error).
          this.db.run("ROLLBACK TO write");
          outcomes.push({ ok: false, value: error });
        }
        if (savepoints) this.db.run("RELEASE write");
      }
      this.db.run("COMMIT");
    } catch (error) {
      this.rollback();
      throw error;
    }
    return outcomes;
  }

  private rollback(): void {
    try {
      this.db.run("ROLLBACK");
    } catch {
      // Nothing to roll back: SQLite already ended the transaction.
    }
  }
}
