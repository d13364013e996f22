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

/**
 * Optimal-string-alignment distance: Levenshtein plus adjacent transpositions ("humna" → "human" is 1).
 * Stops early once every alignment costs more than `max`, returning `max + 1`; below that it is exact.
 * Keeps three rows, not the whole table: the assistant's spelling correction calls it per vocabulary word.
 */
export function editDistance(a: string, b: string, max = Number.POSITIVE_INFINITY): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const cols = b.length + 1;
  let prevPrev = new Array<number>(cols).fill(0);
  let prev = Array.from({ length: cols }, (_, j) => j);
  let current = new Array<number>(cols).fill(0);
  for (let i = 1; i <= a.length; i += 1) {
    current[0] = i;
    let rowMin = i;
    for (let j = 1; j < cols; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(prev[j]! + 1, current[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, prevPrev[j - 2]! + 1);
      current[j] = value;
      if (value < rowMin) rowMin = value;
    }
    if (rowMin > max) return max + 1;
    [prevPrev, prev, current] = [prev, current, prevPrev];
  }
  return prev[cols - 1]!;
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
