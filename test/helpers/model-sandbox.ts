import { loadCorpus } from "../../src/assistant/corpus.js";
import { prepareAssistant } from "../../src/assistant/from-config.js";
import { createModelAssistantFromConfig } from "../../src/assistant/model/from-config.js";
import type { OfflineAssistant } from "../../src/assistant/offline-assistant.js";
import { DEFAULT_CORPUS_FILE } from "../../src/assistant/paths.js";
import type { WarmlineConfig } from "../../src/config/schema.js";
import type { Assistant, AssistantCallReport } from "../../src/ports/assistant.js";
import type { Clock } from "../../src/ports/clock.js";
import { FAKE_MODEL_ID, type FakeOpenAiServer, startFakeOpenAiServer } from "../../src/sandbox/fake-openai-server.js";
import { createScriptedModel } from "../../src/sandbox/scripted-model.js";

/**
 * The model path against the sandbox: the fake OpenAI-compatible server, whose unscripted answers
 * come from the scripted model (the offline classifier's reading), and model assistants over one
 * trained offline assistant. Every call is recorded in `calls`.
 */
export interface ModelSandbox {
  fake: FakeOpenAiServer;
  offline: OfflineAssistant;
  calls: AssistantCallReport[];
  /** Each fallback's cause and detail (the SDK's error message). */
  fallbacks: string[];
  /** A model assistant for `config` (assistant.kind set for it), reporting to `calls` and `onCall`. */
  assistant(config: WarmlineConfig, onCall?: (report: AssistantCallReport) => void): Promise<Assistant>;
  close(): Promise<void>;
}

/** The config with the model switched on; a long timeout unless given, so a busy machine never times a call out by accident. */
export function withModel(config: WarmlineConfig, assistant: Partial<WarmlineConfig["assistant"]> = {}): WarmlineConfig {
  return { ...config, assistant: { ...config.assistant, kind: "openai-compatible", timeoutMs: 60_000, ...assistant } };
}

export async function startModelSandbox(config: WarmlineConfig, clock?: Clock): Promise<ModelSandbox> {
  const offline = (await (await prepareAssistant(config, clock ? { clock } : {})).create()) as OfflineAssistant;
  const fake = await startFakeOpenAiServer({
    model: createScriptedModel({ classify: (text) => offline.classify(text), offerBelow: config.policy.confidenceThreshold }),
  });
  const intents = [...new Set((await loadCorpus(config.assistant.corpus ?? DEFAULT_CORPUS_FILE)).map((example) => example.intent))];
  const calls: AssistantCallReport[] = [];
  const fallbacks: string[] = [];
  return {
    fake,
    offline,
    calls,
    fallbacks,
    assistant: (modelConfig, onCall) =>
      createModelAssistantFromConfig(modelConfig, {
        offline,
        intents,
        runtime: {
          llm: { baseUrl: fake.baseUrl, model: FAKE_MODEL_ID },
          onCall: (report) => {
            calls.push(report);
            onCall?.(report);
          },
          onFallback: (cause, detail) => fallbacks.push(`${cause}: ${detail}`),
        },
      }),
    close: () => fake.close(),
  };
}
