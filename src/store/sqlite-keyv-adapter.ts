import type { SqliteConnection } from "./sqlite-driver.js";

/** The table keyv's documents live in: `(key, value)` rows with keyv's serialised `{"value":…}` record (the @keyv/sqlite layout). */
export const KEYV_TABLE = "keyv";

/**
 * A keyv store adapter (get, set, delete, clear) over the store's own SQLite connection, so keyv
 * reads documents through cached statements on the connection that writes them, instead of a
 * second connection that prepares every query anew.
 */
export class SqliteKeyvAdapter {
  /** Set by keyv to its namespace. */
  namespace?: string;

  constructor(private readonly connection: SqliteConnection) {}

  async get(key: string): Promise<string | undefined> {
    return this.connection.get<{ value: string }>(`SELECT value FROM ${KEYV_TABLE} WHERE key = ?`, key)?.value;
  }

  async getMany(keys: string[]): Promise<(string | undefined)[]> {
    if (keys.length === 0) return [];
    const rows = this.connection.all<{ key: string; value: string }>(
      `SELECT key, value FROM ${KEYV_TABLE} WHERE key IN (SELECT value FROM json_each(?))`,
      JSON.stringify(keys),
    );
    const values = new Map(rows.map((row) => [row.key, row.value]));
    return keys.map((key) => values.get(key));
  }

  async has(key: string): Promise<boolean> {
    return this.connection.get(`SELECT 1 AS found FROM ${KEYV_TABLE} WHERE key = ?`, key) !== undefined;
  }

  async set(key: string, value: string): Promise<void> {
    this.connection.run(
      `INSERT INTO ${KEYV_TABLE}(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`,
      key,
      value,
    );
  }

  async delete(key: string): Promise<boolean> {
    return this.connection.run(`DELETE FROM ${KEYV_TABLE} WHERE key = ?`, key) > 0;
  }

  async clear(): Promise<void> {
    // Only this namespace's keys: other namespaces may share the file.
    this.connection.run(`DELETE FROM ${KEYV_TABLE} WHERE key LIKE ? ESCAPE '\\'`, `${escapeLike(this.namespace ?? "")}:%`);
  }

  /** The store closes the shared connection. */
  async disconnect(): Promise<void> {}
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
