import { editDistance } from "../src/domain/edit-distance.js";

/** Shared text helpers for the pure detectors: one normalization so every detector sees the same words. */

/** Lower-cases, strips accents (so "atención" matches "atencion") and folds curly quotes. */
export function normalizeText(text: string): string {
  return text
    .normalize("NFD")
    .replace(/\p{M}+/gu, "")
    .replace(/[’‘`´]/g, "'")
    .toLowerCase()
    .replace(/ß/g, "ss");
}

/** Words of letters and digits; apostrophes inside words are dropped ("don't" → "dont"). */
export function tokenise(text: string): string[] {
  return normalizeText(text)
    .replace(/(\p{L})'(\p{L})/gu, "$1$2")
    .split(/[^\p{L}\p{N}]+/u)
    .filter((token) => token.length > 0);
}

/** Typos allowed for a word of this length: none for short words, where one edit makes another word. */
export function typoAllowance(word: string): number {
  if (word.length >= 10) return 2;
  if (word.length >= 5) return 1;
  return 0;
}

/** True when `token` is `word` or a plausible typo of it. */
export function isFuzzyMatch(token: string, word: string): boolean {
  if (token === word) return true;
  const allowance = typoAllowance(word);
  if (allowance === 0) return false;
  return editDistance(token, word, allowance) <= allowance;
}
