import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import type { Logger } from "../ports/logger.js";
import type { SqliteConnection } from "./sqlite-driver.js";
import type { CommitObserver } from "./sqlite-group-commit.js";

/** SQLite's own default: the connection checkpoints inside the COMMIT that takes the WAL past this many pages. */
export const SQLITE_AUTOCHECKPOINT_PAGES = 1000;
/**
 * The worker is asked to checkpoint after this many committed writes: about 1–2 pages each (a relayed
 * message writes ~79 KB in ~18 writes), so the WAL stays near SQLite's default of 1,000 pages.
 * Counting writes rather than commits keeps the cadence when a busy tick groups many into one commit.
 */
export const CHECKPOINT_AFTER_WRITES = 500;
/**
 * A WAL starts again from its beginning only when a write transaction begins with every frame
 * checkpointed; a checkpoint that runs beside a writer that never pauses leaves the frames written
 * meanwhile, and the WAL would grow. So once it holds this many frames after a checkpoint, writes
 * wait (the event loop does not) while the worker checkpoints those few frames, and the next write
 * restarts the WAL. Twice SQLite's default: under light load the WAL restarts in a pause by itself.
 */
export const WAL_RESTART_FRAMES = 2 * SQLITE_AUTOCHECKPOINT_PAGES;

/**
 * The worker, as plain CommonJS run with `eval`: no entry file to resolve, so the same code runs under tsx
 * (demo, tests, scripts), vitest (which does not transform a Worker's entry) and the compiled dist/.
 * It opens its own connection to the file, with the main connection's driver, and runs one PASSIVE
 * checkpoint per request: PASSIVE takes no lock the writer needs, so the writer never waits for it.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { file, driver, betterSqlite } = workerData;
let db;
try {
  db = driver === "node:sqlite" ? new (process.getBuiltinModule("node:sqlite").DatabaseSync)(file) : new (require(betterSqlite))(file);
  db.exec("PRAGMA busy_timeout = 1000");
  db.exec("PRAGMA synchronous = NORMAL");
} catch (error) {
  parentPort.postMessage({ kind: "failed", reason: String(error && error.message || error) });
  process.exit(1);
}
const checkpoint = db.prepare("PRAGMA wal_checkpoint(PASSIVE)");
parentPort.on("message", (request) => {
  if (request === "close") {
    db.close();
    parentPort.close();
    return;
  }
  const { busy, log, checkpointed } = checkpoint.get();
  parentPort.postMessage({ kind: "checkpointed", busy: Number(busy), log: Number(log), checkpointed: Number(checkpointed) });
});
parentPort.postMessage({ kind: "ready" });
`;

type WorkerReport =
  | { kind: "ready" }
  | { kind: "failed"; reason: string }
  | { kind: "checkpointed"; busy: number; log: number; checkpointed: number };

export interface CheckpointStats {
  /** Checkpoints the worker ran. */
  checkpoints: number;
  /** Of those, the ones run while writes waited, so that the WAL could restart. */
  restarts: number;
  /** The most frames the WAL held at a checkpoint. */
  maxWalFrames: number;
}

export interface WalCheckpointer extends CommitObserver {
  /** "worker" while the worker checkpoints; "starting" and "connection" (it failed) leave SQLite's auto-checkpoint on. */
  readonly mode: "starting" | "worker" | "connection";
  readonly stats: CheckpointStats;
  /** Resolves once the worker is ready or has failed (the store does not wait for it; tests do). */
  started(): Promise<void>;
  /** Resolves once every checkpoint asked for so far has run (for tests). */
  idle(): Promise<void>;
  /** Stops the worker and closes its connection; resolves when its thread has exited. */
  close(): Promise<void>;
}

export interface WalCheckpointerOptions {
  /** Hears why the worker is unavailable; without it, a process warning says so on stderr. */
  logger?: Logger;
  /** Replaces the worker's code (tests: a worker that fails to start or dies). */
  workerSource?: string;
}

/**
 * Moves WAL checkpoints off the event loop. SQLite's auto-checkpoint runs inside whichever COMMIT
 * takes the WAL past 1,000 pages: a 5 ms stall of every lane, every ~50 relayed messages. Here the
 * connection's auto-checkpoint is off while a worker thread, with its own connection to the same
 * file, checkpoints after every CHECKPOINT_AFTER_WRITES writes, and holds writes (never the event loop)
 * for a short second checkpoint when the WAL needs one to restart (WAL_RESTART_FRAMES). Until the
 * worker is ready, and if it fails or dies, the connection keeps (or takes back) its own
 * auto-checkpoint, so the WAL never grows without bound. Durability is unchanged: the WAL is synced
 * at each checkpoint, as before.
 */
export function startWalCheckpointer(file: string, connection: SqliteConnection, options: WalCheckpointerOptions): WalCheckpointer {
  try {
    return new WorkerCheckpointer(file, connection, options);
  } catch (error) {
    // No thread at all (Node refused the Worker): the connection's auto-checkpoint was never turned off.
    warnFallback(options.logger, error instanceof Error ? error.message : String(error));
    return connectionCheckpoints();
  }
}

/**
 * No worker: the connection keeps SQLite's own auto-checkpoint. What a reading command (report, doctor,
 * export) uses, since it writes next to nothing, and what a failed worker leaves.
 */
export function connectionCheckpoints(): WalCheckpointer {
  return {
    mode: "connection",
    stats: { checkpoints: 0, restarts: 0, maxWalFrames: 0 },
    writesHeld: undefined,
    committed: () => {},
    started: async () => {},
    idle: async () => {},
    close: async () => {},
  };
}

