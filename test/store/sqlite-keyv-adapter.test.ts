import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Keyv } from "keyv";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openSqliteConnection, type SqliteConnection } from "../../src/store/sqlite-driver.js";
import { KEYV_TABLE, SqliteKeyvAdapter } from "../../src/store/sqlite-keyv-adapter.js";

describe("SqliteKeyvAdapter", () => {
  let directory: string;
  let connection: SqliteConnection;

  beforeEach(async () => {
    directory = mkdtempSync(join(tmpdir(), "warmline-keyv-adapter-"));
    connection = await openSqliteConnection(join(directory, "keyv.db"), { busyTimeoutMs: 1000 });
    connection.exec(`CREATE TABLE ${KEYV_TABLE}(key VARCHAR(255) PRIMARY KEY, value TEXT)`);
  });

  afterEach(() => {
    connection.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it("is a keyv store: set, get, getMany, has, delete, and clear of its own namespace only", async () => {
    const ours = new Keyv({ store: new SqliteKeyvAdapter(connection), namespace: "warmline", throwOnErrors: true });
    const theirs = new Keyv({ store: new SqliteKeyvAdapter(connection), namespace: "warm_ine", throwOnErrors: true });
    await ours.set("a", { text: ":colon first", n: 1 });
    await ours.set("b", [1, 2]);
    await theirs.set("a", "kept");
    expect(await ours.get("a")).toEqual({ text: ":colon first", n: 1 });
    expect(await ours.get(["a", "missing", "b"])).toEqual([{ text: ":colon first", n: 1 }, undefined, [1, 2]]);
    expect(await ours.has("b")).toBe(true);
    expect(await ours.delete("b")).toBe(true);
    expect(await ours.get("b")).toBeUndefined();
    // "_" is a LIKE wildcard: clearing "warmline" must not match "warm_ine" the other way round, nor the reverse.
    await theirs.clear();
    expect(await ours.get("a")).toEqual({ text: ":colon first", n: 1 });
    await ours.clear();
    expect(await ours.get("a")).toBeUndefined();
    expect(connection.all(`SELECT key FROM ${KEYV_TABLE}`)).toEqual([]);
  });
});
