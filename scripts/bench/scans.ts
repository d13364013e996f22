/**
 * Issue 15, "no scans on the hot path": the cost of the engine's tick, a /metrics scrape, /warmline
 * status and a customer turn with 100 … 10,000 quiet open conversations stored, beside what the tick
 * used to load (listOpen: every open conversation). Runs in the bench's own process, straight on the
 * engine and the store (no Slack, no WhatsApp): CPU milliseconds (process.cpuUsage), median of RUNS.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSimulationChannels } from "../../channels/simulation/simulation-channels.js";
import { figuresFromStore } from "../../src/analytics/figures-source.js";
import { createAssistantFromConfig } from "../../src/assistant/from-config.js";
import { loadConfigFile } from "../../src/config/load-config.js";
import type { Conversation } from "../../src/domain/conversation.js";
import { createEngine } from "../../src/engine/engine.js";
import { createSilentLogger } from "../../src/logging.js";
import { SHIPPED_CONFIG_FILE } from "../../src/paths.js";
import type { WarmlineStore } from "../../src/ports/outbox.js";
import { createMemoryStore } from "../../src/store/memory-store.js";
import { createRedisStore } from "../../src/store/redis-store.js";
import { createSqliteStore } from "../../src/store/sqlite-store.js";
import { deleteRedisNamespace } from "../../test/helpers/redis-namespace.js";

const RUNS = 7;
const TURNS = 40;
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
/** A stored conversation's transcript length: enough that loading one costs what a real one does. */
const TRANSCRIPT_ENTRIES = 30;

export type ScanStore = "sqlite" | "memory" | "redis";

/** Median CPU ms of each, with `openStored` quiet open conversations in the store. */
export interface ScanFigures {
  openStored: number;
  tickCpuMs: number;
  scrapeCpuMs: number;
  statusCpuMs: number;
  /** Per customer message (a new customer asking about an order). */
  turnCpuMs: number;
  /** What the tick, status and the scrape each loaded before: every open conversation. */
  listOpenCpuMs: number;
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
  return round(samples[Math.floor(RUNS / 2)]!);
}

async function openStore(kind: ScanStore, dir: string, redis?: { url: string; namespace: string }): Promise<WarmlineStore> {
  if (kind === "memory") return createMemoryStore();
  if (kind === "redis") {
    if (!redis) throw new Error("The scans scenario on Redis needs REDIS_URL");
    return createRedisStore(redis);
  }
  return createSqliteStore({ file: join(dir, "scans.sqlite") });
}

/** One store of each size in turn, filled with quiet open conversations, then measured. */
export async function measureScans(kind: ScanStore, sizes: number[], redisUrl?: string): Promise<ScanFigures[]> {
  const config = loadConfigFile(SHIPPED_CONFIG_FILE);
  const assistant = await createAssistantFromConfig(config);
  const figures: ScanFigures[] = [];
  for (const size of sizes) {
    const dir = mkdtempSync(join(tmpdir(), "warmline-scans-"));
    const redis = redisUrl ? { url: redisUrl, namespace: `warmline-bench-scans-${process.pid}-${size}` } : undefined;
    const store = await openStore(kind, dir, redis);
    try {
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
      const turnsPerRun = Math.ceil(TURNS / RUNS);
      figures.push({
        openStored: size,
        tickCpuMs: await cpuMs(() => engine.tick()),
        scrapeCpuMs: await cpuMs(() =>
          Promise.all([
            figuresFromStore(store, config, { since: Date.now() - DAY, now: Date.now() }, { withDurations: true }),
            store.countOutbox(),
          ]),
        ),
        statusCpuMs: await cpuMs(() => engine.status()),
        turnCpuMs: round(
          (await cpuMs(async (run) => {
            for (let t = 0; t < turnsPerRun; t++)
              await engine.handleInboundMessage({
                messageId: `turn-${run}-${++turn}`,
                address: `bench:new-${turn}`,
                channel: "bench",
                text: "where is my order 100298?",
                receivedAt: Date.now(),
              });
          })) / turnsPerRun,
        ),
        listOpenCpuMs: await cpuMs(() => store.listOpen()),
      });
      await engine.stop();
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
      if (redis) await deleteRedisNamespace(redis.url, redis.namespace);
    }
  }
  return figures;
}

const round = (value: number) => Number(value.toFixed(2));
