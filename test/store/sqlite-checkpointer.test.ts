import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BroadcastChannel } from "node:worker_threads";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  CHECKPOINT_AFTER_WRITES,
  SQLITE_AUTOCHECKPOINT_PAGES,
  startWalCheckpointer,
  type WalCheckpointer,
} from "../../src/store/sqlite-checkpointer.js";
import { openSqliteConnection, type SqliteConnection } from "../../src/store/sqlite-driver.js";
import { SqliteGroupCommit } from "../../src/store/sqlite-group-commit.js";
import { createCaptureLogger } from "../slack/capture-logger.js";

/** Posts "ready" like the real worker, then dies when asked for its first checkpoint. */
const DIES_ON_FIRST_CHECKPOINT = `
const { parentPort } = require("node:worker_threads");
parentPort.on("message", () => process.exit(3));
parentPort.postMessage({ kind: "ready" });
`;

/**
 * Reports a WAL of 5,000 frames at each checkpoint; answers the first request at once and each later one
 * only when told on the BroadcastChannel `channel`, so a test sees the writes held meanwhile.
 */
const longWalWorker = (channel: string) => `
const { parentPort, BroadcastChannel } = require("node:worker_threads");
const go = new BroadcastChannel(${JSON.stringify(channel)});
let requests = 0;
const report = () => parentPort.postMessage({ kind: "checkpointed", busy: 0, log: 5000, checkpointed: 5000 });
parentPort.on("message", (request) => {
  if (request === "close") {
    go.close();
    parentPort.close();
  } else if (++requests === 1) report();
  else go.onmessage = report;
});
parentPort.postMessage({ kind: "ready" });
`;

const autoCheckpointOf = (connection: SqliteConnection) =>
  Number(connection.get<{ wal_autocheckpoint: number }>("PRAGMA wal_autocheckpoint")?.wal_autocheckpoint);

