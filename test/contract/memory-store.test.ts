import { createMemoryStore } from "../../src/store/memory-store.js";
import { runConversationQueryContract } from "./conversation-queries.contract.js";
import { runConversationStoreContract } from "./conversation-store.contract.js";
import { runInboxContract } from "./inbox.contract.js";
import { runOutboxContract } from "./outbox.contract.js";

runConversationStoreContract("memory", async ({ clock }) => ({
  store: await createMemoryStore({ clock }),
  cleanup: async () => {},
}));

runOutboxContract("memory", async ({ clock }) => ({
  store: await createMemoryStore({ clock }),
  cleanup: async () => {},
}));

runInboxContract("memory", async ({ clock }) => ({
  store: await createMemoryStore({ clock }),
  cleanup: async () => {},
}));

runConversationQueryContract("memory", async ({ clock }) => ({
  store: await createMemoryStore({ clock }),
  cleanup: async () => {},
}));
