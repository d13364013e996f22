import { textSimilarity } from "../../routing/text-similarity.js";
import type { CorpusExample } from "../assistant/corpus.js";

/** Pairs of different-intent messages sampled for the false-repeat rate: enough for a stable third decimal. */
const DIFFERENT_INTENT_PAIRS = 20_000;

export interface RepeatRates {
  threshold: number;
  sameIntentPairs: number;
  /** Share of same-intent pairs at or above the threshold: repeats the policy would recognise. */
  sameIntentHitRate: number | null;
  differentIntentPairs: number;
  /** Share of different-intent pairs at or above it: two needs the policy would take for one repeated need. */
  differentIntentHitRate: number | null;
}

/**
 * How well policy.repeatSimilarity separates a customer repeating a need from a new need, on labelled
 * messages: consecutive same-intent rows against a fixed pseudo-random sample of different-intent pairs.
 */
export function measureRepeatSimilarity(rows: readonly CorpusExample[], threshold: number): RepeatRates {
  const ratio = (a: number, b: number) => (b === 0 ? null : a / b);
  const byIntent = new Map<string, CorpusExample[]>();
  for (const row of rows) byIntent.set(row.intent, [...(byIntent.get(row.intent) ?? []), row]);
  let same = 0;
  let sameHits = 0;
  for (const group of byIntent.values())
    for (let i = 1; i < group.length; i++) {
      same++;
      if (textSimilarity(group[i - 1]!.text, group[i]!.text) >= threshold) sameHits++;
    }
  // A fixed linear congruential sequence: the same pairs on every run, so figures compare across changes.
  let seed = 42;
  const pick = () => rows[Math.floor(((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31) * rows.length)]!;
  let different = 0;
  let differentHits = 0;
  for (let i = 0; i < DIFFERENT_INTENT_PAIRS && byIntent.size > 1; i++) {
    const a = pick();
    const b = pick();
    if (a.intent === b.intent) continue;
    different++;
    if (textSimilarity(a.text, b.text) >= threshold) differentHits++;
  }
  return {
    threshold,
    sameIntentPairs: same,
    sameIntentHitRate: ratio(sameHits, same),
    differentIntentPairs: different,
    differentIntentHitRate: ratio(differentHits, different),
  };
}
