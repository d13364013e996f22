import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type * as WorkerThreads from "node:worker_threads";
import { afterEach, describe, expect, it, vi } from "vitest";
import { parseConfig } from "../../src/config/load-config.js";
import { SHIPPED_CONFIG_FILE } from "../../src/paths.js";
import { openConversationStore } from "../../src/store/open-store.js";

/** Every checkpoint worker the store starts, counted where it is constructed. */
const started = vi.hoisted(() => ({ workers: 0 }));
vi.mock("node:worker_threads", async (original) => {
  const actual = await original<typeof WorkerThreads>();
  class CountedWorker extends actual.Worker {
    constructor(...args: ConstructorParameters<typeof actual.Worker>) {
      super(...args);
      started.workers++;
    }
  }
  return { ...actual, Worker: CountedWorker };
});

describe("the SQLite store's checkpoint worker", () => {
  const dir = mkdtempSync(join(tmpdir(), "warmline-checkpoints-"));
  const raw = JSON.parse(readFileSync(SHIPPED_CONFIG_FILE, "utf8"));
  const config = parseConfig({ ...raw, store: { ...raw.store, kind: "sqlite" } }, SHIPPED_CONFIG_FILE);
  afterEach(() => void (started.workers = 0));

  it("starts for the service, and not for a reading command, which leaves checkpoints to its connection", async () => {
    const service = await openConversationStore(config.store, { dataDir: dir });
    expect(started.workers).toBe(1);
    await service.close();
    const reading = await openConversationStore(config.store, { dataDir: dir, existing: true });
    expect(started.workers).toBe(1);
    expect(await reading.listOpen()).toEqual([]);
    await reading.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
