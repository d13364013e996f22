import type { KnownScript } from "./language-catalog.js";

/** Letters of each Unicode script Warmline tells apart, and the ISO 15924 codes a text in it may be filed under. */
const UNICODE_SCRIPTS: readonly { letters: RegExp; iso: readonly KnownScript[] }[] = [
  { letters: /\p{Script=Latin}/gu, iso: ["Latn"] },
  { letters: /\p{Script=Cyrillic}/gu, iso: ["Cyrl"] },
  { letters: /\p{Script=Arabic}/gu, iso: ["Arab"] },
  { letters: /\p{Script=Devanagari}/gu, iso: ["Deva"] },
  { letters: /\p{Script=Bengali}/gu, iso: ["Beng"] },
  { letters: /\p{Script=Thai}/gu, iso: ["Thai"] },
  // Kana or Hangul anywhere decides: Japanese and Korean mix them with Han characters.
  { letters: /[\p{Script=Hiragana}\p{Script=Katakana}]/gu, iso: ["Jpan"] },
  { letters: /\p{Script=Hangul}/gu, iso: ["Kore"] },
  { letters: /\p{Script=Han}/gu, iso: ["Hans", "Hant", "Jpan"] },
];
const DECIDING_SCRIPTS: readonly KnownScript[] = ["Jpan", "Kore"];

/** Scripts written without spaces between words: a count of words says nothing there. */
const UNSPACED: readonly KnownScript[] = ["Thai", "Jpan", "Hans", "Hant"];

export interface TextScript {
  /** The ISO 15924 codes the text may be filed under (Han alone: Hans, Hant or Jpan). */
  iso: readonly KnownScript[];
  /** Letters in that script. */
  letters: number;
  /** Written without spaces between words (Chinese, Japanese, Thai). */
  unspaced: boolean;
}

/** The script most of the text's letters are written in; undefined for emoji, digits, or a script Warmline doesn't know. */
export function scriptOf(text: string): TextScript | undefined {
  let best: TextScript | undefined;
  for (const { letters, iso } of UNICODE_SCRIPTS) {
    const count = text.match(letters)?.length ?? 0;
    if (count === 0) continue;
    const unspaced = UNSPACED.includes(iso[0]!);
    if (DECIDING_SCRIPTS.includes(iso[0]!)) return { iso, letters: count + (text.match(/\p{Script=Han}/gu)?.length ?? 0), unspaced };
    if (best === undefined || count > best.letters) best = { iso, letters: count, unspaced };
  }
  return best;
}
