import type { WarmlineConfig } from "../../config/schema.js";
import { maskPii } from "../../domain/pii.js";
import { WarmlineError } from "../../domain/errors.js";
import type { Assistant } from "../../ports/assistant.js";
import type { AssistantRuntime } from "../from-config.js";
import type { OfflineAssistant } from "../offline-assistant.js";
import { assertModelEndpoint } from "./endpoint-check.js";
import { createModelAssistant } from "./model-assistant.js";
import { createModelClient } from "./model-client.js";
import { createPromptBuilder } from "./prompt.js";

/** The word a customer types for a person, as the model names it in an offer: the config's first English one. */
const DEFAULT_HUMAN_KEYWORD = "HUMAN";

/**
 * The model's assistant for assistant.kind "openai-compatible", over the offline one it falls back
 * to. Checks first that the endpoint answers and serves the model (assistant_unavailable otherwise).
 */
export async function createModelAssistantFromConfig(
  config: WarmlineConfig,
  parts: { offline: OfflineAssistant; intents: readonly string[]; runtime: AssistantRuntime },
): Promise<Assistant> {
  const { runtime } = parts;
  if (!runtime.llm)
    throw new WarmlineError(
      "config_missing_setting",
      'assistant.kind "openai-compatible" needs LLM_BASE_URL and LLM_MODEL: put them in .env (see .env.example), or set assistant.kind to "offline".',
    );
  await assertModelEndpoint(runtime.llm);
  const settings = config.assistant;
  const client = createModelClient({
    endpoint: runtime.llm,
    intents: parts.intents,
    timeoutMs: settings.timeoutMs,
    jsonSchema: settings.jsonSchema,
  });
  // Every kind of personal data is masked for the model, whatever the workspace shows agents.
  const mask = { ...config.privacy, maskCards: true, maskEmails: true, maskPhones: true };
  const prompt = createPromptBuilder({
    business: config.business.name,
    intents: parts.intents,
    humanKeyword: config.keywords.en?.human[0] ?? DEFAULT_HUMAN_KEYWORD,
    summaryLanguage: settings.summaryLanguage,
    maxContextMessages: settings.maxContextMessages,
    mask: settings.maskPii ? (text) => maskPii(text, mask) : (text) => text,
    ...(settings.jsonSchema ? {} : { jsonSchema: client.jsonSchema }),
  });
  return createModelAssistant({
    offline: parts.offline,
    client,
    prompt,
    orderIntents: settings.orderIntents,
    summaryLanguage: settings.summaryLanguage,
    ...(runtime.onCall ? { onCall: runtime.onCall } : {}),
    ...(runtime.onFallback ? { onFallback: runtime.onFallback } : {}),
  });
}
