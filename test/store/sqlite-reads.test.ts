import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sqliteDriverName } from "../../src/store/sqlite-driver.js";
import { createSqliteStore } from "../../src/store/sqlite-store.js";
import { buildConversation, queuedIn } from "../contract/conversation-factory.js";

type StatementMethod = (...args: unknown[]) => unknown;

/**
 * Counts the statements the SQLite driver in use runs from now on, whichever connection runs them: its
 * statement class's get, run and all, wrapped. stop() puts them back.
 */
function countStatements(): { count(): number; stop(): void } {
  const require = createRequire(import.meta.url);
  const statement =
    sqliteDriverName() === "node:sqlite"
      ? new (
          process.getBuiltinModule!("node:sqlite") as { DatabaseSync: new (path: string) => { prepare(sql: string): object } }
        ).DatabaseSync(":memory:").prepare("SELECT 1")
      : new (require("better-sqlite3") as new (path: string) => { prepare(sql: string): object })(":memory:").prepare("SELECT 1");
  const prototype = Object.getPrototypeOf(statement) as Record<"get" | "run" | "all", StatementMethod>;
  const originals = { get: prototype.get, run: prototype.run, all: prototype.all };
  let count = 0;
  for (const name of ["get", "run", "all"] as const) {
    const original = originals[name];
    prototype[name] = function (this: unknown, ...args: unknown[]) {
      count++;
      return original.apply(this, args);
    };
  }
  return {
    count: () => count,
    stop: () => Object.assign(prototype, originals),
  };
}

describe("SQLite store reads", () => {
  let directory: string;

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), "warmline-sqlite-reads-"));
  });

  afterEach(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  it("finds the conversation of an agent's thread in one statement when its current version is cached", async () => {
    const store = await createSqliteStore({ file: join(directory, "warmline.db") });
    const created = buildConversation();
    await store.create(created);
    const queued = (await store.compareAndSet(queuedIn(created, "slack:C1:1.1"), created.version))!;
    const statements = countStatements();
    try {
      expect(await store.findByThread("slack:C1:1.1")).toEqual(queued);
      expect(statements.count()).toBe(1);
      expect(await store.findByThread("slack:C1:9.9")).toBeUndefined();
    } finally {
      statements.stop();
      await store.close();
    }
  });
});
