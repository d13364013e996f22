export {
  createOfflineAssistant,
  DEFAULT_CONFIDENCE_THRESHOLD,
  TOOL_TIMEOUT_MS,
  type OfflineAssistantOptions,
} from "./offline-assistant.js";
export { createFileCommerce, REFUND_WINDOW_DAYS, type FileCommerceOptions } from "./sample-commerce.js";
export { loadCorpus, parseCorpus, type CorpusExample } from "./corpus.js";
export { extractEntities } from "./entities.js";
export { scoreSentiment } from "./sentiment.js";
export { DEFAULT_ANSWERS_FILE, DEFAULT_CORPUS_FILE, DEFAULT_ORDERS_FILE } from "./paths.js";
