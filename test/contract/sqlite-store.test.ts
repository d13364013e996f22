import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Clock } from "../../src/ports/clock.js";
import { createSqliteStore } from "../../src/store/sqlite-store.js";
import { runConversationQueryContract } from "./conversation-queries.contract.js";
import { runConversationStoreContract } from "./conversation-store.contract.js";
import { runInboxContract } from "./inbox.contract.js";
import { runOutboxContract } from "./outbox.contract.js";

/** A store in a fresh file of its own, which `reopen` opens again (as a restart, or another process, would). */
function storeIn(prefix: string) {
  return async ({ clock }: { clock: Clock }) => {
    const directory = mkdtempSync(join(tmpdir(), prefix));
    const file = join(directory, "warmline.db");
    return {
      store: await createSqliteStore({ file, clock }),
      reopen: () => createSqliteStore({ file, clock }),
      cleanup: async () => rmSync(directory, { recursive: true, force: true }),
    };
  };
}

runConversationStoreContract("sqlite", storeIn("warmline-sqlite-"));
runOutboxContract("sqlite", storeIn("warmline-outbox-"));
runInboxContract("sqlite", storeIn("warmline-inbox-"));
runConversationQueryContract("sqlite", storeIn("warmline-queries-"));
