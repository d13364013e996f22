import { existsSync } from "node:fs";
import { join } from "node:path";
import type { IdentifiedLanguage, LanguageHints } from "../languages/identify-language.js";
import { LANGUAGES_DIR, type LanguageInfo, loadLanguageCatalog } from "../languages/language-catalog.js";
import { type CorpusExample, loadCorpus } from "./corpus.js";
import { type IntentModel, type IntentScore, trainIntentModel } from "./intent-model.js";

/**
 * Intents in languages other than English, from data/languages/<code>/intents.csv: one NLP.js model
 * for all of them together (better than one per language on our data: scripts/measure-language-intents.ts),
 * trained on the first message that needs it, so English start-up and triage don't pay for it.
 */

/**
 * The multilingual model learnt from about 25 examples per intent and none of the in-domain questions
 * that need no person ("can I pay by card?"), so at the usual threshold it reads such questions as
 * cancellations or payment problems, which escalate: 12–14 of 60 in scripts/language-intents-plain.tsv at
 * 0.55, 4 at 0.85, 2 (the product's 3 % bar for false escalation) at this score
 * (scripts/measure-language-intents.ts). Below it, its answers are not confident.
 */
export const OTHER_LANGUAGES_MIN_CONFIDENCE = 0.95;

/**
 * The English model vouches only for text it mostly recognises. On a message in a language without
 * examples ("bkash e payment kora jabe", "c est compatible iphone?") it still picks an intent, and is
 * sure of it from one familiar word or a typo correction ("compatible" → "complain"): under this share
 * of known words its answer is a guess, kept under the confidence threshold.
 */
export const ENGLISH_MIN_KNOWN_SHARE = 0.5;
/** Where a guess is kept: just under the threshold, so the assistant asks rather than acts. */
const GUESS_SHARE_OF_THRESHOLD = 0.9;

export interface LanguageIntents {
  /**
   * Languages whose messages this model hears: those with an intents.csv, and the one the
   * identification library reports any of them as (Malay, for Indonesian).
   */
  readonly languages: ReadonlySet<string>;
  readonly examples: readonly CorpusExample[];
  /** Intents in the files that the English corpus lacks, so the assistant has no answer for: their examples are left out. */
  readonly unknownIntents: readonly { file: string; intent: string }[];
  /** Trained on first call. */
  model(): Promise<IntentModel>;
}

export interface LanguageIntentsOptions {
  /** The English corpus's intents: the only ones the assistant can answer. */
  knownIntents: ReadonlySet<string>;
  dir?: string;
  catalog?: readonly LanguageInfo[];
}

/** Reads every intents.csv (corpus_invalid names the file and line); undefined when there is none. */
export async function loadLanguageIntents(options: LanguageIntentsOptions): Promise<LanguageIntents | undefined> {
  const dir = options.dir ?? LANGUAGES_DIR;
  const catalog = options.catalog ?? loadLanguageCatalog(dir);
  const files = catalog
    .filter((language) => language.code !== "en")
    .map((language) => ({ language, file: join(dir, language.code, "intents.csv") }))
    .filter(({ file }) => existsSync(file));
  if (files.length === 0) return undefined;
  const loaded = await Promise.all(files.map(async ({ language, file }) => ({ language, file, examples: await loadCorpus(file) })));

  const unknownIntents = loaded.flatMap(({ file, examples }) =>
    [...new Set(examples.map((example) => example.intent))]
      .filter((intent) => !options.knownIntents.has(intent))
      .map((intent) => ({ file, intent })),
  );
  const examples = loaded.flatMap(({ examples }) => examples.filter((example) => options.knownIntents.has(example.intent)));
  const languages = new Set(loaded.flatMap(({ language }) => [language.code, ...(language.detectedAs ? [language.detectedAs] : [])]));
  let trained: Promise<IntentModel> | undefined;
  return {
    languages,
    examples,
    unknownIntents,
    model() {
      trained ??= trainIntentModel(examples, { language: "mul" });
      return trained;
    },
  };
}

export type Identify = (text: string, hints?: LanguageHints) => IdentifiedLanguage | undefined;

export interface LanguageModels {
  english: IntentModel;
  others?: LanguageIntents;
  identify: Identify;
  /** The assistant's confidence threshold: the other model's answers under OTHER_LANGUAGES_MIN_CONFIDENCE are scaled below it. */
  threshold: number;
}

/**
 * Classifies with the model for the message's language: English, a language without examples, and a
 * message too short to identify in a conversation of unknown language on the English model (which
 * then never trains the other), the languages with examples on theirs.
 */
export async function classifyInLanguage(text: string, models: LanguageModels, conversationLanguage?: string): Promise<IntentScore[]> {
  const { english, others, identify, threshold } = models;
  const code =
    others && (identify(text, conversationLanguage === undefined ? {} : { previous: conversationLanguage })?.code ?? conversationLanguage);
  if (!others || code === undefined || !others.languages.has(code)) {
    const scores = await english.classify(text);
    if (english.normalizer.knownShare(text) >= ENGLISH_MIN_KNOWN_SHARE) return scores;
    return scores.map((score) => ({ ...score, score: Math.min(score.score, threshold * GUESS_SHARE_OF_THRESHOLD) }));
  }
  return stricter((await others.model()).classify(text), threshold);
}

/** Scores under OTHER_LANGUAGES_MIN_CONFIDENCE scaled below the assistant's threshold, keeping their order. */
async function stricter(scores: Promise<IntentScore[]>, threshold: number): Promise<IntentScore[]> {
  const bar = Math.max(OTHER_LANGUAGES_MIN_CONFIDENCE, threshold);
  return (await scores).map(({ intent, score }) => ({ intent, score: score >= bar ? score : (score * threshold) / bar }));
}
