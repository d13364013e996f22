import { editDistance } from "../domain/edit-distance.js";
import { replacePlaces } from "./places.js";

/**
 * Turns a raw customer message into the plain word sequence the intent model sees, identically
 * at training and at classification time: slang expanded, ids and money replaced by placeholder
 * words, and (when a vocabulary is given) typos mapped onto the nearest word the corpus knows.
 */

/** Only the start of a long message is classified: intent is stated early and cost stays bounded. */
export const MAX_CLASSIFY_CHARS = 2000;
const SPELL_CACHE_LIMIT = 50_000;
/** Corpus words seen fewer times than this are likely typos themselves, so never correction targets. */
const MIN_VOCABULARY_COUNT = 2;

export const ID_PLACEHOLDER = "xnum";
export const AMOUNT_PLACEHOLDER = "xamount";

const SLANG: Record<string, string> = {
  u: "you",
  ya: "you",
  yo: "yo",
  ur: "your",
  pls: "please",
  plz: "please",
  wanna: "want to",
  gonna: "going to",
  gotta: "have to",
  im: "i am",
  ive: "i have",
  dont: "do not",
  doesnt: "does not",
  didnt: "did not",
  cant: "cannot",
  wont: "will not",
  isnt: "is not",
  arent: "are not",
  havent: "have not",
  hasnt: "has not",
  idk: "i do not know",
  thx: "thanks",
  thanx: "thanks",
  pwd: "password",
  acct: "account",
  addr: "address",
  asap: "as soon as possible",
  y: "why",
  r: "are",
};