function warnFallback(logger: Logger | undefined, reason: string): void {
  const message =
    "SQLite checkpoint worker unavailable; the connection checkpoints its WAL itself (commits stall a few ms every ~1,000 pages). Restart the service to retry.";
  if (logger) logger.warn({ reason }, message);
  else process.emitWarning(`${message} Reason: ${reason}`, "WarmlineWarning");
}

class WorkerCheckpointer implements WalCheckpointer {
  mode: WalCheckpointer["mode"] = "starting";
  readonly stats: CheckpointStats = { checkpoints: 0, restarts: 0, maxWalFrames: 0 };
  writesHeld: Promise<void> | undefined;
  private releaseWrites = () => {};
  private readonly worker: Worker;
  private writesSinceNudge = 0;
  /** Whether anything was committed since the last checkpoint was asked for. */
  private wroteSinceRequest = false;
  private outstanding = 0;
  private closing = false;
  private readonly exited: Promise<void>;
  private readonly ready: Promise<void>;
  private settleReady!: () => void;
  private waitingForIdle: (() => void)[] = [];

  constructor(
    file: string,
    private readonly connection: SqliteConnection,
    private readonly options: WalCheckpointerOptions,
  ) {
    this.ready = new Promise((resolve) => {
      this.settleReady = resolve;
    });
    this.worker = new Worker(options.workerSource ?? WORKER_SOURCE, {
      eval: true,
      workerData: { file, driver: connection.driver, betterSqlite: betterSqlitePath(connection.driver) },
      // Not the parent's flags: under tsx they would load its loader into the worker for plain JavaScript. node:sqlite's
      // experimental warning was already printed by the main thread.
      execArgv: ["--disable-warning=ExperimentalWarning"],
    });
    // The worker alone never keeps the process alive; close() holds it until the thread has exited.
    this.worker.unref();
    this.worker.on("message", (report: WorkerReport) => this.onReport(report));
    this.worker.on("error", (error) => this.fallBack(error.message));
    this.exited = new Promise((resolve) => {
      this.worker.once("exit", (code) => {
        this.fallBack(`its thread exited with code ${code}`);
        resolve();
      });
    });
  }

  committed(writes: number): void {
    if (this.mode !== "worker") return;
    this.wroteSinceRequest = true;
    this.writesSinceNudge += writes;
    if (this.writesSinceNudge < CHECKPOINT_AFTER_WRITES) return;
    this.writesSinceNudge = 0;
    // One at a time: a nudge while a checkpoint runs would only checkpoint the few frames written meanwhile.
    if (this.outstanding === 0) this.requestCheckpoint();
  }

  started(): Promise<void> {
    return this.ready;
  }

  idle(): Promise<void> {
    if (this.outstanding === 0 || this.mode !== "worker") return Promise.resolve();
    return new Promise((resolve) => this.waitingForIdle.push(resolve));
  }

  async close(): Promise<void> {
    if (!this.closing) {
      this.closing = true;
      this.holdWrites(false);
      this.worker.ref();
      this.worker.postMessage("close");
    }
    await this.exited;
  }

  private onReport(report: WorkerReport): void {
    switch (report.kind) {
      case "ready":
        if (!this.closing && this.mode === "starting" && this.setAutoCheckpoint(0)) this.mode = "worker";
        this.settleReady();
        return;
      case "failed":
        this.fallBack(report.reason);
        return;
      case "checkpointed":
        this.outstanding--;
        this.stats.checkpoints++;
        this.stats.maxWalFrames = Math.max(this.stats.maxWalFrames, report.log);
        if (this.writesHeld !== undefined) {
          this.stats.restarts++;
          this.holdWrites(false);
        } else if (report.log >= WAL_RESTART_FRAMES && this.wroteSinceRequest && !this.closing) {
          // Frames were written while it ran. Nothing more is written until this one has run: every frame is then
          // checkpointed, and the next write restarts the WAL.
          this.holdWrites(true);
          this.requestCheckpoint();
        }
        this.wakeIdle();
        return;
    }
  }

  private requestCheckpoint(): void {
    this.outstanding++;
    this.wroteSinceRequest = false;
    this.worker.postMessage("checkpoint");
  }

  /** False if the connection is closed or broken: the store is going away, and the worker's state no longer matters. */
  private setAutoCheckpoint(pages: number): boolean {
    try {
      this.connection.exec(`PRAGMA wal_autocheckpoint = ${pages}`);
      return true;
    } catch {
      return false;
    }
  }

  private holdWrites(hold: boolean): void {
    if (hold) {
      this.writesHeld = new Promise((resolve) => {
        this.releaseWrites = resolve;
      });
    } else {
      this.writesHeld = undefined;
      this.releaseWrites();
    }
  }

  private fallBack(reason: string): void {
    this.settleReady();
    this.holdWrites(false);
    this.outstanding = 0;
    this.wakeIdle();
    if (this.closing || this.mode === "connection") return;
    const wasOff = this.mode === "worker";
    this.mode = "connection";
    if (wasOff) this.setAutoCheckpoint(SQLITE_AUTOCHECKPOINT_PAGES);
    warnFallback(this.options.logger, reason);
  }

  private wakeIdle(): void {
    if (this.outstanding > 0) return;
    const waiting = this.waitingForIdle;
    this.waitingForIdle = [];
    for (const wake of waiting) wake();
  }
}

/** Where the worker finds better-sqlite3 (it has no module resolution of its own with `eval`); unused with node:sqlite. */
function betterSqlitePath(driver: SqliteConnection["driver"]): string | undefined {
  return driver === "better-sqlite3" ? createRequire(import.meta.url).resolve("better-sqlite3") : undefined;
}
