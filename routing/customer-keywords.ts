import type { KeywordsConfig } from "../src/config/schema.js";
import { normalizeText } from "./text-normalize.js";

export type ControlKeyword = "human" | "bot" | "cancel" | "callback" | "wait";

const CONTROL_KEYWORDS: readonly ControlKeyword[] = ["human", "bot", "cancel", "callback", "wait"];

/** Trims, folds case and accents, and drops punctuation/emoji around the words ("Human!! 🙏" → "human"). */
export function normalizeKeyword(text: string): string {
  return normalizeText(text)
    .replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, "")
    .replace(/\s+/g, " ");
}

/** A control word the customer typed, and the language (a `keywords` key) it is from. */
export interface ControlKeywordMatch {
  kind: ControlKeyword;
  language: string;
}

/**
 * The control word the customer typed, when the whole message is one, in any configured language.
 * A keyword inside a sentence ("I want to cancel my order") is not a command.
 */
export function matchControlKeyword(text: string, keywords: KeywordsConfig): ControlKeyword | undefined {
  return matchControlKeywordWithLanguage(text, keywords)?.kind;
}

/** As matchControlKeyword, also saying which language matched (the first configured one, for a word several share). */
export function matchControlKeywordWithLanguage(text: string, keywords: KeywordsConfig): ControlKeywordMatch | undefined {
  const typed = normalizeKeyword(text);
  if (typed === "") return undefined;
  const match = matchesOf(keywords).get(typed);
  return match && { ...match };
}

/** Each table's words, normalized once: tables are fixed for an engine's life and read on every customer message. */
const MATCHES = new WeakMap<KeywordsConfig, ReadonlyMap<string, ControlKeywordMatch>>();

/** A table's normalized words and what each means: the first kind, then the first language, that has it. */
function matchesOf(keywords: KeywordsConfig): ReadonlyMap<string, ControlKeywordMatch> {
  let matches = MATCHES.get(keywords);
  if (matches === undefined) {
    const built = new Map<string, ControlKeywordMatch>();
    for (const kind of CONTROL_KEYWORDS)
      for (const [language, words] of Object.entries(keywords))
        for (const word of words[kind]) {
          const normalized = normalizeKeyword(word);
          if (!built.has(normalized)) built.set(normalized, { kind, language });
        }
    matches = built;
    MATCHES.set(keywords, matches);
  }
  return matches;
}
