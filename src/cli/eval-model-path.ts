import { createAssistantFromConfig } from "../assistant/from-config.js";
import type { LlmEndpoint } from "../config/load-config.js";
import type { WarmlineConfig } from "../config/schema.js";
import { WarmlineError } from "../domain/errors.js";
import type { Assistant, AssistantCallReport, FallbackCause } from "../ports/assistant.js";
import { FAKE_MODEL_ID, startFakeOpenAiServer } from "../sandbox/fake-openai-server.js";
import { createScriptedModel } from "../sandbox/scripted-model.js";

/**
 * `npm run eval -- --assistant openai-compatible`: every set through the model path. With
 * LLM_BASE_URL and LLM_MODEL set, against that model; without, against the sandbox's fake server,
 * whose scripted model reads each message with the offline classifier: then the figures measure
 * the plumbing (prompt, masking, schema, validation, fallback), not a model.
 */

export interface ModelCallTally {
  calls: number;
  answered: number;
  fallbacks: Map<FallbackCause, number>;
  inputTokens: number;
  outputTokens: number;
  latenciesMs: number[];
}

export interface ModelPath {
  assistant: Assistant;
  /** One line for the report's head: which model, or the sandbox's. */
  description: string;
  tally: ModelCallTally;
  close(): Promise<void>;
}

/** Where the model is, from the environment; undefined when LLM_BASE_URL is unset (the sandbox's then). */
function endpointFrom(env: Record<string, string | undefined>): LlmEndpoint | undefined {
  const baseUrl = env.LLM_BASE_URL?.trim();
  if (!baseUrl) return undefined;
  const model = env.LLM_MODEL?.trim();
  if (!model)
    throw new WarmlineError(
      "config_missing_setting",
      "LLM_BASE_URL is set but LLM_MODEL is not: set it to the model's id as the server lists it at /models.",
    );
  const apiKey = env.LLM_API_KEY?.trim();
  return { baseUrl: baseUrl.replace(/\/+$/, ""), model, ...(apiKey ? { apiKey } : {}) };
}

export async function openModelPath(
  config: WarmlineConfig,
  options: { offline: Assistant; corpusFile?: string; env: Record<string, string | undefined> },
): Promise<ModelPath> {
  const tally: ModelCallTally = { calls: 0, answered: 0, fallbacks: new Map(), inputTokens: 0, outputTokens: 0, latenciesMs: [] };
  const onCall = (report: AssistantCallReport) => {
    tally.calls++;
    if (report.outcome === "answered") tally.answered++;
    if (report.fallback) tally.fallbacks.set(report.fallback, (tally.fallbacks.get(report.fallback) ?? 0) + 1);
    tally.inputTokens += report.inputTokens ?? 0;
    tally.outputTokens += report.outputTokens ?? 0;
    tally.latenciesMs.push(report.latencyMs);
  };
  const modelConfig: WarmlineConfig = { ...config, assistant: { ...config.assistant, kind: "openai-compatible" } };
  const real = endpointFrom(options.env);
  const fake = real
    ? undefined
    : await startFakeOpenAiServer({
        model: createScriptedModel({ classify: (text) => options.offline.classify(text), offerBelow: config.policy.confidenceThreshold }),
      });
  const llm = real ?? { baseUrl: fake!.baseUrl, model: FAKE_MODEL_ID };
  const assistant = await createAssistantFromConfig(modelConfig, options.corpusFile ? { corpusFile: options.corpusFile } : {}, {
    llm,
    onCall,
  });
  return {
    assistant,
    description: real
      ? `openai-compatible: ${real.model} at ${real.baseUrl}`
      : "openai-compatible: the sandbox's fake server, whose scripted model reads each message with the offline classifier (these figures measure the plumbing, not a model)",
    tally,
    close: async () => fake?.close(),
  };
}

function percentile(sorted: readonly number[], q: number): number {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** The model's calls, for the report: answered and fallen back (by cause), tokens, latency. */
export function modelCallFigures(tally: ModelCallTally) {
  const sorted = [...tally.latenciesMs].sort((a, b) => a - b);
  return {
    calls: tally.calls,
    answered: tally.answered,
    fallbacks: Object.fromEntries(tally.fallbacks),
    inputTokens: tally.inputTokens,
    outputTokens: tally.outputTokens,
    latencyMs: { p50: Math.round(percentile(sorted, 0.5)), p95: Math.round(percentile(sorted, 0.95)), max: Math.round(sorted.at(-1) ?? 0) },
  };
}

export function modelCallLines(tally: ModelCallTally): string[] {
  const f = modelCallFigures(tally);
  const causes = Object.entries(f.fallbacks).map(([cause, n]) => `${cause} ${n}`);
  const perCall = (n: number) => (f.calls === 0 ? 0 : Math.round(n / f.calls));
  return [
    `model calls: ${f.calls}, answered ${f.answered}, fell back to the offline assistant ${f.calls - f.answered}${causes.length > 0 ? ` (${causes.join(", ")})` : ""}`,
    `model tokens: ${f.inputTokens} in, ${f.outputTokens} out (${perCall(f.inputTokens)} and ${perCall(f.outputTokens)} per call); latency p50 ${f.latencyMs.p50} ms, p95 ${f.latencyMs.p95} ms, max ${f.latencyMs.max} ms`,
  ];
}
