import { createRequire } from "node:module";
import type { CorpusExample } from "./corpus.js";
import { countVocabulary, createTextNormalizer, ENGLISH_TEXT, type NormalizerLanguage, type TextNormalizer } from "./text-normalizer.js";

/**
 * A thin typed wrapper over NLP.js's neural NLU (@nlpjs/nlu + @nlpjs/lang-en-min). We use the NLU
 * directly rather than @nlpjs/basic's Nlp: no model file is written, nothing is logged, and no
 * NER/sentiment/answer pipeline runs that we would not use.
 */

// NLP.js ships CommonJS without types; these are the few members we touch.
interface NlpjsContainer {
  use(plugin: unknown): void;
}
interface NlpjsClassification {
  intent: string;
  score: number;
}
interface NlpjsNeuralNlu {
  train(corpus: { utterance: string; intent: string }[]): Promise<unknown>;
  process(utterance: string): Promise<{ classifications: NlpjsClassification[] }>;
  /** NLP.js memoises every prepared utterance for an hour; we empty it to bound memory. */
  cache?: { results: Record<string, Record<string, unknown>> };
}

const require = createRequire(import.meta.url);
const { containerBootstrap } = require("@nlpjs/core") as { containerBootstrap: () => NlpjsContainer };
const { NluNeural } = require("@nlpjs/nlu") as {
  NluNeural: new (settings: Record<string, unknown>, container: NlpjsContainer) => NlpjsNeuralNlu;
};
const { LangEn, StemmerEn } = require("@nlpjs/lang-en-min") as {
  LangEn: unknown;
  StemmerEn: new () => { stemWord(word: string): string };
};

/** The intent NLP.js reports when no trained word occurs in the text. */
const NLPJS_NONE = "None";
export const NONE_INTENT = "none";
const PREPARE_CACHE_CLEAR_EVERY = 5_000;

export interface IntentScore {
  intent: string;
  score: number;
}

export interface IntentModel {
  classify(text: string): Promise<IntentScore[]>;
  readonly intents: readonly string[];
  readonly normalizer: TextNormalizer;
}

/** Training epochs: accuracy plateaus well before NLP.js's own stopping rule, and start-up time matters. */
export const MAX_TRAINING_EPOCHS = 40;

/**
 * Other languages have no NLP.js stemmer installed: a word's first letters stand for it, which joins
 * most inflections ("cancelar", "cancelado", "cancela") at little cost to meaning (see scripts/measure-language-intents.ts).
 */
export const PREFIX_STEM_LENGTH = 5;
const OTHER_LANGUAGE_TEXT: NormalizerLanguage = { english: false, foldAccents: true };

export interface IntentModelOptions {
  /** ISO 639-1 code of the examples' language ("mul" for several); English (the default) gets NLP.js's English tokenizer and stemmer. */
  language?: string;
  /** Other languages only: letters of a word that stand for it (0: the whole word). */
  prefixStemLength?: number;
}

export async function trainIntentModel(examples: readonly CorpusExample[], options: IntentModelOptions = {}): Promise<IntentModel> {
  const english = (options.language ?? "en") === "en";
  const rules = english ? ENGLISH_TEXT : OTHER_LANGUAGE_TEXT;
  const plain = createTextNormalizer(undefined, undefined, rules);
  const stemLength = options.prefixStemLength ?? PREFIX_STEM_LENGTH;
  const stemmer = english ? new StemmerEn() : undefined;
  const stem = stemmer ? (word: string) => stemmer.stemWord(word) : (word: string) => (stemLength > 0 ? word.slice(0, stemLength) : word);
  const prepared = examples.map((example) => ({ utterance: plain.normalize(example.text), intent: example.intent }));
  const vocabulary = countVocabulary(prepared.map((example) => example.utterance));
  const corrected = createTextNormalizer(vocabulary, stem, rules);
  // NLP.js stems English itself; other languages are stemmed here, before it sees the words.
  const normalizer: TextNormalizer = english
    ? corrected
    : { ...corrected, normalize: (raw) => corrected.normalize(raw).split(" ").filter(Boolean).map(stem).join(" ") };

  const container = containerBootstrap();
  if (english) container.use(LangEn);
  const nlu = new NluNeural(
    { locale: english ? "en" : "xx", log: false, useNoneFeature: true, iterations: MAX_TRAINING_EPOCHS },
    container,
  );
  const trained = english ? prepared : prepared.map((example) => ({ ...example, utterance: normalizer.normalize(example.utterance) }));
  await nlu.train(trained.filter((example) => example.utterance !== ""));
  // Training prepared every example through that memo: thousands of token lists nothing reads again (customers
  // rarely write an example word for word), kept on the heap until the first clear.
  if (nlu.cache) nlu.cache.results = {};

  let calls = 0;
  return {
    intents: [...new Set(examples.map((example) => example.intent))],
    normalizer,
    async classify(text) {
      const utterance = normalizer.normalize(text);
      if (utterance === "") return [{ intent: NONE_INTENT, score: 0 }];
      calls += 1;
      if (calls % PREPARE_CACHE_CLEAR_EVERY === 0 && nlu.cache) nlu.cache.results = {};
      const { classifications } = await nlu.process(utterance);
      return classifications.map(({ intent, score }) => ({ intent: intent === NLPJS_NONE ? NONE_INTENT : intent, score }));
    },
  };
}
