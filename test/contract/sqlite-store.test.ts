import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSqliteStore } from "../../src/store/sqlite-store.js";
import { runConversationQueryContract } from "./conversation-queries.contract.js";
import { runConversationStoreContract } from "./conversation-store.contract.js";
import { runInboxContract } from "./inbox.contract.js";
import { runOutboxContract } from "./outbox.contract.js";

runConversationStoreContract("sqlite", async ({ clock }) => {
  const directory = mkdtempSync(join(tmpdir(), "warmline-sqlite-"));
  const file = join(directory, "warmline.db");
  return {
    store: await createSqliteStore({ file, clock }),
    reopen: () => createSqliteStore({ file, clock }),
    cleanup: async () => rmSync(directory, { recursive: true, force: true }),
  };
});

runOutboxContract("sqlite", async ({ clock }) => {
  const directory = mkdtempSync(join(tmpdir(), "warmline-outbox-"));
  const file = join(directory, "warmline.db");
  return {
    store: await createSqliteStore({ file, clock }),
    reopen: () => createSqliteStore({ file, clock }),
    cleanup: async () => rmSync(directory, { recursive: true, force: true }),
  };
});

runInboxContract("sqlite", async ({ clock }) => {
  const directory = mkdtempSync(join(tmpdir(), "warmline-inbox-"));
  const file = join(directory, "warmline.db");
  return {
    store: await createSqliteStore({ file, clock }),
    reopen: () => createSqliteStore({ file, clock }),
    cleanup: async () => rmSync(directory, { recursive: true, force: true }),
  };
});

runConversationQueryContract("sqlite", async ({ clock }) => {
  const directory = mkdtempSync(join(tmpdir(), "warmline-queries-"));
  return {
    store: await createSqliteStore({ file: join(directory, "warmline.db"), clock }),
    cleanup: async () => rmSync(directory, { recursive: true, force: true }),
  };
});
