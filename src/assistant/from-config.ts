import { bestEffortConfig, checkConfig, describeProblems, type LlmEndpoint } from "../config/load-config.js";
import type { WarmlineConfig } from "../config/schema.js";
import { WarmlineError } from "../domain/errors.js";
import type { Assistant, AssistantCallReport, FallbackCause } from "../ports/assistant.js";
import type { Clock } from "../ports/clock.js";
import { mergeAnswers, readAnswersFile } from "./answers.js";
import { checkConfigIntents, intentErrors, type IntentProblem } from "./config-intents.js";
import { identifyLanguage } from "../languages/identify-language.js";
import { loadCorpus } from "./corpus.js";
import { loadLanguageIntents } from "./language-intents.js";
import { createOfflineAssistant } from "./offline-assistant.js";
import { DEFAULT_ANSWERS_FILE, DEFAULT_CORPUS_FILE, DEFAULT_ORDERS_FILE } from "./paths.js";
import { createFileCommerce } from "./sample-commerce.js";

export interface AssistantOverrides {
  /** Trains on this corpus instead of the config's (e.g. --corpus). */
  corpusFile?: string;
  clock?: Clock;
}

/** What the assistant needs at run time beside the config: assistant.kind "openai-compatible" only. */
export interface AssistantRuntime {
  /** Where the model is (LLM_BASE_URL, LLM_MODEL, LLM_API_KEY: WarmlineEnv.llm). */
  llm?: LlmEndpoint;
  /** Each model call, for /metrics. */
  onCall?: (report: AssistantCallReport) => void;
  /** Each fallback to the offline assistant, for the log. */
  onFallback?: (cause: FallbackCause, detail: string) => void;
}

/** The assistant's corpus and answers, read and checked against the config, before the (slower) training. */
export interface PreparedAssistant {
  /** The corpus it trains on, as the user knows it: data/corpus.csv, or the file given. */
  corpus: string;
  /** The config's intents the corpus lacks (errors) and intents without an answer (warnings): see checkConfigIntents. */
  problems: IntentProblem[];
  /**
   * Trains the intent model (about a second) and returns the assistant the config names: the offline
   * one, or (assistant.kind "openai-compatible") the model's, once its endpoint answers with the model.
   */
  create(runtime?: AssistantRuntime): Promise<Assistant>;
}

/** Reads the corpus and answers the config (or `overrides.corpusFile`) names; throws corpus_invalid when they are unusable. */
export async function prepareAssistant(config: WarmlineConfig, overrides: AssistantOverrides = {}): Promise<PreparedAssistant> {
  const corpusFile = overrides.corpusFile ?? config.assistant.corpus ?? DEFAULT_CORPUS_FILE;
  const answersFile = config.assistant.answers !== DEFAULT_ANSWERS_FILE ? config.assistant.answers : undefined;
  const [corpus, shippedAnswers, userAnswers] = await Promise.all([
    loadCorpus(corpusFile),
    readAnswersFile(DEFAULT_ANSWERS_FILE),
    answersFile === undefined ? undefined : readAnswersFile(answersFile),
  ]);
  const answers = mergeAnswers(shippedAnswers, userAnswers);
  const languageIntents = await loadLanguageIntents({ knownIntents: new Set(corpus.map((example) => example.intent)) });
  const corpusName = corpusFile === DEFAULT_CORPUS_FILE ? "data/corpus.csv" : corpusFile;
  const problems: IntentProblem[] = (languageIntents?.unknownIntents ?? []).map(({ file, intent }) => ({
    severity: "warning" as const,
    message: `${file} trains intent "${intent}", which ${corpusName} lacks, so it has no answer: its examples are left out. Add the intent to the corpus, or rename it in the file.`,
  }));
  problems.push(
    ...checkConfigIntents(config, {
      corpus: corpusName,
      intents: corpus.map((example) => example.intent),
      answered: [...answers.keys()],
      ...(answersFile !== undefined && userAnswers ? { userAnswers: { file: answersFile, intents: [...userAnswers.keys()] } } : {}),
    }),
  );
  return {
    corpus: corpusName,
    problems,
    create: async (runtime = {}) => {
      const offline = await createOfflineAssistant({
        loaded: { corpus, answers },
        commerce: createFileCommerce(config.assistant.orders ?? DEFAULT_ORDERS_FILE, { clock: overrides.clock }),
        confidenceThreshold: config.policy.confidenceThreshold,
        orderIntents: config.assistant.orderIntents,
        refundIntents: [...config.policy.refundIntents, ...config.policy.refundTrackingIntents],
        ...(languageIntents ? { languages: { intents: languageIntents, identify: identifyLanguage } } : {}),
      });
      if (config.assistant.kind === "offline") return offline;
      // Loaded on demand: the offline assistant (and `warmline triage`'s start-up) never loads the AI SDK.
      const { createModelAssistantFromConfig } = await import("./model/from-config.js");
      return createModelAssistantFromConfig(config, { offline, intents: [...new Set(corpus.map((example) => example.intent))], runtime });
    },
  };
}

/**
 * Validates a config (parsed JSON) and reads the assistant it names, checking the intents the config
 * names against the corpus. Schema problems and unknown intents are reported together in one
 * config_invalid error (the intents as far as the broken config shows), so one run lists every problem.
 */
export async function prepareCheckedConfig(
  raw: unknown,
  source: string,
): Promise<{ config: WarmlineConfig; assistant: PreparedAssistant }> {
  const checked = checkConfig(raw);
  if (checked.ok) {
    const assistant = await prepareAssistant(checked.config);
    const unknownIntents = intentErrors(assistant.problems, source);
    if (unknownIntents) throw unknownIntents;
    return { config: checked.config, assistant };
  }
  // A corpus the broken config can't name properly is not another problem to report: the schema's come first.
  const intents = await prepareAssistant(bestEffortConfig(raw)).then(
    (assistant) => assistant.problems.filter((problem) => problem.severity === "error").map((problem) => problem.message),
    () => [],
  );
  throw new WarmlineError("config_invalid", describeProblems([...checked.problems, ...intents], source), checked.error);
}

/** The assistant as the config describes it; `corpusFile` (e.g. --corpus) overrides the config's. Problems of prepareAssistant are not reported. */
export async function createAssistantFromConfig(
  config: WarmlineConfig,
  overrides: AssistantOverrides = {},
  runtime?: AssistantRuntime,
): Promise<Assistant> {
  return (await prepareAssistant(config, overrides)).create(runtime);
}
