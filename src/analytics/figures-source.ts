import type { WarmlineConfig } from "../config/schema.js";
import { WarmlineError } from "../domain/errors.js";
import type { ConversationStore } from "../ports/conversation-store.js";
import { type ComputeFiguresOptions, computeFigures, type Figures } from "./compute-figures.js";

const WINDOW_UNITS_MS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 } as const;

/** "7d", "24h", "30m", "2w" → milliseconds. */
export function parseWindow(text: string): number {
  const match = /^(\d+)\s*([mhdw])$/.exec(text.trim());
  const amount = match ? Number(match[1]) : 0;
  if (!match || amount <= 0) {
    throw new WarmlineError("input_invalid", `"${text}" is not a time window: use a number and a unit, e.g. 24h, 7d or 30d (m, h, d, w).`);
  }
  return amount * WINDOW_UNITS_MS[match[2] as keyof typeof WINDOW_UNITS_MS];
}

/**
 * The figures for [since, now): the conversations touched in the window (every event the figures count
 * in it also touched its conversation), and the open queue as the store's index counts it, so no
 * open conversation outside the window is loaded. The window itself is read whole.
 */
export async function figuresFromStore(
  store: Pick<ConversationStore, "listSince" | "teamCounts">,
  config: Pick<WarmlineConfig, "teams" | "policy">,
  window: { since: number; now: number },
  options: Pick<ComputeFiguresOptions, "withDurations"> = {},
): Promise<Figures> {
  const [recent, openQueue] = await Promise.all([store.listSince(window.since), store.teamCounts()]);
  return computeFigures(recent, {
    since: window.since,
    until: window.now,
    now: window.now,
    teams: config.teams,
    repeatSimilarity: config.policy.repeatSimilarity,
    openQueue,
    ...options,
  });
}
