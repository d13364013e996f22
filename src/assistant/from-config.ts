import type { WarmlineConfig } from "../config/schema.js";
import type { Assistant } from "../ports/assistant.js";
import type { Clock } from "../ports/clock.js";
import { createOfflineAssistant } from "./offline-assistant.js";
import { DEFAULT_ORDERS_FILE } from "./paths.js";
import { createFileCommerce } from "./sample-commerce.js";

/** The default assistant as the config describes it; `corpusFile` (e.g. --corpus) overrides the config's. */
export async function createAssistantFromConfig(config: WarmlineConfig, overrides: { corpusFile?: string; clock?: Clock } = {}): Promise<Assistant> {
  return createOfflineAssistant({
    corpusFile: overrides.corpusFile ?? config.assistant.corpus,
    answersFile: config.assistant.answers,
    commerce: createFileCommerce(config.assistant.orders ?? DEFAULT_ORDERS_FILE, { clock: overrides.clock }),
    confidenceThreshold: config.policy.confidenceThreshold,
  });
}
