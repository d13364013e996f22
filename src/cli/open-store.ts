import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import type { WarmlineConfig } from "../config/schema.js";
import { WarmlineError } from "../domain/errors.js";
import type { ConversationStore } from "../ports/conversation-store.js";
import { createMemoryStore } from "../store/memory-store.js";
import { createRedisStore } from "../store/redis-store.js";
import { createSqliteStore } from "../store/sqlite-store.js";

/** Where the service keeps its data: --data-dir, else WARMLINE_DATA_DIR, else ./.data (as `npm start`). */
export function dataDirOf(explicit: string | undefined, env: Record<string, string | undefined>): string {
  return resolve(explicit ?? env.WARMLINE_DATA_DIR ?? ".data");
}

/** Opens the store the config points at, read by offline commands (report, export-feedback, doctor). */
export async function openConfiguredStore(
  config: WarmlineConfig,
  dataDir: string,
  env: Record<string, string | undefined>,
): Promise<ConversationStore> {
  switch (config.store.kind) {
    case "memory":
      // Nothing outlives the service in a memory store: an empty one says so honestly.
      return createMemoryStore();
    case "redis": {
      const url = env.REDIS_URL?.trim();
      if (!url)
        throw new WarmlineError(
          "config_missing_setting",
          'REDIS_URL is missing: set it to the Redis URL the service uses (store.kind is "redis"), e.g. redis://127.0.0.1:6379.',
        );
      return createRedisStore({ url });
    }
    case "sqlite": {
      const file = join(dataDir, config.store.sqliteFile);
      // Reading commands must not create an empty store somewhere unexpected.
      if (!existsSync(file)) {
        throw new WarmlineError(
          "store_unavailable",
          `No Warmline store at ${file}: pass --data-dir with the service's data directory (or set WARMLINE_DATA_DIR), or run \`npm start\` once to create it.`,
        );
      }
      return createSqliteStore({ file });
    }
  }
}
