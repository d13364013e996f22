import { fork, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Conversation } from "../../src/domain/conversation.js";
import type { ConversationStore } from "../../src/ports/conversation-store.js";
import { createSqliteStore } from "../../src/store/sqlite-store.js";
import { buildConversation, queuedIn } from "../contract/conversation-factory.js";
import type { WorkerReply, WorkerRequest } from "./sqlite-store-worker.js";

const WORKER = fileURLToPath(new URL("./sqlite-store-worker.ts", import.meta.url));
const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
const ROUNDS = 10;
const ATTEMPTS_PER_WORKER = 5;

interface Worker {
  child: ChildProcess;
  request(message: WorkerRequest): Promise<WorkerReply>;
  next(): Promise<WorkerReply>;
}

/** A separate Node process with its own store on `file`, resolved once it has opened it. */
async function startWorker(file: string): Promise<Worker> {
  const child = fork(WORKER, [file], { cwd: REPO_ROOT, execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const next = () =>
    new Promise<WorkerReply>((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`Worker exited with ${code} before replying`));
      child.once("exit", onExit);
      child.once("message", (reply: WorkerReply) => {
        child.off("exit", onExit);
        if (reply.type === "error") reject(new Error(`Worker failed: ${reply.message}`));
        else resolve(reply);
      });
    });
  const ready = await next();
  expect(ready.type).toBe("ready");
  return {
    child,
    next,
    request: (message) => {
      const reply = next();
      child.send(message);
      return reply;
    },
  };
}

describe("SQLite store shared by several processes", () => {
  let directory: string;
  let file: string;
  let workers: Worker[] = [];
  let store: ConversationStore | undefined;

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), "warmline-multiprocess-"));
    file = join(directory, "warmline.db");
  });

  afterEach(async () => {
    for (const worker of workers) if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill("SIGKILL");
    workers = [];
    await store?.close();
    store = undefined;
    rmSync(directory, { recursive: true, force: true });
  });

  it("lets exactly one writer win each compareAndSet race across two processes, and both see it", { timeout: 60_000 }, async () => {
    workers = await Promise.all([startWorker(file), startWorker(file)]);
    const [first, second] = workers as [Worker, Worker];
    const conversation = buildConversation();
    await first.request({ type: "create", conversation });

    let current: Conversation = conversation;
    for (let round = 0; round < ROUNDS; round++) {
      const next = queuedIn(current, `slack:C1:${round}.0`);
      const request: WorkerRequest = { type: "cas", conversation: next, expectedVersion: current.version, attempts: ATTEMPTS_PER_WORKER };
      const replies = await Promise.all([first.request(request), second.request(request)]);
      const wins = replies.flatMap((reply) => (reply.type === "cas" ? reply.wins : []));
      expect(wins, `round ${round}`).toHaveLength(1);
      const winner = wins[0]!;
      expect(winner.version).toBe(current.version + 1);
      for (const worker of workers)
        expect(await worker.request({ type: "get", id: conversation.id })).toEqual({ type: "get", conversation: winner });
      current = winner;
    }

    store = await createSqliteStore({ file });
    expect(await store.get(conversation.id)).toEqual(current);
    expect(await store.findByThread(`slack:C1:${ROUNDS - 1}.0`)).toEqual(current);
    expect(await store.findByThread("slack:C1:0.0")).toEqual(current);
  });

  it("reopens cleanly after a writer is killed with SIGKILL mid-write", { timeout: 60_000 }, async () => {
    const writer = await startWorker(file);
    workers = [writer];
    const conversation = buildConversation();
    await writer.request({ type: "create", conversation });
    writer.child.send({ type: "churn", id: conversation.id } satisfies WorkerRequest);
    const progress = await writer.next();
    expect(progress.type).toBe("progress");
    const exited = new Promise((resolve) => writer.child.once("exit", resolve));
    writer.child.kill("SIGKILL");
    await exited;

    store = await createSqliteStore({ file });
    const survivor = await store.get(conversation.id);
    expect(survivor?.version).toBeGreaterThanOrEqual(2);
    expect(await store.listSince(0)).toEqual([survivor]);
    const stored = await store.compareAndSet({ ...survivor!, state: "resolved" }, survivor!.version);
    expect(stored?.version).toBe(survivor!.version + 1);
    expect(await store.findActiveByCustomer(conversation.customer.address)).toBeUndefined();
  });
});
