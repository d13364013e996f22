import type { ConversationStore } from "../ports/conversation-store.js";
import type { Figures } from "./compute-figures.js";
import { dueDigest, type DigestSchedule } from "./digest-schedule.js";

const WEEK_MS = 7 * 86_400_000;
/** The "posted" mark outlives the grace period, so one digest is posted once across restarts and instances. */
const DIGEST_MARK_TTL_MS = 8 * 86_400_000;

export interface DigestTickDeps {
  schedule: DigestSchedule;
  now: number;
  store: Pick<ConversationStore, "markSeen">;
  /** Figures for [since, until]. */
  figures(since: number, until: number): Promise<Figures>;
  post(week: Figures): Promise<void>;
}

/** Posts the weekly digest when it is due and nobody has posted it yet. Returns whether it posted. */
export async function runDigestTick(deps: DigestTickDeps): Promise<boolean> {
  const due = dueDigest(deps.schedule, deps.now);
  if (due === undefined) return false;
  if (!(await deps.store.markSeen(`digest:${due}`, DIGEST_MARK_TTL_MS))) return false;
  await deps.post(await deps.figures(due - WEEK_MS, due));
  return true;
}
