import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openSqliteConnection, type SqliteConnection, type SqliteValue } from "../../src/store/sqlite-driver.js";
import {
  type CommitObserver,
  GROUP_COMMIT_BUSY_BATCH,
  GROUP_COMMIT_BUSY_HOLD_MS,
  GROUP_COMMIT_HOLD_MS,
  SqliteGroupCommit,
} from "../../src/store/sqlite-group-commit.js";

/** A real connection that also records the statements it was given (transaction control goes through run). */
function recording(connection: SqliteConnection): SqliteConnection & { transactionLog: string[] } {
  const transactionLog: string[] = [];
  return Object.assign(Object.create(connection) as SqliteConnection, {
    transactionLog,
    exec(sql: string) {
      transactionLog.push(sql);
      connection.exec(sql);
    },
    run(sql: string, ...parameters: SqliteValue[]) {
      transactionLog.push(sql);
      return connection.run(sql, ...parameters);
    },
  });
}

describe("SqliteGroupCommit", () => {
  let directory: string;
  let file: string;
  let writer: SqliteConnection;
  let reader: SqliteConnection;

  beforeEach(async () => {
    directory = mkdtempSync(join(tmpdir(), "warmline-group-commit-"));
    file = join(directory, "group.db");
    writer = await openSqliteConnection(file, { busyTimeoutMs: 1000 });
    writer.exec("CREATE TABLE t(id TEXT PRIMARY KEY)");
    reader = await openSqliteConnection(file, { busyTimeoutMs: 1000 });
  });

  afterEach(() => {
    writer.close();
    reader.close();
    rmSync(directory, { recursive: true, force: true });
  });

  const ids = () => reader.all<{ id: string }>("SELECT id FROM t ORDER BY id").map((row) => row.id);

  it("commits the writes issued in one tick in one transaction, and each caller learns its own result", async () => {
    const connection = recording(writer);
    const commits = new SqliteGroupCommit(connection);
    const results = await Promise.all(["a", "b", "c"].map((id) => commits.run(() => connection.run("INSERT INTO t(id) VALUES(?)", id))));
    expect(results).toEqual([1, 1, 1]);
    expect(connection.transactionLog.filter((sql) => sql.startsWith("BEGIN"))).toHaveLength(1);
    expect(connection.transactionLog.filter((sql) => sql === "COMMIT")).toHaveLength(1);
    // No write threw, so none needed a savepoint.
    expect(connection.transactionLog.filter((sql) => sql.startsWith("SAVEPOINT"))).toHaveLength(0);
    expect(ids()).toEqual(["a", "b", "c"]);
  });

  it("undoes only the write that failed, and rejects only its caller", async () => {
    const commits = new SqliteGroupCommit(writer);
    const settled = await Promise.allSettled([
      commits.run(() => writer.run("INSERT INTO t(id) VALUES(?)", "a")),
      commits.run(() => {
        writer.run("INSERT INTO t(id) VALUES(?)", "half-done");
        return writer.run("INSERT INTO t(id) VALUES(?)", "a");
      }),
      commits.run(() => writer.run("INSERT INTO t(id) VALUES(?)", "b")),
    ]);
    expect(settled.map((s) => s.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(String((settled[1] as PromiseRejectedResult).reason)).toMatch(/UNIQUE/);
    expect(ids()).toEqual(["a", "b"]);
  });

  it("leaves nothing of a lone write that failed", async () => {
    const commits = new SqliteGroupCommit(writer);
    const failed = commits.run(() => {
      writer.run("INSERT INTO t(id) VALUES(?)", "half-done");
      throw new Error("the write gave up");
    });
    await expect(failed).rejects.toThrow("the write gave up");
    expect(ids()).toEqual([]);
    await commits.run(() => writer.run("INSERT INTO t(id) VALUES(?)", "after"));
    expect(ids()).toEqual(["after"]);
  });

  it("settles a caller only once its write is visible to another connection", async () => {
    const commits = new SqliteGroupCommit(writer);
    const seen = await commits.run(() => writer.run("INSERT INTO t(id) VALUES(?)", "a")).then(() => ids());
    expect(seen).toEqual(["a"]);
  });

  it("rejects every write of the batch when the transaction cannot start", async () => {
    const commits = new SqliteGroupCommit(writer);
    const pending = [commits.run(() => 1), commits.run(() => 2)];
    writer.close();
    for (const write of pending) await expect(write).rejects.toThrow();
    writer = await openSqliteConnection(file, { busyTimeoutMs: 1000 });
  });

  /** A group commit on the writer that records how many writes each commit held, and an insert through it. */
  function countingCommits() {
    const commitSizes: number[] = [];
    const commits = new SqliteGroupCommit(writer, { committed: (writes) => commitSizes.push(writes), writesHeld: undefined });
    const insert = (id: string) => commits.run(() => writer.run("INSERT INTO t(id) VALUES(?)", id));
    return { commitSizes, insert };
  }

  it("holds a batch for more writes only while writes contend: a lone write never waits", async () => {
    const { commitSizes, insert } = countingCommits();
    /** Two writes a tick apart: the first is committed before the second arrives unless its batch is held. */
    const aTickApart = async (first: string, second: string) => {
      const written = insert(first);
      await new Promise(setImmediate);
      await Promise.all([written, insert(second)]);
    };

    await insert("lone");
    await aTickApart("a", "b");
    // No contention: each went out as soon as it could.
    expect(commitSizes).toEqual([1, 1, 1]);

    await Promise.all([insert("c"), insert("d")]);
    const startedAt = performance.now();
    await aTickApart("e", "f");
    // The last commit held two writes, so the next batch waited for the write a tick later and took it too.
    expect(commitSizes).toEqual([1, 1, 1, 2, 2]);
    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(GROUP_COMMIT_HOLD_MS - 1);

    await aTickApart("g", "h");
    // Still contending: held again.
    expect(commitSizes).toEqual([1, 1, 1, 2, 2, 2]);
    await insert("i");
    await aTickApart("j", "k");
    // A batch of one (i) ends the holding.
    expect(commitSizes).toEqual([1, 1, 1, 2, 2, 2, 1, 1, 1]);
    expect(ids()).toEqual(["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "lone"]);
  });

  it("holds longer once commits are busy, and goes back to the short hold when they are not", async () => {
    const { commitSizes, insert } = countingCommits();
    /** A write, and another once the short hold has passed (timers run in the order they are due, however late). */
    const pastTheShortHold = async (first: string, second: string) => {
      const written = insert(first);
      const late = new Promise<void>((resolve) => setTimeout(resolve, GROUP_COMMIT_HOLD_MS + 1)).then(() => insert(second));
      await Promise.all([written, late]);
    };
    const burst = (prefix: string) => Promise.all(Array.from({ length: GROUP_COMMIT_BUSY_BATCH }, (_, i) => insert(`${prefix}${i}`)));

    await Promise.all([insert("a"), insert("b")]);
    await pastTheShortHold("c", "d");
    // Contending but not busy: the short hold passed before d arrived.
    expect(commitSizes).toEqual([2, 1, 1]);

    await burst("busy");
    await pastTheShortHold("e", "f");
    // After a busy commit the batch waited GROUP_COMMIT_BUSY_HOLD_MS and took f too.
    expect(GROUP_COMMIT_BUSY_HOLD_MS).toBeGreaterThan(GROUP_COMMIT_HOLD_MS + 1);
    expect(commitSizes).toEqual([2, 1, 1, GROUP_COMMIT_BUSY_BATCH, 2]);

    await pastTheShortHold("g", "h");
    // Two writes are not busy: the short hold again.
    expect(commitSizes).toEqual([2, 1, 1, GROUP_COMMIT_BUSY_BATCH, 2, 1, 1]);
    expect(ids()).toHaveLength(8 + GROUP_COMMIT_BUSY_BATCH);
  });

  it("tells its observer how many writes each commit held, and waits while the observer holds writes", async () => {
    let release = () => {};
    const commitSizes: number[] = [];
    const observer: CommitObserver & { writesHeld: Promise<void> | undefined } = {
      committed: (writes) => commitSizes.push(writes),
      writesHeld: undefined,
    };
    const commits = new SqliteGroupCommit(writer, observer);
    await Promise.all(["a", "b"].map((id) => commits.run(() => writer.run("INSERT INTO t(id) VALUES(?)", id))));
    expect(commitSizes).toEqual([2]);

    observer.writesHeld = new Promise((resolve) => {
      release = resolve;
    });
    const held = commits.run(() => writer.run("INSERT INTO t(id) VALUES(?)", "c"));
    // Several ticks pass and the event loop runs, but the write waits.
    for (let tick = 0; tick < 5; tick++) await new Promise(setImmediate);
    const later = commits.run(() => writer.run("INSERT INTO t(id) VALUES(?)", "d"));
    expect(ids()).toEqual(["a", "b"]);
    observer.writesHeld = undefined;
    release();
    await Promise.all([held, later]);
    // Both went out together once released.
    expect(commitSizes).toEqual([2, 2]);
    expect(ids()).toEqual(["a", "b", "c", "d"]);
  });
});
