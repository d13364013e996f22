export { createMemoryStore } from "./memory-store.js";
export { createSqliteStore, SQLITE_BUSY_TIMEOUT_MS } from "./sqlite-store.js";
export { createRedisStore, REDIS_DEFAULT_NAMESPACE } from "./redis-store.js";
export { KeyvConversationStore } from "./keyv-conversation-store.js";
export { indexEntryOf, isActiveConversation, isOpenConversation, threadsOf, type ConversationIndexEntry } from "./conversation-index.js";
export type { ConversationWrite, StoreBackend } from "./store-backend.js";
export { openConversationStore, type StoreLocation } from "./open-store.js";
