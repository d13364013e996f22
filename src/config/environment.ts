import { existsSync } from "node:fs";
import { resolve } from "node:path";

/** Environment variables as read once from the process (or given by a test): names to values. */
export type Environment = Record<string, string | undefined>;

/** The settings file `npm start` and `warmline doctor` load under the real environment (see .env.example). */
export const DOT_ENV_FILE = ".env";

/** Where `npm start` and the commands keep the service's data when neither --data-dir nor WARMLINE_DATA_DIR says. */
export const DEFAULT_DATA_DIR = ".data";

/**
 * The process's environment. This module is the only reader of process.env: everything else
 * receives the record it returns (or a plain object in tests). With `dotEnvFile`, that file is
 * loaded first by Node's own loader, and real environment variables win over it.
 */
export function readEnvironment(options: { dotEnvFile?: string } = {}): Environment {
  if (options.dotEnvFile !== undefined && existsSync(options.dotEnvFile)) process.loadEnvFile(options.dotEnvFile);
  return process.env;
}

/** The service's data directory: `explicit` (--data-dir), else WARMLINE_DATA_DIR, else ./.data. */
export function dataDirOf(explicit: string | undefined, env: Environment): string {
  return resolve(explicit ?? env.WARMLINE_DATA_DIR ?? DEFAULT_DATA_DIR);
}

/** Where the store is, as the environment says: what the store factory needs beside config.store. */
export function storeLocationOf(explicitDataDir: string | undefined, env: Environment): { dataDir: string; redisUrl?: string } {
  const redisUrl = env.REDIS_URL?.trim() || undefined;
  return { dataDir: dataDirOf(explicitDataDir, env), ...(redisUrl ? { redisUrl } : {}) };
}
