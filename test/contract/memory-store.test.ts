import { createMemoryStore } from "../../src/store/memory-store.js";
import { runConversationStoreContract } from "./conversation-store.contract.js";
import { runOutboxContract } from "./outbox.contract.js";

runConversationStoreContract("memory", async ({ clock }) => ({
  store: await createMemoryStore({ clock }),
  cleanup: async () => {},
}));

runOutboxContract("memory", async ({ clock }) => ({
  store: await createMemoryStore({ clock }),
  cleanup: async () => {},
}));
