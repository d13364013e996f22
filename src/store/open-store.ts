import { existsSync } from "node:fs";
import { join } from "node:path";
import type { WarmlineConfig } from "../config/schema.js";
import { WarmlineError } from "../domain/errors.js";
import type { Clock } from "../ports/clock.js";
import type { Logger } from "../ports/logger.js";
import type { WarmlineStore } from "../ports/outbox.js";
import { createMemoryStore } from "./memory-store.js";
import { createSqliteStore } from "./sqlite-store.js";

/** Where the configured store lives, beside config.store (see storeLocationOf in src/config/environment.ts). */
export interface StoreLocation {
  /** The data directory: store.sqliteFile is relative to it. */
  dataDir?: string;
  /** REDIS_URL, for store.kind "redis". */
  redisUrl?: string;
  clock?: Clock;
  /** Where the store reports trouble it works around (SQLite: its checkpoint worker failing); warnings to stderr without it. */
  logger?: Logger;
  /**
   * Reading commands (report, export-feedback, doctor): refuse to create an empty SQLite file somewhere
   * unexpected, and start no checkpoint worker.
   */
  existing?: boolean;
}

/**
 * Opens the store config.store names: the one factory behind `npm start` and every command, so
 * they all see the same data (the same SQLite file, the same Redis namespace).
 */
export async function openConversationStore(store: WarmlineConfig["store"], location: StoreLocation): Promise<WarmlineStore> {
  const { clock, logger } = location;
  switch (store.kind) {
    case "memory":
      // Nothing outlives the process in a memory store: a reading command honestly sees it empty.
      return createMemoryStore({ clock });
    case "redis": {
      if (!location.redisUrl)
        throw new WarmlineError(
          "config_missing_setting",
          'REDIS_URL is missing: set it to the Redis URL the service uses (store.kind is "redis"), e.g. redis://127.0.0.1:6379.',
        );
      // Imported only for this kind: the Redis client (with OpenTelemetry, about 7 MB of heap) stays unloaded otherwise.
      const { createRedisStore } = await import("./redis-store.js");
      return createRedisStore({ url: location.redisUrl, namespace: store.redisNamespace, clock });
    }
    case "sqlite": {
      if (location.dataDir === undefined)
        throw new WarmlineError(
          "store_unavailable",
          "No data directory for the SQLite store: pass --data-dir (or set WARMLINE_DATA_DIR) with the service's data directory.",
        );
      const file = join(location.dataDir, store.sqliteFile);
      if (location.existing && !existsSync(file)) {
        throw new WarmlineError(
          "store_unavailable",
          `No Warmline store at ${file}: pass --data-dir with the service's data directory (or set WARMLINE_DATA_DIR), or run \`npm start\` once to create it.`,
        );
      }
      // A reading command writes next to nothing: its connection checkpoints itself, with no worker thread to start.
      return createSqliteStore({ file, clock, ...(logger ? { logger } : {}), checkpointWorker: !location.existing });
    }
  }
}
