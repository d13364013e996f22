import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "@keyv/redis";
import { afterEach, describe, expect, it } from "vitest";
import type { Conversation } from "../../src/domain/conversation.js";
import type { WarmlineStore } from "../../src/ports/outbox.js";
import { createRedisStore } from "../../src/store/redis-store.js";
import { openSqliteConnection } from "../../src/store/sqlite-driver.js";
import { createSqliteStore } from "../../src/store/sqlite-store.js";
import { BASE_TIME, buildConversation, queuedIn } from "../contract/conversation-factory.js";
import { deleteRedisNamespace } from "../helpers/redis-namespace.js";

/**
 * Data written before the index had the queue fields (team, queuedAt, timersDueAt, the latest claim)
 * is re-indexed from its documents once, when a store opens it: the counts and the tick see it.
 */

const url = process.env.REDIS_URL;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function storeOneQueued(store: WarmlineStore): Promise<Conversation> {
  const created = buildConversation();
  await store.create(created);
  return (await store.compareAndSet({ ...queuedIn(created, "slack:C1:1.1"), timersDueAt: BASE_TIME + 5000 }, created.version))!;
}

async function expectIndexed(store: WarmlineStore, queued: Conversation): Promise<void> {
  expect(await store.teamCounts()).toEqual({ support: { queued: 1, assigned: 0, oldestQueuedAt: queued.escalations[0]!.createdAt } });
  expect(await store.listDue(BASE_TIME + 5000)).toEqual([queued]);
}

describe("re-indexing data stored before the queue index", () => {
  it("SQLite: adds the columns to an older file and indexes its conversations from their documents", async () => {
    const directory = mkdtempSync(join(tmpdir(), "warmline-upgrade-"));
    const file = join(directory, "warmline.db");
    cleanups.push(async () => rmSync(directory, { recursive: true, force: true }));
    const first = await createSqliteStore({ file });
    const queued = await storeOneQueued(first);
    await first.close();

    // As the file was before: no queue columns, no queue indexes, no team counts.
    const raw = await openSqliteConnection(file, { busyTimeoutMs: 5000 });
    for (const trigger of ["insert", "delete", "update"]) raw.exec(`DROP TRIGGER warmline_team_count_${trigger}`);
    raw.exec("DROP TABLE warmline_team_count");
    for (const index of ["warmline_conversation_due", "warmline_conversation_team", "warmline_conversation_claims"])
      raw.exec(`DROP INDEX ${index}`);
    for (const column of ["state", "team", "queued_at", "timers_due_at", "claim_team", "claimed_at", "claim_wait_ms"])
      raw.exec(`ALTER TABLE warmline_conversation DROP COLUMN ${column}`);
    raw.close();

    const upgraded = await createSqliteStore({ file });
    cleanups.unshift(() => upgraded.close());
    await expectIndexed(upgraded, queued);
  });

  it("Redis: indexes a namespace written before the index version, once", async (context) => {
    if (url === undefined) {
      context.skip("set REDIS_URL (e.g. redis://127.0.0.1:6379) to run it");
      return;
    }
    const namespace = `warmline-test-${randomUUID()}`;
    cleanups.push(() => deleteRedisNamespace(url, namespace));
    const first = await createRedisStore({ url, namespace });
    const queued = await storeOneQueued(first);
    await first.close();

    // As the namespace was before: index entries without the queue fields, and no queue keys.
    const client = createClient({ url });
    await client.connect();
    const prefix = `${namespace}::`;
    const ix = JSON.parse((await client.get(`${prefix}ix:${queued.id}`))!) as Record<string, unknown>;
    for (const field of ["state", "team", "queuedAt", "timersDueAt", "lastClaim"]) delete ix[field];
    await client.set(`${prefix}ix:${queued.id}`, JSON.stringify(ix));
    await client.del([`${prefix}due`, `${prefix}queued:support`, `${prefix}queue:teams`, `${prefix}index:version`]);
    await client.quit();

    const upgraded = await createRedisStore({ url, namespace });
    cleanups.unshift(() => upgraded.close());
    await expectIndexed(upgraded, queued);
  });
});
