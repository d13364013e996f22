import { editDistance } from "../src/domain/edit-distance.js";

/** Shared text helpers for the pure detectors: one normalization so every detector sees the same words. */

/**
 * Marks that customers type or leave out at will, so they carry no meaning for matching: Latin,
 * Greek and Cyrillic accents ("atención", "ё"), Arabic vowel signs and hamza seats (أ إ آ ؤ ئ → the
 * bare letter), and the Indic nukta. Vowel signs of Indic and Thai scripts, kana voicing marks and
 * Hangul jamo are letters of the word there ("बात" is not "बता"), so they stay.
 */
const OPTIONAL_MARKS =
  /[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u093c\u09bc\u0a3c\u0abc]/g;

/** One spelling for letters that customers' keyboards write in more than one way. */
const LETTER_FOLDS: Record<string, string> = {
  ß: "ss",
  ı: "i", // Turkish dotless i: phones type "musteri" for "müşteri" and "i" for "ı"
  ł: "l", // Polish ł has no decomposition; "człowiek" is typed "czlowiek"
  đ: "d", // Vietnamese đ, typed "d" without a Vietnamese keyboard
  ʼ: "'", // Ukrainian apostrophe (U+02BC)
  "\u0640": "", // Arabic tatweel, a stretching stroke
  ى: "ي", // alef maqsura written as ya
  ی: "ي", // Persian/Urdu keyboard ya
  ے: "ي",
  ة: "ه", // ta marbuta written as ha
  ۃ: "ه",
  ہ: "ه", // Urdu keyboard ha
  ھ: "ه",
  ک: "ك", // Persian/Urdu keyboard kaf
  ٱ: "ا",
  ں: "ن", // Urdu noon ghunna, often typed as noon
  "\u0901": "\u0902", // Devanagari chandrabindu typed as anusvara
  "\u0981": "\u0982", // Bengali chandrabindu typed as anusvara
};
const LETTER_FOLD_PATTERN = new RegExp(`[${Object.keys(LETTER_FOLDS).join("")}]`, "g");

/**
 * Lower-cases, strips optional marks (so "atención" matches "atencion"), folds keyboard variants
 * (Arabic-Indic digits, full-width and half-width forms via NFKD) and curly quotes.
 */
export function normalizeText(text: string): string {
  return text
    .normalize("NFKD")
    .replace(OPTIONAL_MARKS, "")
    .replace(/[’‘`´]/g, "'")
    .toLowerCase()
    .replace(LETTER_FOLD_PATTERN, (letter) => LETTER_FOLDS[letter] ?? letter)
    .replace(/[\u0660-\u0669\u06f0-\u06f9]/g, (digit) => String((digit.charCodeAt(0) - 0x0660) % 0x90))
    .normalize("NFC");
}

/** Words of letters (with their vowel signs) and digits; apostrophes inside words are dropped ("don't" → "dont"). */
export function tokenise(text: string): string[] {
  return normalizeText(text)
    .replace(/(\p{L})'(\p{L})/gu, "$1$2")
    .split(/[^\p{L}\p{M}\p{N}]+/u)
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
