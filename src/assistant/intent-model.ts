import { createRequire } from "node:module";
import type { CorpusExample } from "./corpus.js";
import { countVocabulary, createTextNormalizer, type TextNormalizer } from "./text-normalizer.js";

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

export async function trainIntentModel(examples: readonly CorpusExample[]): Promise<IntentModel> {
  const plain = createTextNormalizer();
  const prepared = examples.map((example) => ({ utterance: plain.normalize(example.text), intent: example.intent }));
  const stemmer = new StemmerEn();
  const normalizer = createTextNormalizer(countVocabulary(prepared.map((example) => example.utterance)), (word) => stemmer.stemWord(word));

  const container = containerBootstrap();
  container.use(LangEn);
  const nlu = new NluNeural({ locale: "en", log: false, useNoneFeature: true, iterations: MAX_TRAINING_EPOCHS }, container);
  await nlu.train(prepared.filter((example) => example.utterance !== ""));

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
