// npm run bench [-- --conversations 200 --store sqlite|memory]
// Engine throughput, latency and memory: customer turns through the real engine, assistant and
// store, with the simulation channels standing in for WhatsApp and Slack.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createSimulationChannels } from "../channels/simulation/simulation-channels.js";
import { createAssistantFromConfig } from "../src/assistant/from-config.js";
import { loadConfigFile } from "../src/config/load-config.js";
import { createEngine } from "../src/engine/engine.js";
import { createSilentLogger } from "../src/logging.js";
import { SHIPPED_CONFIG_FILE } from "../src/paths.js";
import type { WarmlineStore } from "../src/ports/outbox.js";
import { createMemoryStore } from "../src/store/memory-store.js";
import { createSqliteStore } from "../src/store/sqlite-store.js";

const USAGE = "Usage: npm run bench [-- --conversations 200 --store sqlite|memory]";
let parsed;
try {
  parsed = parseArgs({
    options: { conversations: { type: "string", default: "200" }, store: { type: "string", default: "sqlite" } },
  });
} catch (error) {
  console.error(`${(error as Error).message.replace(/\. To specify a positional argument.*$/s, ".")}\n\n${USAGE}`);
  process.exit(2);
}
const { values } = parsed;
const conversations = Number(values.conversations);
// Refused rather than guessed: a bench that quietly ran something else would report the wrong figures.
const problems = [
  ...(Number.isInteger(conversations) && conversations > 0
    ? []
    : [`--conversations must be a whole number above 0, e.g. 200 (got "${values.conversations}")`]),
  ...(values.store === "sqlite" || values.store === "memory" ? [] : [`--store must be sqlite or memory (got "${values.store}")`]),
];
if (problems.length > 0) {
  console.error(`${problems.join("\n")}\n\n${USAGE}`);
  process.exit(2);
}
const SCRIPT = [
  "hi there",
  "where is my order 100298?",
  "and when will it arrive?",
  "I want to cancel order 100311",
  "thanks, I'll wait for someone",
];

const config = loadConfigFile(SHIPPED_CONFIG_FILE);
const dir = mkdtempSync(join(tmpdir(), "warmline-bench-"));
const store: WarmlineStore =
  values.store === "memory" ? await createMemoryStore() : await createSqliteStore({ file: join(dir, "bench.sqlite") });
const assistant = await createAssistantFromConfig(config);
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

const rssBefore = process.memoryUsage().rss;
const latencies: number[] = [];
const started = performance.now();
let id = 0;
// Conversations run concurrently, each one's turns in order, as real traffic would.
await Promise.all(
  Array.from({ length: conversations }, async (_, n) => {
    for (const text of SCRIPT) {
      const t0 = performance.now();
      await engine.handleInboundMessage({
        messageId: `b${++id}`,
        address: `bench:${n}`,
        channel: "bench",
        phone: `+1555${String(n).padStart(7, "0")}`,
        text,
        receivedAt: Date.now(),
      });
      latencies.push(performance.now() - t0);
    }
  }),
);
const elapsed = performance.now() - started;
latencies.sort((a, b) => a - b);
const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!.toFixed(1);
const memory = process.memoryUsage();

console.log(
  `store: ${values.store}; ${conversations} concurrent conversations × ${SCRIPT.length} customer turns = ${latencies.length} turns`,
);
console.log(`throughput: ${Math.round(latencies.length / (elapsed / 1000))} turns/s (${elapsed.toFixed(0)} ms)`);
console.log(`turn latency: p50 ${pct(50)} ms, p95 ${pct(95)} ms, p99 ${pct(99)} ms`);
console.log(
  `memory: rss ${(memory.rss / 1e6).toFixed(0)} MB (+${((memory.rss - rssBefore) / 1e6).toFixed(0)} MB during the run), heap used ${(memory.heapUsed / 1e6).toFixed(0)} MB`,
);
await store.close();
rmSync(dir, { recursive: true, force: true });
