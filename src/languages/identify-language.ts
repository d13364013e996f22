import { tokenise } from "../../routing/text-normalize.js";
import { sharedEldDetector } from "./eld-model.js";
import { type KnownScript, type LanguageInfo, loadLanguageCatalog } from "./language-catalog.js";
import { scriptOf } from "./text-script.js";

/**
 * Which catalog language a customer message is written in, offline. The script narrows the
 * candidates (Thai, Hangul, Bengali, Devanagari decide alone); eld's n-gram model (shipped in its
 * package, loaded by eld-model.ts; see scripts/compare-language-id.ts) picks among the rest; cue words from
 * data/languages/<code>/language.json catch what eld doesn't know: romanized Hindi, Urdu, Bengali
 * and Arabic, Nigerian Pidgin, Indonesian (which eld reports as Malay) and Swahili. Short or
 * ambiguous text gets no answer: the conversation keeps the language it had.
 */

export interface IdentifiedLanguage {
  /** Catalog code (ISO 639-1), e.g. "pt"; a variant keeps its parent's code (Hinglish is "hi"). */
  code: string;
  /** For the card: "Portuguese", "Hinglish (romanized Hindi)". */
  name: string;
  /** ISO 15924 script the message is written in, e.g. "Latn" for Hinglish. */
  script: KnownScript;
  /** 0..1 */
  confidence: number;
}

export interface LanguageHints {
  /** The conversation's language so far: breaks a tie between it and another candidate. */
  previous?: string;
}

export interface LanguageIdentifier {
  identify(text: string, hints?: LanguageHints): IdentifiedLanguage | undefined;
}

/** Fewer letters than this say too little ("ok", "hi", "👍", an order number). */
export const MIN_LETTERS = 3;
/** One word ("CANCELAR", "gracias") is too little to choose between languages that share a script. */
export const MIN_WORDS = 2;
/** Distinct cue words that identify a language or variant on their own. */
export const MIN_CUE_HITS = 2;
/** The library's top score must lead the runner-up by this share of itself, else the text is ambiguous. */
export const MIN_SCORE_MARGIN = 0.02;

/** Cue words (and an optional pattern) of a language or one of its variants. */
interface CueSet {
  language: LanguageInfo;
  variant?: NonNullable<LanguageInfo["variants"]>[number];
  /** Normalized as message words are (lower case, accents folded). */
  words: ReadonlySet<string>;
  pattern?: RegExp;
}

interface CueHit {
  set: CueSet;
  /** Distinct words of the message that are cues of the set. */
  words: string[];
}

function cueSets(catalog: readonly LanguageInfo[]): CueSet[] {
  const set = (language: LanguageInfo, cues: readonly string[], pattern: string | undefined) => ({
    language,
    words: new Set(cues.flatMap((cue) => tokenise(cue))),
    ...(pattern ? { pattern: new RegExp(pattern, "u") } : {}),
  });
  return catalog.flatMap((language) => [
    ...(language.cues ? [set(language, language.cues, language.cuePattern)] : []),
    ...(language.variants ?? []).map((variant) => ({ ...set(language, variant.cues, variant.cuePattern), variant })),
  ]);
}

function countCues(sets: readonly CueSet[], tokens: readonly string[], script: readonly KnownScript[]): CueHit[] {
  const distinct = [...new Set(tokens)];
  return sets
    .filter((set) => script.includes(set.variant?.script ?? set.language.scripts[0]!))
    .map((set) => ({ set, words: distinct.filter((token) => set.words.has(token) || set.pattern?.test(token)) }))
    .filter((hit) => hit.words.length > 0)
    .sort((a, b) => b.words.length - a.words.length);
}

/** Cue words of `code` (its own and its variants') in the message. */
const hitsOf = (cues: readonly CueHit[], code: string) =>
  cues.filter((hit) => hit.set.language.code === code).reduce((most, hit) => Math.max(most, hit.words.length), 0);

/**
 * Sets with as many cue words as each other: the one with more words the others lack, else the
 * conversation's language, else the one the data prefers (Hinglish over romanized Urdu), else none.
 */
function breakTie(tied: readonly CueHit[], hints: LanguageHints): CueHit | undefined {
  const distinctive = tied.map((hit) => ({
    hit,
    own: hit.words.filter((word) => !tied.some((other) => other !== hit && other.set.words.has(word))).length,
  }));
  const most = Math.max(...distinctive.map((entry) => entry.own));
  const leaders = distinctive.filter((entry) => entry.own === most).map((entry) => entry.hit);
  if (leaders.length === 1) return leaders[0];
  return (
    leaders.find((hit) => hit.set.language.code === hints.previous) ??
    leaders.find((hit) => leaders.every((other) => other === hit || hit.set.variant?.preferredOver?.includes(other.set.language.code)))
  );
}

