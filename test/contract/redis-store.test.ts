import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { isWarmlineError } from "../../src/domain/errors.js";
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
