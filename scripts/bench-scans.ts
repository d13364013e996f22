// node --import tsx scripts/bench-scans.ts [-- --store memory|sqlite|redis --sizes 100,1000,10000]
// Issue 15, "no scans on the hot path": the cost of the engine's tick, a /metrics scrape, /warmline status
// and a customer turn with 100 … 10,000 open conversations stored, beside what the tick used to load
// (listOpen, every open conversation). CPU milliseconds (process.cpuUsage), median of RUNS; one JSON line per size.
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createSimulationChannels } from "../channels/simulation/simulation-channels.js";
import { figuresFromStore } from "../src/analytics/figures-source.js";
import { createAssistantFromConfig } from "../src/assistant/from-config.js";
import { loadConfigFile } from "../src/config/load-config.js";
import type { Conversation } from "../src/domain/conversation.js";
import { createEngine } from "../src/engine/engine.js";
import { createSilentLogger } from "../src/logging.js";
import { SHIPPED_CONFIG_FILE } from "../src/paths.js";
import type { WarmlineStore } from "../src/ports/outbox.js";
import { createMemoryStore } from "../src/store/memory-store.js";
import { createRedisStore } from "../src/store/redis-store.js";
import { createSqliteStore } from "../src/store/sqlite-store.js";

const RUNS = 7;
const TURNS = 40;
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
/** A stored conversation's transcript length: enough that loading one costs what a real one does. */
const TRANSCRIPT_ENTRIES = 30;

const { values } = parseArgs({
  options: { store: { type: "string", default: "sqlite" }, sizes: { type: "string", default: "100,1000,10000" } },
});
const sizes = String(values.sizes).split(",").map(Number);
const config = loadConfigFile(SHIPPED_CONFIG_FILE);
const assistant = await createAssistantFromConfig(config);

async function openStore(dir: string): Promise<WarmlineStore> {
  if (values.store === "memory") return createMemoryStore();
  if (values.store === "redis")
    return createRedisStore({ url: "redis://127.0.0.1:6379", namespace: `warmline-bench-scans-${process.pid}-${Date.now()}` });
  return createSqliteStore({ file: join(dir, "scans.sqlite") });
}

/** Open for two days with nothing due: queued in support with every timer fired, or with a billing agent who has answered. */
function quietOpen(i: number, now: number): Conversation {
  const at = now - 2 * DAY;
  const transcript = Array.from({ length: TRANSCRIPT_ENTRIES }, (_, n) => ({
    id: `m${i}-${n}`,
    author: n % 2 === 0 ? ("customer" as const) : ("agent" as const),
    text: `Message ${n} about order ${100000 + i}: where is it, and when will it arrive?`,
    at: at + n * 1000,
  }));
  const escalation = { id: `e${i}`, reason: "explicit_request" as const, explanation: "Asked for a person.", priority: "normal" as const };
  const queued = i % 2 === 0;
  return {
    id: `bench-${i}`,
    version: 1,
    channel: "bench",
    customer: { address: `bench:open-${i}`, tier: "standard", pastConversations: 0 },
    state: queued ? "queued" : "assigned",
    transcript,
    escalations: [
      queued
        ? { ...escalation, team: "support", level: 1, mandatory: true, createdAt: at, pingedAt: at + 10 * MINUTE, customerUpdatesSent: 3 }
        : { ...escalation, team: "billing", level: 1, mandatory: true, createdAt: at, claimedAt: at + MINUTE },
    ],
    ...(queued ? {} : { assignee: { id: "slack:U0AGENT01", name: "Alex" } }),
    botMisses: 0,
    toolFailures: 0,
    declinedReasons: [],
    createdAt: at,
    updatedAt: at + TRANSCRIPT_ENTRIES * 1000,
  };
}

/** Median CPU milliseconds of `run` over RUNS runs. */
async function cpuMs(run: (i: number) => Promise<unknown>): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const before = process.cpuUsage();
    await run(i);
    const used = process.cpuUsage(before);
    samples.push((used.user + used.system) / 1000);
  }
  samples.sort((a, b) => a - b);
  return Number(samples[Math.floor(RUNS / 2)]!.toFixed(2));
}

for (const size of sizes) {
  const dir = mkdtempSync(join(tmpdir(), "warmline-scans-"));
  const store = await openStore(dir);
  const now = Date.now();
  for (let i = 0; i < size; i++) await store.create(quietOpen(i, now));
  const { customers, workspace } = createSimulationChannels();
  const engine = createEngine({
    config,
    store,
    assistant,
    customers,
    workspace,
    clock: { now: () => Date.now() },
    logger: createSilentLogger(),
  });
  await engine.tick(); // the first tick also purges: not the steady state
  let turn = 0;
  const result = {
    store: values.store,
    openStored: size,
    tickCpuMs: await cpuMs(() => engine.tick()),
    scrapeCpuMs: await cpuMs(() =>
      Promise.all([
        figuresFromStore(store, config, { since: Date.now() - DAY, now: Date.now() }, { withDurations: true }),
        store.countOutbox(),
      ]),
    ),
    statusCpuMs: await cpuMs(() => engine.status()),
    turnCpuMs: Number(
      (
        (await cpuMs(async (run) => {
          for (let t = 0; t < TURNS / RUNS + 1; t++)
            await engine.handleInboundMessage({
              messageId: `turn-${run}-${++turn}`,
              address: `bench:new-${turn}`,
              channel: "bench",
              text: "where is my order 100298?",
              receivedAt: Date.now(),
            });
        })) / Math.ceil(TURNS / RUNS + 1)
      ).toFixed(2),
    ),
    /** What the tick, status and the scrape each loaded before: every open conversation. */
    listOpenCpuMs: await cpuMs(() => store.listOpen()),
    loadavg1: Number(loadavg()[0]!.toFixed(2)),
  };
  console.log(JSON.stringify(result));
  await engine.stop();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
