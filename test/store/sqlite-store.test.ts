import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isWarmlineError } from "../../src/domain/errors.js";
import { createSqliteStore } from "../../src/store/sqlite-store.js";
import { buildConversation } from "../contract/conversation-factory.js";

describe("createSqliteStore", () => {
  let directory: string;

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), "warmline-sqlite-"));
  });

  afterEach(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  it("says which file it cannot open and what to check", async () => {
    const file = join(directory, "missing-dir", "warmline.db");
    const error = await createSqliteStore({ file }).catch((e: unknown) => e);
    expect(isWarmlineError(error, "store_unavailable")).toBe(true);
    expect((error as Error).message).toContain(`Cannot open SQLite file ${file}`);
    expect((error as Error).message).toContain("check that the directory exists and is writable");
  });

  it("writes through a write-ahead log, so readers in other processes never block writers", async () => {
    const file = join(directory, "warmline.db");
    const store = await createSqliteStore({ file });
    await store.create(buildConversation());
    expect(existsSync(`${file}-wal`)).toBe(true);
    await store.close();
  });

  it("reports failures after close as store_unavailable", async () => {
    const store = await createSqliteStore({ file: join(directory, "warmline.db") });
    await store.close();
    const error = await store.get("conv-1").catch((e: unknown) => e);
    expect(isWarmlineError(error, "store_unavailable")).toBe(true);
    expect((error as Error).message).toMatch(/^Could not read a conversation in SQLite file .*: check that/);
  });
});
