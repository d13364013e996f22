/**
 * A separate process holding its own SQLite store, driven over IPC by sqlite-multiprocess.test.ts.
 * Started with `node --import tsx`; argv[2] is the database file.
 */
import type { Conversation } from "../../src/domain/conversation.js";
import { createSqliteStore } from "../../src/store/sqlite-store.js";

export type WorkerRequest =
  | { type: "create"; conversation: Conversation }
  | { type: "cas"; conversation: Conversation; expectedVersion: number; attempts: number }
  | { type: "get"; id: string }
  | { type: "churn"; id: string }
  | { type: "close" };

export type WorkerReply =
  | { type: "ready" }
  | { type: "created" }
  | { type: "cas"; wins: Conversation[] }
  | { type: "get"; conversation: Conversation | undefined }
  | { type: "progress"; version: number }
  | { type: "error"; message: string };

const file = process.argv[2];
if (file === undefined) throw new Error("Usage: sqlite-store-worker.ts <database file>");
const store = await createSqliteStore({ file });
const reply = (message: WorkerReply): void => {
  process.send?.(message);
};

process.on("message", (request: WorkerRequest) => {
  handle(request).catch((error: unknown) => reply({ type: "error", message: String(error) }));
});
reply({ type: "ready" });

async function handle(request: WorkerRequest): Promise<void> {
  switch (request.type) {
    case "create":
      await store.create(request.conversation);
      return reply({ type: "created" });
    case "cas": {
      const results = await Promise.all(
        Array.from({ length: request.attempts }, (_, i) =>
          store.compareAndSet({ ...request.conversation, botMisses: process.pid * 100 + i }, request.expectedVersion),
        ),
      );
      return reply({ type: "cas", wins: results.filter((r): r is Conversation => r !== undefined) });
    }
    case "get":
      return reply({ type: "get", conversation: await store.get(request.id) });
    case "churn":
      // Writes until the parent kills this process, so the kill lands mid-write sooner or later.
      for (;;) {
        const current = await store.get(request.id);
        if (current === undefined) throw new Error(`Conversation ${request.id} vanished`);
        const stored = await store.compareAndSet({ ...current, updatedAt: current.updatedAt + 1 }, current.version);
        if (stored !== undefined) reply({ type: "progress", version: stored.version });
      }
    case "close":
      await store.close();
      process.disconnect();
      return;
  }
}