describe("startWalCheckpointer", () => {
  let directory: string;
  let file: string;
  let connection: SqliteConnection;
  let checkpointer: WalCheckpointer | undefined;
  const logger = createCaptureLogger();

  beforeEach(async () => {
    directory = mkdtempSync(join(tmpdir(), "warmline-checkpointer-"));
    file = join(directory, "wal.db");
    connection = await openSqliteConnection(file, { busyTimeoutMs: 1000 });
    connection.exec("CREATE TABLE t(id INTEGER PRIMARY KEY, body TEXT)");
    logger.entries.length = 0;
  });

  afterEach(async () => {
    await checkpointer?.close();
    checkpointer = undefined;
    connection.close();
    rmSync(directory, { recursive: true, force: true });
  });

  const rowCount = () => Number(connection.get<{ n: number }>("SELECT COUNT(*) AS n FROM t")?.n);

  /** One write per commit, each ~1 KB: about one WAL page, as a relayed message's writes are. */
  async function commitRows(commits: SqliteGroupCommit, count: number): Promise<void> {
    for (let i = 0; i < count; i++) await commits.run(() => connection.run("INSERT INTO t(body) VALUES(?)", "x".repeat(1000)));
  }

  it("turns the connection's auto-checkpoint off and checkpoints in the worker, keeping the WAL bounded", async () => {
    checkpointer = startWalCheckpointer(file, connection, { logger });
    await checkpointer.started();
    expect(checkpointer.mode).toBe("worker");
    expect(autoCheckpointOf(connection)).toBe(0);

    const commits = new SqliteGroupCommit(connection, checkpointer);
    const rounds = 12;
    for (let round = 0; round < rounds; round++) {
      await commitRows(commits, CHECKPOINT_AFTER_WRITES);
      await checkpointer.idle();
    }
    // A checkpoint per round, all in the worker; the connection never checkpointed itself.
    expect(checkpointer.stats.checkpoints).toBe(rounds);
    expect(checkpointer.stats.restarts).toBe(0);
    // Without checkpoints the WAL would hold every commit (6,000 pages); each full checkpoint lets it restart.
    const walPages = statSync(`${file}-wal`).size / 4096;
    expect(walPages).toBeLessThan(3 * CHECKPOINT_AFTER_WRITES);
    expect(rowCount()).toBe(rounds * CHECKPOINT_AFTER_WRITES);
  });

  it("holds writes, not the event loop, for a second checkpoint when one ran beside writes and left a long WAL", async () => {
    const go = new BroadcastChannel(`warmline-checkpointer-${process.pid}-${Date.now()}`);
    checkpointer = startWalCheckpointer(file, connection, { logger, workerSource: longWalWorker(go.name) });
    await checkpointer.started();
    const commits = new SqliteGroupCommit(connection, checkpointer);

    // A checkpoint is asked for, and a write commits beside it: the WAL it reports cannot restart by itself.
    checkpointer.committed(CHECKPOINT_AFTER_WRITES);
    checkpointer.committed(1);
    await vi.waitFor(() => expect(checkpointer?.writesHeld).toBeDefined());
    const write = commits.run(() => connection.run("INSERT INTO t(body) VALUES(?)", "held"));
    let ticks = 0;
    while (ticks < 5) await new Promise((resolve) => setImmediate(() => resolve(ticks++)));
    expect(rowCount()).toBe(0);

    go.postMessage("go");
    await write;
    go.close();
    expect(rowCount()).toBe(1);
    expect(checkpointer.writesHeld).toBeUndefined();
    expect(checkpointer.stats).toEqual({ checkpoints: 2, restarts: 1, maxWalFrames: 5000 });
  });

  it("holds nothing when no write committed beside the checkpoint: the next write restarts the WAL by itself", async () => {
    checkpointer = startWalCheckpointer(file, connection, { logger, workerSource: longWalWorker("unused") });
    await checkpointer.started();
    checkpointer.committed(CHECKPOINT_AFTER_WRITES);
    await checkpointer.idle();
    expect(checkpointer.writesHeld).toBeUndefined();
    expect(checkpointer.stats).toEqual({ checkpoints: 1, restarts: 0, maxWalFrames: 5000 });
  });

  it("leaves the connection's own auto-checkpoint on, and says why, when the worker cannot start", async () => {
    checkpointer = startWalCheckpointer(file, connection, { logger, workerSource: "throw new Error('no worker here')" });
    await checkpointer.started();
    expect(checkpointer.mode).toBe("connection");
    expect(autoCheckpointOf(connection)).toBe(SQLITE_AUTOCHECKPOINT_PAGES);
    expect(logger.entries).toEqual([
      expect.objectContaining({ level: "warn", message: expect.stringContaining("checkpoint"), context: { reason: "no worker here" } }),
    ]);
  });

  it("leaves the connection's own auto-checkpoint on when Node refuses to start the thread", async () => {
    // Not a string: the Worker constructor throws instead of reporting an error later.
    checkpointer = startWalCheckpointer(file, connection, { logger, workerSource: 42 as unknown as string });
    await checkpointer.started();
    expect(checkpointer.mode).toBe("connection");
    expect(autoCheckpointOf(connection)).toBe(SQLITE_AUTOCHECKPOINT_PAGES);
    expect(logger.entries).toEqual([expect.objectContaining({ level: "warn", context: { reason: expect.stringContaining("string") } })]);
  });

  it("gives the checkpoints back to the connection, and says why, when the worker dies", async () => {
    checkpointer = startWalCheckpointer(file, connection, { logger, workerSource: DIES_ON_FIRST_CHECKPOINT });
    await checkpointer.started();
    expect(autoCheckpointOf(connection)).toBe(0);

    checkpointer.committed(CHECKPOINT_AFTER_WRITES);
    await checkpointer.idle();
    expect(checkpointer.mode).toBe("connection");
    expect(autoCheckpointOf(connection)).toBe(SQLITE_AUTOCHECKPOINT_PAGES);
    expect(logger.entries).toEqual([expect.objectContaining({ level: "warn", context: { reason: expect.stringContaining("code 3") } })]);
  });

  it("stops the worker on close: its connection is closed, so the last one to close removes the WAL", async () => {
    checkpointer = startWalCheckpointer(file, connection, { logger });
    await checkpointer.started();
    const commits = new SqliteGroupCommit(connection, checkpointer);
    await commitRows(commits, CHECKPOINT_AFTER_WRITES);
    await checkpointer.idle();

    await checkpointer.close();
    // Closing is idempotent and logs nothing: the worker's exit is expected.
    await checkpointer.close();
    expect(logger.entries).toEqual([]);
    connection.close();
    expect(existsSync(`${file}-wal`)).toBe(false);
    connection = await openSqliteConnection(file, { busyTimeoutMs: 1000 });
  });

  it("closes cleanly before the worker is ready", async () => {
    checkpointer = startWalCheckpointer(file, connection, { logger });
    await checkpointer.close();
    expect(checkpointer.mode).not.toBe("worker");
    expect(autoCheckpointOf(connection)).toBe(SQLITE_AUTOCHECKPOINT_PAGES);
    expect(logger.entries).toEqual([]);
  });
});
