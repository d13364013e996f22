/**
 * SymSpell's symmetric-delete index for one-edit typos, held in typed arrays. Each word is filed
 * under itself and every string one deletion away; a token's own deletion keys then find every word
 * one edit from it (substitution, insertion, deletion or transposition), to be confirmed by distance.
 * A Map from each key string to its words held 84,000 keys of the shipped lexicons in 7 MB of heap;
 * here a key is a 32-bit hash, sorted, and its words a slice of one array: about 1 MB. A hash shared
 * by two keys costs only a comparison: a word is returned for a key only if the key is one of its own.
 */
export class DeletionIndex {
  private constructor(
    /** The words by id, as given to build(). */
    private readonly words: readonly (string | undefined)[],
    /** Distinct key hashes, ascending. */
    private readonly hashes: Uint32Array,
    /** The ids of hashes[i] are ids[starts[i]] to ids[starts[i + 1]], ascending. */
    private readonly starts: Uint32Array,
    private readonly ids: Uint32Array,
  ) {}

  /** Files each listed word (by id into `words`) under its deletion keys. */
  static build(words: readonly (string | undefined)[], filed: Iterable<number>): DeletionIndex {
    // hash × 2^21 + id stays an exact integer in a double (32 + 21 bits < 53), so one numeric sort orders both.
    const packed: number[] = [];
    for (const id of filed) {
      if (id >= ID_LIMIT) throw new RangeError(`DeletionIndex holds word ids below ${ID_LIMIT}; got ${id}`);
      for (const key of deletionKeys(words[id]!)) packed.push(hashKey(key) * ID_LIMIT + id);
    }
    const sorted = Float64Array.from(packed).sort();
    const hashes: number[] = [];
    const starts: number[] = [];
    const ids: number[] = [];
    let previous = -1;
    for (const value of sorted) {
      if (value === previous) continue;
      previous = value;
      const hash = Math.floor(value / ID_LIMIT);
      if (hashes.at(-1) !== hash) {
        hashes.push(hash);
        starts.push(ids.length);
      }
      ids.push(value - hash * ID_LIMIT);
    }
    starts.push(ids.length);
    return new DeletionIndex(words, Uint32Array.from(hashes), Uint32Array.from(starts), Uint32Array.from(ids));
  }

  /** Ids of the words filed under `key` (the word itself, or it less one letter), ascending. */
  idsFor(key: string): number[] {
    const at = this.find(hashKey(key));
    if (at < 0) return [];
    const found: number[] = [];
    for (let k = this.starts[at]!; k < this.starts[at + 1]!; k++) {
      const id = this.ids[k]!;
      if (isDeletionKeyOf(key, this.words[id]!)) found.push(id);
    }
    return found;
  }

  private find(hash: number): number {
    let low = 0;
    let high = this.hashes.length - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const value = this.hashes[middle]!;
      if (value === hash) return middle;
      if (value < hash) low = middle + 1;
      else high = middle - 1;
    }
    return -1;
  }
}

/** Word ids must stay below this: 2^21, some two million words. */
const ID_LIMIT = 2 ** 21;

/** The word and every string one deletion away. */
export function deletionKeys(word: string): Set<string> {
  const out = new Set<string>([word]);
  for (let i = 0; i < word.length; i++) out.add(word.slice(0, i) + word.slice(i + 1));
  return out;
}

/** Whether `key` is among deletionKeys(word), without building them. */
function isDeletionKeyOf(key: string, word: string): boolean {
  if (key === word) return true;
  if (key.length !== word.length - 1) return false;
  let i = 0;
  while (i < key.length && key.charCodeAt(i) === word.charCodeAt(i)) i++;
  for (; i < key.length; i++) if (key.charCodeAt(i) !== word.charCodeAt(i + 1)) return false;
  return true;
}

/** FNV-1a over the UTF-16 code units: 32 bits, unsigned (exported for the tests, which look for two keys sharing one). */
export function hashKey(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}
