import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { PACKAGE_ROOT } from "../../src/paths.js";
import { buildConversation } from "../contract/conversation-factory.js";

/** What a consumer gets from `import … from "warmline"`: the package resolved by its name, through package.json's exports. */
const warmline = await import("warmline");

describe('the "warmline" package entry', () => {
  it("is the file package.json's exports names", () => {
    const manifest = JSON.parse(readFileSync(`${PACKAGE_ROOT}/package.json`, "utf8")) as { main: string; exports: Record<string, string> };
    expect(manifest.exports["."]).toBe(manifest.main);
    expect(typeof warmline.startWarmline).toBe("function");
  });

  it("parses the shipped config with the exported schema and loader", () => {
    const config = warmline.loadConfigFile(warmline.SHIPPED_CONFIG_FILE);
    const raw: unknown = JSON.parse(readFileSync(warmline.SHIPPED_CONFIG_FILE, "utf8"));
    expect(warmline.configSchema.parse(raw)).toEqual(config);
    expect(Object.keys(config.teams)).toContain("retention");
    const broken = warmline.checkedConfigSchema.safeParse({ ...(raw as object), stores: {} });
    expect(broken.success).toBe(false);
  });

  it("builds a store with the exported factory and round-trips a conversation", async () => {
    const at = Date.UTC(2026, 0, 5, 9, 0, 0);
    const store = await warmline.openConversationStore({ kind: "memory", sqliteFile: "unused.sqlite" }, { clock: { now: () => at } });
    // Typed by the package's own export: what a consumer's code would see.
    const conversation: import("warmline").Conversation = buildConversation({ createdAt: at, updatedAt: at });
    try {
      await store.create(conversation);
      expect(await store.get(conversation.id)).toEqual(conversation);
      expect(await store.findActiveByCustomer(conversation.customer.address)).toMatchObject({ id: conversation.id });
      const error = await store.create(conversation).catch((e: unknown) => e);
      expect(warmline.isWarmlineError(error, "store_conflict")).toBe(true);
    } finally {
      await store.close();
    }
  });
});
