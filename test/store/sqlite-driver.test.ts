import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openSqliteConnection, SQLITE_PAGE_CACHE_KIB, sqliteDriverName } from "../../src/store/sqlite-driver.js";

/** Node's own SQLite module is unflagged from 22.13 (and 23.4); before that the driver is better-sqlite3. */
function nodeHasSqlite(): boolean {
  const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
  return major > 23 || (major === 23 && minor >= 4) || (major === 22 && minor >= 13);
}

describe("openSqliteConnection", () => {
  let directory: string;

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), "warmline-driver-"));
  });

  afterEach(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  it("uses node:sqlite where this Node has it, and better-sqlite3 otherwise", async () => {
    const expected = nodeHasSqlite() ? "node:sqlite" : "better-sqlite3";
    expect(sqliteDriverName()).toBe(expected);
    const connection = await openSqliteConnection(join(directory, "driver.db"), { busyTimeoutMs: 1234 });
    expect(connection.driver).toBe(expected);
    connection.close();
  });

  it("opens in WAL mode with synchronous=NORMAL, the busy timeout asked for and SQLite's own 2 MB page cache", async () => {
    const connection = await openSqliteConnection(join(directory, "driver.db"), { busyTimeoutMs: 1234 });
    expect(connection.get("PRAGMA journal_mode")).toEqual({ journal_mode: "wal" });
    // NORMAL is 1.
    expect({ ...connection.get("PRAGMA synchronous") }).toEqual({ synchronous: 1 });
    expect({ ...connection.get("PRAGMA busy_timeout") }).toEqual({ timeout: 1234 });
    // Negative: KiB, not pages. better-sqlite3 would otherwise have 16 MB.
    expect({ ...connection.get("PRAGMA cache_size") }).toEqual({ cache_size: -SQLITE_PAGE_CACHE_KIB });
    connection.close();
  });

  it("runs, reads and counts changes the same way on either driver", async () => {
    const connection = await openSqliteConnection(join(directory, "driver.db"), { busyTimeoutMs: 0 });
    connection.exec("CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, at INTEGER)");
    expect(connection.run("INSERT INTO t(name, at) VALUES(?, ?), (?, ?)", "a", 1_736_150_400_000, "b", null)).toBe(2);
    expect(connection.all("SELECT name, at FROM t ORDER BY id").map((row) => ({ ...row }))).toEqual([
      { name: "a", at: 1_736_150_400_000 },
      { name: "b", at: null },
    ]);
    expect(connection.get("SELECT name FROM t WHERE name = ?", "missing")).toBeUndefined();
    expect({ ...connection.get("UPDATE t SET name = ? WHERE id = ? RETURNING name", "c", 1) }).toEqual({ name: "c" });
    connection.close();
    expect(() => connection.get("SELECT 1")).toThrow();
  });
});
