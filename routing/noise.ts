import { normalizeText, tokenise } from "./text-normalize.js";

/**
 * Fail-safe for messages the assistant cannot meaningfully answer: keyboard mash, random
 * consonants, emoji only, a single word. The policy asks a clarifying question instead of
 * guessing, and counts a miss.
 */
export type NoiseKind = "empty" | "emoji_only" | "gibberish" | "one_word";

/** Single words that are real conversational turns, not noise. */
const CONVERSATIONAL_WORDS = new Set([
  "hi",
  "hello",
  "hey",
  "hiya",
  "yo",
  "thanks",
  "thank",
  "thx",
  "ty",
  "ok",
  "okay",
  "k",
  "yes",
  "yeah",
  "yep",
  "no",
  "nope",
  "sure",
  "bye",
  "goodbye",
  "please",
  "hola",
  "gracias",
  "si",
  "bonjour",
  "merci",
  "oui",
  "non",
  "hallo",
  "danke",
  "ja",
  "nein",
  "ola",
  "obrigado",
  "obrigada",
  "sim",
  "nao",
  "ciao",
  "grazie",
  "hoi",
  "dank",
  "nee",
]);

/** Rows of a QWERTY/AZERTY keyboard; runs along them are mashing ("asdf", "qwerty", "jkl"). */
const KEYBOARD_ROWS = ["qwertyuiop", "asdfghjkl", "zxcvbnm", "azertyuiop", "qsdfghjklm", "wxcvbn", "1234567890"];
const KEYBOARD_RUN = 4;
/** Longer consonant runs than real words have (German "Angstschweiss" has 7, so allow 6). */
const MAX_CONSONANT_RUN = 6;
const MIN_VOWELLESS_WORD = 4;
const REPEATED_CHAR_RUN = 4;
/** A message is gibberish when at least this share of its words is. */
const GIBBERISH_WORD_SHARE = 0.5;

/** Order numbers, amounts and emails answer a question the bot asked; they are not noise. */
function isReferenceLike(token: string): boolean {
  return /\d/.test(token) && token.length >= 3;
}

/** Every run of KEYBOARD_RUN keys along a row, both directions, computed once. */
const KEYBOARD_RUNS = new Set(
  KEYBOARD_ROWS.flatMap((row) => [row, [...row].reverse().join("")]).flatMap((row) =>
    Array.from({ length: Math.max(0, row.length - KEYBOARD_RUN + 1) }, (_, i) => row.slice(i, i + KEYBOARD_RUN)),
  ),
);
const REPEATED_CHARS = new RegExp(`(.)\\1{${REPEATED_CHAR_RUN - 1}}`);
const CONSONANT_RUN = new RegExp(`[^aeiouy]{${MAX_CONSONANT_RUN + 1}}`);

function hasKeyboardRun(word: string): boolean {
  for (let i = 0; i + KEYBOARD_RUN <= word.length; i++) {
    if (KEYBOARD_RUNS.has(word.slice(i, i + KEYBOARD_RUN))) return true;
  }
  return false;
}

export function isGibberishWord(word: string): boolean {
  if (/\d/.test(word)) return false;
  if (REPEATED_CHARS.test(word)) return true;
  if (word.length >= MIN_VOWELLESS_WORD && !/[aeiouy]/.test(word)) return true;
  if (CONSONANT_RUN.test(word)) return true;
  return hasKeyboardRun(word);
}

/** Returns why the message is noise, or undefined for a message worth answering. */
export function detectNoise(text: string): NoiseKind | undefined {
  if (text.trim() === "") return "empty";
  const words = tokenise(text);
  if (words.length === 0) return /[\p{Extended_Pictographic}\p{Emoji_Presentation}]/u.test(text) ? "emoji_only" : "empty";
  const latinWords = words.filter((word) => /^[a-z]+$/.test(word));
  const gibberish = latinWords.filter(isGibberishWord).length;
  if (gibberish > 0 && gibberish >= words.length * GIBBERISH_WORD_SHARE) return "gibberish";
  if (words.length === 1) {
    const [word] = words as [string];
    if (CONVERSATIONAL_WORDS.has(word) || isReferenceLike(word) || normalizeText(text).includes("@")) return undefined;
    return "one_word";
  }
  return undefined;
}
