import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { storeLocationOf } from "../../src/config/environment.js";
import { parseConfig } from "../../src/config/load-config.js";
import type { WarmlineConfig } from "../../src/config/schema.js";
import { isWarmlineError } from "../../src/domain/errors.js";
import { PACKAGE_ROOT, SHIPPED_CONFIG_FILE } from "../../src/paths.js";
import type { WarmlineStore } from "../../src/ports/outbox.js";
import { openConversationStore } from "../../src/store/open-store.js";
import { buildConversation, queuedIn } from "../contract/conversation-factory.js";
import { deleteRedisNamespace } from "../helpers/redis-namespace.js";

const BIN = join(PACKAGE_ROOT, "bin", "warmline.js");
const tempDirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "warmline-open-store-"));
  tempDirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

function configWithStore(store: Record<string, unknown>): { config: WarmlineConfig; file: string } {
  const raw = { ...JSON.parse(readFileSync(SHIPPED_CONFIG_FILE, "utf8")), store };
  const file = join(tempDir(), "warmline.config.json");
  writeFileSync(file, JSON.stringify(raw));
  return { config: parseConfig(raw, file), file };
}

/** Escalates `count` conversations an hour ago, as the service would have stored them. */
async function escalateSome(store: WarmlineStore, count: number): Promise<void> {
  const at = Date.now() - 3_600_000;
  for (let i = 0; i < count; i++) {
    const conversation = buildConversation({ createdAt: at, updatedAt: at });
    await store.create(conversation);
    const escalated = await store.compareAndSet(queuedIn(conversation, `slack:C0RETENT1:${1700000000 + i}.000100`), conversation.version);
    expect(escalated).toBeDefined();
  }
}

/** `warmline report --format json` as an operator runs it, in its own process. */
function report(configFile: string, env: Record<string, string>, dataDir?: string): { conversations: number; escalations: number } {
  const args = ["report", "--format", "json", "--config", configFile, ...(dataDir ? ["--data-dir", dataDir] : [])];
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd: PACKAGE_ROOT,
    encoding: "utf8",
    timeout: 60_000,
    env: { PATH: process.env.PATH, ...env },
  });
  expect(result.stderr).toBe("");
  expect(result.status).toBe(0);
  const figures = JSON.parse(result.stdout) as { conversations: number; teams: Record<string, { escalations: number }> };
  return { conversations: figures.conversations, escalations: figures.teams._all!.escalations };
}

describe("openConversationStore", () => {
  it("lets `report` read the SQLite file the service wrote", async () => {
    const dataDir = tempDir();
    const { config, file } = configWithStore({ kind: "sqlite", sqliteFile: "service.sqlite" });
    const service = await openConversationStore(config.store, { dataDir });
    await escalateSome(service, 3);
    await service.close();
    expect(report(file, {}, dataDir)).toEqual({ conversations: 3, escalations: 3 });
  });

  it("never creates an empty SQLite file for a reading command, and says where it looked", async () => {
    const dataDir = tempDir();
    const { config } = configWithStore({ kind: "sqlite" });
    const error = await openConversationStore(config.store, { dataDir, existing: true }).catch((e: unknown) => e);
    expect(isWarmlineError(error, "store_unavailable")).toBe(true);
    expect((error as Error).message).toMatch(/No Warmline store at .*warmline\.sqlite: pass --data-dir/);
    expect(existsSync(join(dataDir, "warmline.sqlite"))).toBe(false);
  });

  it("asks for REDIS_URL when the config names Redis and the environment has none", async () => {
    const { config } = configWithStore({ kind: "redis" });
    const location = storeLocationOf(tempDir(), { REDIS_URL: "  " });
    const error = await openConversationStore(config.store, location).catch((e: unknown) => e);
    expect(isWarmlineError(error, "config_missing_setting")).toBe(true);
    expect((error as Error).message).toMatch(/^REDIS_URL is missing: set it to the Redis URL the service uses/);
  });
});

// Tests are the one place besides src/config that read the environment: they choose their server.
const redisUrl = process.env.REDIS_URL;

if (redisUrl === undefined) {
  console.warn("Skipping `report` against a Redis namespace: set REDIS_URL (e.g. redis://127.0.0.1:6379) to run it.");
  describe.skip("report against Redis (REDIS_URL is not set)", () => {
    it("needs REDIS_URL", () => {});
  });
} else {
  describe("report against Redis", () => {
    it("sees the service's conversations under a non-default store.redisNamespace", async () => {
      const namespace = `warmline-report-${randomUUID()}`;
      const { config, file } = configWithStore({ kind: "redis", redisNamespace: namespace });
      const service = await openConversationStore(config.store, { redisUrl });
      try {
        await escalateSome(service, 4);
        expect(report(file, { REDIS_URL: redisUrl })).toEqual({ conversations: 4, escalations: 4 });
        // Another deployment on the same Redis sees none of them.
        const other = configWithStore({ kind: "redis", redisNamespace: `${namespace}-other` });
        expect(report(other.file, { REDIS_URL: redisUrl })).toEqual({ conversations: 0, escalations: 0 });
      } finally {
        await service.close();
        await deleteRedisNamespace(redisUrl, namespace);
      }
    });
  });
}