const CONTRACTIONS: [RegExp, string][] = [
  [/\bcan't\b/g, "cannot"],
  [/\bwon't\b/g, "will not"],
  [/n't\b/g, " not"],
  [/'m\b/g, " am"],
  [/'re\b/g, " are"],
  [/'ve\b/g, " have"],
  [/'ll\b/g, " will"],
  [/'d\b/g, " would"],
  [/'s\b/g, ""],
];

// Money first (it may contain digits that would otherwise look like an id).
const CURRENCY_WORDS = "dollars?|bucks|usd|eur|euros?|gbp|pounds?|quid|jpy|yen|inr|rupees?|cad|aud|chf";
const AMOUNT_PATTERN = new RegExp(
  String.raw`(?:[$€£¥₹]\s?\d[\d,]*(?:\.\d+)?|\b(?:usd|eur|gbp|cad|aud|jpy|inr|chf)\s?\d[\d,]*(?:\.\d+)?\b|\b\d[\d,]*(?:\.\d+)?\s?(?:[$€£¥₹]|(?:${CURRENCY_WORDS})\b))`,
  "gi",
);
const ID_PATTERN = /#\s?[a-z0-9-]*\d[a-z0-9-]*|\b[a-z]{0,4}-?\d{5,}\b|\b[a-z]+-\d{3,}\b/gi;

/** How a language's text is prepared; the default is English's. */
export interface NormalizerLanguage {
  /** English chat slang and contractions ("u" → "you", "can't" → "cannot"); off for other languages, where "ya" and "y" are words. */
  english: boolean;
  /** Latin letters lose their accents ("cancelación" → "cancelacion"), as customers often type them. */
  foldAccents: boolean;
}
export const ENGLISH_TEXT: NormalizerLanguage = { english: true, foldAccents: false };

/** Lower-cases, strips control characters, expands contractions and replaces money and ids. Returns words. */
export function basicTokens(raw: string, language: NormalizerLanguage = ENGLISH_TEXT): string[] {
  let text = raw.slice(0, MAX_CLASSIFY_CHARS).normalize("NFKC").toLowerCase();
  text = text.replace(/[‘’`´]/g, "'");
  text = text.replace(AMOUNT_PATTERN, ` ${AMOUNT_PLACEHOLDER} `);
  text = text.replace(ID_PATTERN, ` ${ID_PLACEHOLDER} `);
  text = replacePlaces(text);
  if (language.english) for (const [pattern, replacement] of CONTRACTIONS) text = text.replace(pattern, replacement);
  if (language.foldAccents)
    text = text
      .normalize("NFD")
      .replace(/(\p{Script=Latin})\p{M}+/gu, "$1")
      .normalize("NFC");
  // Keep letters (any script) only; digits left after id/amount extraction carry no intent.
  text = text.replace(/[^\p{L}\s]+/gu, " ");
  const words: string[] = [];
  for (const token of text.split(/\s+/)) {
    if (token === "") continue;
    const expansion = language.english ? SLANG[token] : undefined;
    if (expansion) words.push(...expansion.split(" "));
    else words.push(token);
  }
  return words;
}

export interface TextNormalizer {
  /** The words the model sees, joined by spaces. */
  normalize(raw: string): string;
  /** Share (0..1) of the message's words the vocabulary knows as written (or by stem), before any typo correction; 1 without a vocabulary. */
  knownShare(raw: string): number;
}

/**
 * Without a vocabulary: slang/ids/money only (used to prepare training text).
 * With one: unknown words are corrected to the nearest known word (or split into two known words,
 * "thisorder" -> "this order"), because customers type fast on phones.
 */
export function createTextNormalizer(
  vocabularyCounts?: Map<string, number>,
  stem: (word: string) => string = (word) => word,
  language: NormalizerLanguage = ENGLISH_TEXT,
): TextNormalizer {
  if (!vocabularyCounts) return { normalize: (raw) => basicTokens(raw, language).join(" "), knownShare: () => 1 };

  const known = new Set(vocabularyCounts.keys());
  // A word whose stem the corpus knows ("rebating" when it has "rebate") is not a typo.
  const knownStems = new Set([...known].map(stem));
  const byLength = new Map<number, string[]>();
  for (const [word, count] of vocabularyCounts) {
    if (count < MIN_VOCABULARY_COUNT || word.length < 3) continue;
    const bucket = byLength.get(word.length) ?? [];
    bucket.push(word);
    byLength.set(word.length, bucket);
  }
  const cache = new Map<string, string>();

  const nearest = (token: string): string | undefined => {
    const max = token.length >= 8 ? 2 : token.length >= 4 ? 1 : 0;
    if (max === 0) return undefined;
    let best: string | undefined;
    let bestDistance = max + 1;
    let bestCount = 0;
    for (let length = token.length - max; length <= token.length + max; length += 1) {
      for (const word of byLength.get(length) ?? []) {
        const distance = editDistance(token, word, bestDistance);
        const count = vocabularyCounts.get(word) ?? 0;
        if (distance < bestDistance || (distance === bestDistance && count > bestCount)) {
          best = word;
          bestDistance = distance;
          bestCount = count;
        }
      }
    }
    return bestDistance <= max ? best : undefined;
  };

  const isWord = (part: string) =>
    (part.length >= 2 || (language.english && (part === "i" || part === "a" || part === "u"))) &&
    (known.has(part) || (language.english && part in SLANG));

  const split = (token: string): string | undefined => {
    if (token.length < 4) return undefined;
    let best: string | undefined;
    let bestScore = 0;
    for (let at = 1; at < token.length; at += 1) {
      const left = token.slice(0, at);
      const right = token.slice(at);
      if (!isWord(left) || !isWord(right)) continue;
      // Prefer the split whose shorter half is longest ("myaccount" -> "my account", not "m yaccount").
      const score = Math.min(left.length, right.length);
      if (score > bestScore) {
        best = [left, right].map((part) => (language.english ? SLANG[part] : undefined) ?? part).join(" ");
        bestScore = score;
      }
    }
    return best;
  };

  const correct = (token: string): string => {
    if (known.has(token)) return token;
    const cached = cache.get(token);
    if (cached !== undefined) return cached;
    // Only Latin-script words are corrected; other scripts have nothing to match in an English corpus.
    const fixed = /^[a-z]+$/.test(token) && !knownStems.has(stem(token)) ? (split(token) ?? nearest(token) ?? token) : token;
    if (cache.size >= SPELL_CACHE_LIMIT) cache.clear();
    cache.set(token, fixed);
    return fixed;
  };

  return {
    normalize: (raw) => basicTokens(raw, language).map(correct).join(" "),
    knownShare(raw) {
      const tokens = basicTokens(raw, language);
      if (tokens.length === 0) return 1;
      return tokens.filter((token) => known.has(token) || knownStems.has(stem(token))).length / tokens.length;
    },
  };
}

/** Word counts over already-normalized training texts. */
export function countVocabulary(texts: Iterable<string>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const text of texts) for (const word of text.split(" ")) if (word) counts.set(word, (counts.get(word) ?? 0) + 1);
  return counts;
}
