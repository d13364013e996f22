import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { isWarmlineError } from "../../src/domain/errors.js";
import type { StartAttempt } from "../../src/ports/outbox.js";
import { createRedisStore } from "../../src/store/redis-store.js";
import { deleteRedisNamespace as deleteNamespace } from "../helpers/redis-namespace.js";
import { runConversationQueryContract } from "./conversation-queries.contract.js";
import { runConversationStoreContract } from "./conversation-store.contract.js";
import { runInboxContract } from "./inbox.contract.js";
import { runOutboxContract } from "./outbox.contract.js";

// Tests are the one place besides src/config that read the environment: they choose their server.
const url = process.env.REDIS_URL;

if (url === undefined) {
  console.warn("Skipping the Redis ConversationStore contract: set REDIS_URL (e.g. redis://127.0.0.1:6379) to run it.");
  describe.skip("ConversationStore contract: redis (REDIS_URL is not set)", () => {
    it("needs REDIS_URL", () => {});
  });
} else {
  runConversationStoreContract("redis", async ({ clock }) => {
    const namespace = `warmline-test-${randomUUID()}`;
    return {
      store: await createRedisStore({ url, namespace, clock }),
      reopen: () => createRedisStore({ url, namespace, clock }),
      cleanup: () => deleteNamespace(url, namespace),
    };
  });

  runConversationQueryContract("redis", async ({ clock }) => {
    const namespace = `warmline-test-${randomUUID()}`;
    return { store: await createRedisStore({ url, namespace, clock }), cleanup: () => deleteNamespace(url, namespace) };
  });

  runOutboxContract("redis", async ({ clock }) => {
    const namespace = `warmline-test-${randomUUID()}`;
    return {
      store: await createRedisStore({ url, namespace, clock }),
      reopen: () => createRedisStore({ url, namespace, clock }),
      cleanup: () => deleteNamespace(url, namespace),
    };
  });

  runInboxContract("redis", async ({ clock }) => {
    const namespace = `warmline-test-${randomUUID()}`;
    return {
      store: await createRedisStore({ url, namespace, clock }),
      reopen: () => createRedisStore({ url, namespace, clock }),
      cleanup: () => deleteNamespace(url, namespace),
    };
  });

  describe("marking a take's head in flight, with the next script", () => {
    it("a head whose in-flight write finds it gone is read again: the lane is taken anew, for the head it has now", async () => {
      const namespace = `warmline-test-${randomUUID()}`;
      const store = await createRedisStore({ url, namespace });
      try {
        await store.enqueue(["a1", "a2"].map((text) => ({ lane: "a", effect: { kind: "notify_ops" as const, text } })));
        const [a1, a2] = await store.listOutbox();
        // The first start writes an item that is not there, as when the head went between the two scripts.
        const asked: string[] = [];
        const start: StartAttempt = (head) => {
          asked.push(head.id);
          return asked.length === 1 ? { ...head, id: "out_gone", status: "in_flight" } : undefined;
        };
        const taken = await store.takeOutboxLane("a", { name: "a", holder: "me" }, 30_000, start);
        expect(taken).toEqual({ taken: true, head: a1 });
        expect(asked).toEqual([a1!.id, a1!.id]);
        expect(await store.acquireLease("a", "other", 30_000)).toBe(false);
        // Completing reads the next head the same way, and the lane stays this holder's.
        asked.length = 0;
        expect(await store.completeOutboxItem(a1!, { name: "a", holder: "me" }, start)).toEqual(a2);
        expect(asked).toEqual([a2!.id, a2!.id]);
        expect(await store.listOutbox()).toEqual([a2]);
        expect(await store.acquireLease("a", "other", 30_000)).toBe(false);
      } finally {
        await store.close();
        await deleteNamespace(url, namespace);
      }
    });
  });

  describe("createRedisStore", () => {
    it("says which server it cannot reach and how to fix it", async () => {
      const error = await createRedisStore({ url: "redis://127.0.0.1:1" }).catch((e: unknown) => e);
      expect(isWarmlineError(error, "store_unavailable")).toBe(true);
      expect((error as Error).message).toBe("Cannot reach Redis at redis://127.0.0.1:1: start Redis or fix REDIS_URL.");
    });

    it("never puts the password in the message", async () => {
      const error = await createRedisStore({ url: "redis://user:s3cret@127.0.0.1:1" }).catch((e: unknown) => e);
      expect((error as Error).message).not.toContain("s3cret");
    });
  });
}
