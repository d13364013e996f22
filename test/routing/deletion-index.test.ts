import { describe, expect, it } from "vitest";
import { DeletionIndex, deletionKeys, hashKey } from "../../routing/deletion-index.js";

/** What the index replaced: every deletion key of every filed word, as a string, with its ids in filing order. */
function mapIndex(words: readonly (string | undefined)[], filed: readonly number[]): Map<string, number[]> {
  const index = new Map<string, number[]>();
  for (const id of filed) for (const key of deletionKeys(words[id]!)) index.set(key, [...(index.get(key) ?? []), id]);
  return index;
}

/** Deterministic pseudo-random words over a small alphabet, so words share many keys. */
function randomWords(count: number, seed = 7): string[] {
  let state = seed;
  const next = (n: number) => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state % n;
  };
  return Array.from({ length: count }, () => Array.from({ length: 3 + next(8) }, () => "abcdeéñ"[next(7)]).join(""));
}

describe("DeletionIndex (one-edit typo candidates in typed arrays)", () => {
  it("finds for every key exactly the words a Map of key strings held, in the same order", () => {
    const words: (string | undefined)[] = randomWords(3000);
    // Ids without a word (prefix and substring terms in the lexicon) and words left unfiled are skipped.
    words[5] = undefined;
    const filed = words.flatMap((word, id) => (word !== undefined && id % 10 !== 3 ? [id] : []));
    const index = DeletionIndex.build(words, filed);
    const reference = mapIndex(words, filed);
    for (const [key, ids] of reference) expect(index.idsFor(key)).toEqual(ids);
    // Keys no filed word has: nothing, including the unfiled words themselves when no filed word shares them.
    for (const query of ["zzz", "", "abcdeéñabcdeéñ", ...randomWords(500, 99)])
      expect(index.idsFor(query)).toEqual(reference.get(query) ?? []);
  });

  it("returns a word only for its own keys when another key has the same hash", () => {
    // Two strings whose 32-bit hashes collide: a birthday search over enough of them finds some.
    const seen = new Map<number, string>();
    let pair: [string, string] | undefined;
    for (let n = 0; pair === undefined; n++) {
      const candidate = `w${n.toString(36)}`;
      const other = seen.get(hashKey(candidate));
      if (other !== undefined) pair = [other, candidate];
      else seen.set(hashKey(candidate), candidate);
    }
    const [filedWord, query] = pair;
    expect(hashKey(filedWord)).toBe(hashKey(query));
    const index = DeletionIndex.build([filedWord], [0]);
    expect(index.idsFor(filedWord)).toEqual([0]);
    expect(index.idsFor(query)).toEqual([]);
  });

  it("refuses a word id it cannot pack, naming the limit", () => {
    const words: string[] = [];
    words[2 ** 21] = "word";
    expect(() => DeletionIndex.build(words, [2 ** 21])).toThrow(/ids below 2097152; got 2097152/);
  });
});
