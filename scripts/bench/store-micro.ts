// node --import tsx scripts/bench/store-micro.ts [-- --store sqlite|memory|redis --messages 600 --conversations 20 --lengths 10,1000 --concurrency 1,20]
// Store cost per relayed message: the store calls the engine makes for one relay (load, commit the
// new transcript entry with its outbox item taking the lane and reading its head in the same write,
// mark it in flight, complete it, which releases the lane, and the seen marker), without the engine,
// at two transcript lengths. Prints a line per run and a JSON line per run; nothing is asserted.
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { Conversation, TranscriptEntry } from "../../src/domain/conversation.js";
import type { WarmlineStore } from "../../src/ports/outbox.js";
import { createMemoryStore } from "../../src/store/memory-store.js";
import { createRedisStore } from "../../src/store/redis-store.js";
import { createSqliteStore } from "../../src/store/sqlite-store.js";

const USAGE =
  "Usage: node --import tsx scripts/bench/store-micro.ts [--store sqlite|memory|redis] [--messages 600] [--conversations 20] [--lengths 10,1000] [--concurrency 1,20]";
const STORES = ["sqlite", "memory", "redis"] as const;
type StoreKind = (typeof STORES)[number];
/** Messages relayed before measuring, so caches, statements and the JIT are warm. */
const WARMUP_MESSAGES = 60;
const LEASE_TTL_MS = 30_000;
const SEEN_TTL_MS = 86_400_000;

const { values } = parseArgs({
  options: {
    store: { type: "string", default: "sqlite" },
    messages: { type: "string", default: "600" },
    conversations: { type: "string", default: "20" },
    lengths: { type: "string", default: "10,1000" },
    concurrency: { type: "string", default: "1,20" },
  },
});
const kind = values.store as StoreKind;
const messages = Number(values.messages);
const conversations = Number(values.conversations);
const lengths = values.lengths.split(",").map(Number);
const concurrencies = values.concurrency.split(",").map(Number);
const wholeNumbers = [messages, conversations, ...lengths, ...concurrencies];
if (!STORES.includes(kind) || !wholeNumbers.every((n) => Number.isInteger(n) && n > 0)) {
  console.error(`--store must be one of ${STORES.join(", ")}, and the counts whole numbers above 0.\n\n${USAGE}`);
  process.exit(2);
}

async function openStore(): Promise<{ store: WarmlineStore; cleanup(): void }> {
  if (kind === "memory") return { store: await createMemoryStore(), cleanup: () => {} };
  if (kind === "redis") {
    const store = await createRedisStore({ url: process.env.REDIS_URL ?? "redis://127.0.0.1:6379", namespace: `bench-${randomUUID()}` });
    return { store, cleanup: () => {} };
  }
  const dir = mkdtempSync(join(tmpdir(), "warmline-store-micro-"));
  return { store: await createSqliteStore({ file: join(dir, "bench.db") }), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

function entry(i: number, author: TranscriptEntry["author"] = i % 2 === 0 ? "customer" : "agent"): TranscriptEntry {
  return { id: `msg-${randomUUID()}`, author, text: `Message ${i}: where is my order 1042, and when will it arrive?`, at: Date.now() };
}

function conversationOf(length: number): Conversation {
  const now = Date.now();
  return {
    id: `conv_${randomUUID()}`,
    version: 1,
    channel: "whatsapp",
    customer: { address: `whatsapp:${randomUUID()}@c.us`, name: "Ada", tier: "standard", pastConversations: 0 },
    state: "assigned",
    transcript: Array.from({ length }, (_, i) => entry(i)),
    escalations: [],
    assignee: { id: "slack:U1", name: "Grace" },
    botMisses: 0,
    toolFailures: 0,
    declinedReasons: [],
    createdAt: now,
    updatedAt: now,
  };
}

/** One relayed message: the store calls the engine and its outbox make, in order. */
async function relay(store: WarmlineStore, conversationId: string, n: number): Promise<void> {
  const current = await store.get(conversationId);
  if (current === undefined) throw new Error(`Conversation ${conversationId} vanished`);
  const added = entry(n, "agent");
  const next: Conversation = { ...current, transcript: [...current.transcript, added], updatedAt: Date.now() };
  const effect = { kind: "send_customer" as const, address: current.customer.address, text: added.text };
  // The commit takes the lane for its worker, as the engine's does when no worker of the instance has it.
  const lease = { name: conversationId, holder: "bench" };
  const committed = await store.commitTakingLane(next, current.version, [{ lane: conversationId, effect }], [], {
    lane: conversationId,
    lease,
    ttlMs: LEASE_TTL_MS,
  });
  if (!committed) throw new Error("Lost a compare-and-set");
  if (!committed.take.taken) throw new Error("Lost a lease");
  const head = committed.take.head;
  if (head === undefined) throw new Error("No outbox head");
  const now = Date.now();
  await store.saveOutboxItem({ ...head, status: "in_flight", lastAttemptAt: now, firstAttemptAt: now });
  // Completing the lane's last item lets go of its lease.
  if ((await store.completeOutboxItem(head, lease)) !== undefined) throw new Error("An outbox item left behind");
  await store.markSeen(`relay:${added.id}`, SEEN_TTL_MS);
}

/** Relays `count` messages, `concurrency` at a time, each worker on its own conversations (no compare-and-set conflicts). */
async function relayMany(store: WarmlineStore, ids: string[], count: number, concurrency: number, offset: number): Promise<void> {
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      const mine = ids.filter((_, i) => i % concurrency === worker);
      for (let n = worker; n < count; n += concurrency) await relay(store, mine[((n / concurrency) % mine.length) | 0]!, offset + n);
    }),
  );
}

for (const length of lengths) {
  for (const concurrency of concurrencies) {
    const { store, cleanup } = await openStore();
    const seeded = Array.from({ length: Math.max(conversations, concurrency) }, () => conversationOf(length));
    for (const conversation of seeded) await store.create(conversation);
    const ids = seeded.map((c) => c.id);
    await relayMany(store, ids, WARMUP_MESSAGES, concurrency, 0);
    const load = loadavg()[0]!;
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    await relayMany(store, ids, messages, concurrency, WARMUP_MESSAGES);
    const wallMs = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    await store.close();
    cleanup();
    const result = {
      bench: "store-micro",
      store: kind,
      node: process.version,
      transcriptLength: length,
      concurrency,
      messages,
      wallMs: round(wallMs),
      msPerMessage: round(wallMs / messages, 4),
      cpuMsPerMessage: round(cpuMs / messages, 4),
      messagesPerSecond: round((messages * 1000) / wallMs),
      loadAverage: round(load),
    };
    console.log(
      `${kind} length ${length}, ${concurrency} at a time: ${result.msPerMessage} ms/msg wall, ${result.cpuMsPerMessage} ms/msg CPU, ${result.messagesPerSecond} msg/s (load ${result.loadAverage})`,
    );
    console.log(JSON.stringify(result));
  }
}

function round(value: number, digits = 2): number {
  return Number(value.toFixed(digits));
}