function result(set: Pick<CueSet, "language" | "variant">, script: readonly KnownScript[], confidence: number): IdentifiedLanguage {
  return {
    code: set.language.code,
    name: set.variant?.name ?? set.language.name,
    script: set.variant?.script ?? set.language.scripts.find((candidate) => script.includes(candidate)) ?? script[0]!,
    confidence: Math.min(1, Math.max(0, confidence)),
  };
}

export function createLanguageIdentifier(catalog: readonly LanguageInfo[] = loadLanguageCatalog()): LanguageIdentifier {
  const sets = cueSets(catalog);

  /**
   * The library's pick among the candidates; a close call between its top two goes to the one with
   * more cue words, else to the conversation's language, else to nobody.
   */
  function libraryGuess(text: string, candidates: readonly LanguageInfo[], cues: readonly CueHit[], hints: LanguageHints) {
    // eld's shared instance, all its languages: the scores are filtered to the candidates (a subset would copy its model).
    const detected = sharedEldDetector().detect(text);
    if (!detected.isReliable()) return undefined;
    const scores = detected.getScores();
    const ranked = candidates
      .map((language) => ({ language, score: scores[language.code] ?? 0 }))
      .filter(({ score }) => score > 0)
      .sort((a, b) => b.score - a.score);
    const [top, second] = ranked;
    if (!top || !second || top.score - second.score >= MIN_SCORE_MARGIN * top.score) return top;
    const [topHits, secondHits] = [hitsOf(cues, top.language.code), hitsOf(cues, second.language.code)];
    if (topHits !== secondHits) return topHits > secondHits ? top : second;
    return [top, second].find(({ language }) => language.code === hints.previous);
  }

  return {
    identify(text, hints = {}) {
      if (typeof text !== "string" || !hasLetters(text, MIN_LETTERS)) return undefined;
      const script = scriptOf(text);
      if (!script) return undefined;
      // The library knows a language in its usual script; a later script is a variant's, found by cues.
      const candidates = catalog.filter((language) => script.iso.includes(language.scripts[0]!));
      const tokens = tokenise(text);
      const cues = countCues(sets, tokens, script.iso);

      const best = cues[0];
      if (best && best.words.length >= MIN_CUE_HITS) {
        const tied = cues.filter((hit) => hit.words.length === best.words.length);
        const chosen = tied.length === 1 ? best : breakTie(tied, hints);
        return chosen && result(chosen.set, script.iso, chosen.words.length / (chosen.words.length + 1));
      }

      if (candidates.length === 1) return result({ language: candidates[0]! }, script.iso, 1);
      if (tokens.length < MIN_WORDS && !script.unspaced) return undefined;
      const guess = libraryGuess(text, candidates, cues, hints);
      if (!guess) return undefined;
      // The library reports some languages as a neighbour it knows (Indonesian as Malay): cues choose.
      const sibling = catalog
        .filter((other) => other.detectedAs === guess.language.code)
        .map((other) => ({ other, hits: hitsOf(cues, other.code) }))
        .sort((a, b) => b.hits - a.hits)[0];
      if (sibling && sibling.hits > hitsOf(cues, guess.language.code)) return result({ language: sibling.other }, script.iso, guess.score);
      // A cue of one of its variants names the variant ("abeg" → Nigerian Pidgin).
      const variant = cues.find((hit) => hit.set.language === guess.language && hit.set.variant)?.set.variant;
      return result({ language: guess.language, ...(variant ? { variant } : {}) }, script.iso, guess.score);
    },
  };
}

/** Whether `text` has at least `count` letters: stops counting there, rather than listing every letter of every message. */
function hasLetters(text: string, count: number): boolean {
  const letter = /\p{L}/gu;
  let found = 0;
  while (found < count && letter.exec(text) !== null) found++;
  return found >= count;
}

let shipped: LanguageIdentifier | undefined;

/** identify() with the shipped catalog, built on first use. */
export function identifyLanguage(text: string, hints?: LanguageHints): IdentifiedLanguage | undefined {
  shipped ??= createLanguageIdentifier();
  return shipped.identify(text, hints);
}
