import { WarmlineError, isWarmlineError } from "../domain/errors.js";

/** Where a backend keeps its data and what an operator does when it fails, for error messages. */
export interface StoreWhereabouts {
  /** e.g. "SQLite file /var/lib/warmline.db". */
  readonly location: string;
  /** e.g. "start Redis or fix REDIS_URL". */
  readonly remedy: string;
}

/** Runs a store operation; a failure becomes store_unavailable, saying what failed, where, and what to do. */
export async function inStore<T>(where: StoreWhereabouts, operation: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (isWarmlineError(error)) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new WarmlineError("store_unavailable", `Could not ${operation} in ${where.location} (${reason}): ${where.remedy}.`, error);
  }
}
