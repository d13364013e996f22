/**
 * One synchronous SQLite connection with cached prepared statements, over whichever driver this
 * Node has: its own `node:sqlite` (unflagged since Node 22.13) or else `better-sqlite3`.
 * better-sqlite3 is a native addon built for the Node that ran `npm ci`, so it is imported only
 * when node:sqlite is missing: a newer Node never loads (and fails on) an older Node's binary.
 */

/**
 * The page cache, in KiB: SQLite's own default. better-sqlite3 builds with 16 MB, which a store of
 * 10,000 open conversations filled, for 15 MB more RSS (the bench's stored-open, two pairs: 252 / 256
 * MB against 237 / 239) and no CPU saved: the hot set is a few pages per conversation, and a page
 * not cached is read from the OS's file cache.
 */
export const SQLITE_PAGE_CACHE_KIB = 2000;

export type SqliteValue = string | number | bigint | null;
export type SqliteRow = Record<string, unknown>;
export type SqliteDriverName = "node:sqlite" | "better-sqlite3";

export interface SqliteConnection {
  readonly driver: SqliteDriverName;
  /** Runs a statement that returns no rows; the number of rows it changed. */
  run(sql: string, ...parameters: SqliteValue[]): number;
  /** The first row a query (or a statement with RETURNING) gives, if any. */
  get<T = SqliteRow>(sql: string, ...parameters: SqliteValue[]): T | undefined;
  all<T = SqliteRow>(sql: string, ...parameters: SqliteValue[]): T[];
  /** Runs SQL without parameters or a cached statement (schema, pragmas); transaction control goes through run(). */
  exec(sql: string): void;
  close(): void;
}

export interface SqliteConnectionOptions {
  /** How long a writer waits for another process's lock before failing with SQLITE_BUSY. */
  busyTimeoutMs: number;
}

/** The statement methods both drivers share. */
interface DriverStatement {
  run(...parameters: SqliteValue[]): { changes: number | bigint };
  get(...parameters: SqliteValue[]): unknown;
  all(...parameters: SqliteValue[]): unknown[];
}

interface DriverDatabase {
  prepare(sql: string): DriverStatement;
  exec(sql: string): unknown;
  close(): unknown;
}

/** The part of node:sqlite used here (@types/node 20 does not declare the module). */
interface NodeSqliteModule {
  DatabaseSync: new (path: string) => DriverDatabase;
}

/** Which driver openSqliteConnection picks on this Node. */
export function sqliteDriverName(): SqliteDriverName {
  return nodeSqlite() === undefined ? "better-sqlite3" : "node:sqlite";
}

/**
 * Opens `file` in WAL mode (readers in other processes never block the writer) with
 * synchronous=NORMAL: a commit is durable once the log is synced at a checkpoint, and a power
 * cut can lose only the last commits, never corrupt the file. Its page cache is SQLITE_PAGE_CACHE_KIB
 * on either driver.
 */
export async function openSqliteConnection(file: string, options: SqliteConnectionOptions): Promise<SqliteConnection> {
  const builtin = nodeSqlite();
  const database: DriverDatabase = builtin !== undefined ? new builtin.DatabaseSync(file) : await openBetterSqlite(file);
  const connection = new CachedConnection(database, builtin !== undefined ? "node:sqlite" : "better-sqlite3");
  try {
    connection.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs))}`);
    connection.exec("PRAGMA journal_mode = WAL");
    connection.exec("PRAGMA synchronous = NORMAL");
    connection.exec(`PRAGMA cache_size = -${SQLITE_PAGE_CACHE_KIB}`);
  } catch (error) {
    connection.close();
    throw error;
  }
  return connection;
}

async function openBetterSqlite(file: string): Promise<DriverDatabase> {
  const { default: Database } = await import("better-sqlite3");
  // Its statements take the same positional parameters; its typings spell them as a generic tuple.
  return new Database(file) as unknown as DriverDatabase;
}

function nodeSqlite(): NodeSqliteModule | undefined {
  try {
    // Undefined on Node 20 and on 22.5–22.12 without --experimental-sqlite.
    const module = process.getBuiltinModule?.("node:sqlite") as Partial<NodeSqliteModule> | undefined;
    return typeof module?.DatabaseSync === "function" ? (module as NodeSqliteModule) : undefined;
  } catch {
    return undefined;
  }
}

class CachedConnection implements SqliteConnection {
  /** Prepared once per SQL text: the statements are a fixed set, so the cache stays small. */
  private readonly statements = new Map<string, DriverStatement>();

  constructor(
    private readonly database: DriverDatabase,
    readonly driver: SqliteDriverName,
  ) {}

  run(sql: string, ...parameters: SqliteValue[]): number {
    return Number(this.statement(sql).run(...parameters).changes);
  }

  get<T>(sql: string, ...parameters: SqliteValue[]): T | undefined {
    return (this.statement(sql).get(...parameters) ?? undefined) as T | undefined;
  }

  all<T>(sql: string, ...parameters: SqliteValue[]): T[] {
    return this.statement(sql).all(...parameters) as T[];
  }

  exec(sql: string): void {
    this.database.exec(sql);
  }

  close(): void {
    this.statements.clear();
    this.database.close();
  }

  private statement(sql: string): DriverStatement {
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      statement = this.database.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }
}
