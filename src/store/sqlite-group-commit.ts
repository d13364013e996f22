import type { SqliteConnection } from "./sqlite-driver.js";

interface PendingWrite {
  write: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: the writes issued in one tick share one transaction, so a burst of messages pays
 * for one BEGIN/COMMIT (and one WAL append) instead of one each. Each write runs in its own
 * savepoint, so one that throws undoes only itself; every caller's promise settles after COMMIT.
 * BEGIN IMMEDIATE takes the write lock up front, so two processes never both read-then-write; the
 * connection is synchronous, so nothing else in this process runs while a batch is open.
 * The transaction statements go through the connection's cached prepared statements (run), not
 * exec: exec parses its SQL anew each time, and a relayed message opens several transactions.
 */
export class SqliteGroupCommit {
  private pending: PendingWrite[] = [];

  constructor(private readonly db: SqliteConnection) {}

  run<T>(write: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ write, resolve: resolve as (value: unknown) => void, reject });
      if (this.pending.length === 1) setImmediate(() => this.flush());
    });
  }

  /** Commits what is waiting now (the store does so before it closes the connection). */
  flush(): void {
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    const outcomes: { ok: boolean; value: unknown }[] = [];
    // One write alone needs no savepoint: the transaction is its undo.
    const savepoints = batch.length > 1;
    try {
      this.db.run("BEGIN IMMEDIATE");
      for (const { write } of batch) {
        if (savepoints) this.db.run("SAVEPOINT write");
        try {
          outcomes.push({ ok: true, value: write() });
        } catch (error) {
          if (!savepoints) throw error;
          // Throws, failing the batch, if SQLite has already rolled the whole transaction back (disk full, I/O error).
          this.db.run("ROLLBACK TO write");
          outcomes.push({ ok: false, value: error });
        }
        if (savepoints) this.db.run("RELEASE write");
      }
      this.db.run("COMMIT");
    } catch (error) {
      this.rollback();
      for (const { reject } of batch) reject(error);
      return;
    }
    batch.forEach(({ resolve, reject }, i) => {
      const { ok, value } = outcomes[i]!;
      if (ok) resolve(value);
      else reject(value);
    });
  }

  private rollback(): void {
    try {
      this.db.run("ROLLBACK");
    } catch {
      // Nothing to roll back: SQLite already ended the transaction.
    }
  }
}
