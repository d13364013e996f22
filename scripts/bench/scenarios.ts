/**
 * What `npm run bench` measures, and in what order. Relay runs share one warmed-up instance per
 * target and alternate floor and Warmline within each load, so both see the same machine at nearly
 * the same moment. Runs that change the store (seeding, padded transcripts, a second instance)
 * get instances of their own.
 */
import { availableParallelism, loadavg } from "node:os";
import { createClient } from "@keyv/redis";
import { deleteRedisNamespace } from "../../test/helpers/redis-namespace.js";
import { type BenchInstance, expectReply, startInstance } from "./instance-client.js";
import {
  type BenchConversation,
  DeliveryTracker,
  escalateAndClaim,
  type HandoffFigures,
  keptUp,
  type RelayFigures,
  runHandoffs,
  runRelay,
} from "./open-loop.js";
import type { BenchTarget, BenchThread, InstanceSpec, ProcessUsage } from "./protocol.js";
import { measureScans, type ScanFigures } from "./scans.js";
import { BENCH_BOT_TOKEN, BENCH_SIGNING_SECRET, type BenchSlack, startBenchSlack } from "./slack-side.js";

export const SCENARIOS = [
  "relay-100",
  "relay-300",
  "relay-1000",
  "handoffs",
  "stored-resolved",
  "stored-open",
  "transcript",
  "instances",
  "scans",
] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export const TARGETS: readonly BenchTarget[] = ["floor", "sqlite", "memory", "redis"];

export interface BenchOptions {
  scenarios: ScenarioName[];
  /** Who runs the relay and handoff scenarios, in this order (the floor first, so ratios have their reference). */
  targets: BenchTarget[];
  /** Length of each timed run. */
  seconds: number;
  /**
   * Offered loads (msg/s) for the relay and instances scenarios, each a run of its own, instead of the
   * scenario's own rate: two instances are judged at loads one instance can nearly sustain, not only
   * at one that buries it.
   */
  rates?: number[];
  /** Tiny sizes: a smoke run that checks the bench itself. */
  quick: boolean;
  /** Redis for the redis target and the instances scenario; without it they are skipped. */
  redisUrl?: string;
  /** Every finished run, as it finishes. */
  onRecord(record: BenchRecord): void;
  /** A line of progress or a reason something was skipped. */
  onNote(note: string): void;
}

export interface BenchRecord {
  scenario: ScenarioName;
  target: BenchTarget;
  /** What this run varies within its scenario: "empty store", "10000 open", "transcript 100", "2 instances". */
  variant: string;
  instances: number;
  conversations: number;
  /** Offered load, msg/s (relay runs). */
  rate?: number;
  seconds: number;
  relay?: RelayFigures;
  handoff?: HandoffFigures;
  /** The scans scenario: CPU of the tick, a scrape, status and a turn at one store size (cpuMsPerMessage is the turn's). */
  scans?: ScanFigures;
  /** The system under test's CPU (user + system) per delivered message. */
  cpuMsPerMessage: number;
  /**
   * Its CPU from the run's start until it went idle afterwards, per message sent: what each message cost
   * with the backlog worked off too. cpuMsPerMessage divides the run's CPU by the messages delivered in
   * time, so a run that falls behind pays for storing and acking messages it delivers only later and
   * shows a cost per message that grows with the load. Absent when the instance did not go idle.
   */
  drainedCpuMsPerMessage?: number;
  /** The parent's CPU per message sent (load generator and fake Slack): near a core's worth, it is the bottleneck, not the system under test. */
  generatorCpuMsPerMessage?: number;
  /**
   * Runs on Redis: the Redis server's CPU per message sent (its INFO cpu, all its threads). With the
   * instances' and the generator's, what one message costs the whole machine, whose cores they share.
   */
  redisCpuMsPerMessage?: number;
  /** The machine's cores (os.availableParallelism): with the machine's CPU per message, the most it can relay. */
  cores: number;
  rssMB: number;
  /** V8's heap in use at the end of the run: RSS less the code, new space's reserve and native memory. */
  heapMB: number;
  /** The worst instance's event-loop delay during the run (p99 and max, ms): main-thread stalls such as a checkpoint's fsync. */
  loopDelayP99Ms?: number;
  loopDelayMaxMs?: number;
  /** The busiest instance's main thread during the run, as a share of the run (event-loop utilization): near 1, it has no headroom. */
  mainThreadBusy?: number;
  /**
   * Warmline: outbound items still in the outbox when the run ended, all instances together: work the run left for
   * the drain. Delivery reactions share one lane paced for Slack's limits, so a fast run leaves many of them here.
   */
  outboxPendingAtEnd?: number;
  /** Stored conversations written before the run (seeded scenarios), and how long writing them took. */
  seeded?: { conversations: number; ms: number };
  loadavg: number[];
}

interface Sizes {
  relay: Record<"relay-100" | "relay-300" | "relay-1000", { conversations: number; rate: number }>;
  handoffs: number;
  /** minSeconds: the engine ticks every 15 s and lists open conversations then, so a stored-conversation run spans a tick. */
  stored: { conversations: number; rate: number; seed: number; minSeconds: number };
  transcript: { conversations: number; rate: number; lengths: number[] };
  /** Offered loads, ascending: each variant steps up them until one it does not keep up with (its capacity). */
  instances: { conversations: number; rates: number[] };
  /** Quiet open conversations stored, per scans run. */
  scans: number[];
  graceMs: number;
  /** The unmeasured relay after warm-up, seconds at WARM_UP_RATE: long enough for V8 to have compiled the relay's hot code. */
  warmUpSeconds: number;
}

/** The loads issue 15 names. */
const FULL: Sizes = {
  relay: {
    "relay-100": { conversations: 200, rate: 100 },
    "relay-300": { conversations: 200, rate: 300 },
    "relay-1000": { conversations: 500, rate: 1000 },
  },
  handoffs: 200,
  stored: { conversations: 200, rate: 100, seed: 10_000, minSeconds: 16 },
  transcript: { conversations: 100, rate: 100, lengths: [10, 100, 1000] },
  instances: { conversations: 500, rates: [600, 700, 800, 900, 1000, 1100, 1200, 1300, 1400, 1500, 1600, 1800, 2000] },
  scans: [100, 1000, 10_000],
  graceMs: 5000,
  warmUpSeconds: 10,
};

/** A smoke run: every path, a few messages each. */
const QUICK: Sizes = {
  relay: {
    "relay-100": { conversations: 4, rate: 20 },
    "relay-300": { conversations: 4, rate: 40 },
    "relay-1000": { conversations: 6, rate: 60 },
  },
  handoffs: 5,
  stored: { conversations: 4, rate: 20, seed: 30, minSeconds: 0 },
  transcript: { conversations: 4, rate: 20, lengths: [10, 20] },
  instances: { conversations: 6, rates: [40, 80] },
  scans: [20, 60],
  graceMs: 5000,
  warmUpSeconds: 0.5,
};

/** A run's leftovers (a system that fell behind) finish before the next run starts, within this. */
const DRAIN_TIMEOUT_MS = 30_000;
/**
 * The unmeasured relay after warm-up, msg/s: 1,000 messages before the first timed run. After 100 (2 s at 50),
 * V8 was still compiling Warmline's relay: 175 TurboFan jobs and 608 ms of its compiler threads inside the 10 s
 * of 200 @ 100 that followed (`--trace-opt`), 0.6 ms of CPU a message; after 1,000, 82 jobs and 243 ms. Five
 * interleaved pairs at 200 @ 100 on SQLite (README, "Where a quiet relay's CPU goes"): Warmline 2.3-3.2 ->
 * 1.9-2.5 ms a message, the floor, a small program compiled sooner, the same within 0.1 ms.
 */
const WARM_UP_RATE = 100;

const liveChatId = (n: number) => `4477009${String(n).padStart(5, "0")}@c.us`;
const handoffChatId = (n: number) => `4477008${String(n).padStart(5, "0")}@c.us`;
const chatIds = (count: number, id: (n: number) => string) => Array.from({ length: count }, (_, n) => id(n));
const megabytes = (bytes: number) => Math.round(bytes / 1e6);
const seconds = (since: number) => ((performance.now() - since) / 1000).toFixed(1);

/** The bench's one Slack, its one delivery record, and every instance it started (stopped at the end). */
class BenchWorld {
  readonly tracker = new DeliveryTracker();
  private readonly started: BenchInstance[] = [];
  private readonly namespaces: string[] = [];
  private redisInfo?: ReturnType<typeof createClient>;
  private constructor(
    readonly slack: BenchSlack,
    private readonly options: BenchOptions,
  ) {}

  static async create(options: BenchOptions): Promise<BenchWorld> {
    let world: BenchWorld | undefined;
    const slack = await startBenchSlack((kind, seq) => world?.tracker.delivered(DeliveryTracker.legOf(kind), seq));
    world = new BenchWorld(slack, options);
    return world;
  }

  /** A fresh Redis namespace, shared by the instances started with it. */
  namespace(): string {
    const namespace = `warmline-bench-${process.pid}-${this.namespaces.length + 1}`;
    this.namespaces.push(namespace);
    return namespace;
  }

  async start(target: BenchTarget, redisNamespace?: string): Promise<BenchInstance> {
    const spec: InstanceSpec = {
      target,
      slackApiUrl: this.slack.api.url,
      signingSecret: BENCH_SIGNING_SECRET,
      botToken: BENCH_BOT_TOKEN,
      ...(target === "redis" && this.options.redisUrl
        ? { redisUrl: this.options.redisUrl, redisNamespace: redisNamespace ?? this.namespace() }
        : {}),
    };
    this.options.onNote(`starting ${target}${spec.redisNamespace ? ` (${spec.redisNamespace})` : ""}`);
    const instance = await startInstance(spec);
    instance.onSent((seq) => this.tracker.delivered("to-whatsapp", seq));
    this.started.push(instance);
    return instance;
  }

  async stop(instance: BenchInstance): Promise<void> {
    await instance.stop();
    this.started.splice(this.started.indexOf(instance), 1);
  }

  /** The Redis server's CPU so far, seconds (user + system, all its threads); undefined without Redis. */
  async redisCpuSeconds(): Promise<number | undefined> {
    const { redisUrl } = this.options;
    if (!redisUrl) return undefined;
    if (!this.redisInfo) {
      this.redisInfo = createClient({ url: redisUrl });
      await this.redisInfo.connect();
    }
    const info = await this.redisInfo.info("cpu");
    const seconds = (field: string) => Number(new RegExp(`^${field}:([\\d.]+)`, "m").exec(info)?.[1]);
    const used = seconds("used_cpu_user") + seconds("used_cpu_sys");
    if (!Number.isFinite(used)) throw new Error(`Redis's INFO cpu has no used_cpu_user / used_cpu_sys: ${info.slice(0, 200)}`);
    return used;
  }

  async close(): Promise<void> {
    this.redisInfo?.destroy();
    await Promise.allSettled(this.started.map((instance) => instance.stop()));
    await this.slack.close();
    // The bench's keys go with it; the tests' helper knows the store's key layout.
    const { redisUrl } = this.options;
    if (redisUrl) await Promise.allSettled(this.namespaces.map((namespace) => deleteRedisNamespace(redisUrl, namespace)));
  }
}

/** Relay runs: the conversations each instance takes, with where their agents' events go. */
const conversationsOn = (instances: BenchInstance[], threads: BenchThread[]): BenchConversation[] =>
  threads.map((thread, k) => ({ thread, whatsapp: instances[k % instances.length]!, slackReceiver: instances[k % instances.length]! }));

export async function runBench(options: BenchOptions): Promise<void> {
  const sizes = options.quick ? QUICK : FULL;
  const world = await BenchWorld.create(options);
  if (!options.redisUrl) options.onNote("REDIS_URL is not set: the redis target and the instances scenario are skipped");
  const targets = options.targets.filter((target) => target !== "redis" || options.redisUrl);
  // Seeded and padded stores: the first Warmline target asked for (SQLite by default, the embedded default store).
  const storeTarget = targets.find((target) => target !== "floor") ?? "sqlite";
  const selected = new Set(options.scenarios);

  // One instance per target for the relay, handoff and floor reference runs. It holds as many
  // conversations as the run at hand needs, no more: 200 @ 100 runs with 200 stored, not 500.
  const pool = new Map<BenchTarget, { instance: BenchInstance; threads: BenchThread[] }>();

  /** Waits for the instances to finish what they were given, so the next run starts on a quiet system; true when they all did. */
  const drain = async (instances: BenchInstance[]): Promise<boolean> => {
    let drained = true;
    for (const instance of instances) {
      const idle = await instance.request({ kind: "idle", timeoutMs: DRAIN_TIMEOUT_MS });
      if (idle.kind !== "idle" || idle.drained) continue;
      drained = false;
      // A backlog of minutes would run beside the next system's timed run: stop it instead, and a pooled target starts afresh when next needed.
      const pooledTarget = [...pool].find(([, entry]) => entry.instance === instance)?.[0];
      if (pooledTarget) {
        options.onNote(
          `${instance.spec.target} was still busy ${DRAIN_TIMEOUT_MS / 1000} s after the run: stopped, it starts afresh when next needed`,
        );
        pool.delete(pooledTarget);
        await world.stop(instance);
      } else
        options.onNote(
          `${instance.spec.target} was still busy ${DRAIN_TIMEOUT_MS / 1000} s after the run: the next run shares the machine with it`,
        );
    }
    world.slack.forgetHistory();
    return drained;
  };

  /** An unmeasured relay (the JIT, the connections, a new instance taking its share of the lanes), then quiet. */
  const warmUp = async (instances: BenchInstance[], threads: BenchThread[], rate = WARM_UP_RATE) => {
    await runRelay(
      { conversations: conversationsOn(instances, threads), rate, seconds: sizes.warmUpSeconds, graceMs: sizes.graceMs },
      world.slack,
      world.tracker,
    );
    await drain(instances);
  };

  /**
   * Chats ask for a person and are claimed, then warm up, so the first timed run does not pay for a cold process.
   */
  const prepare = async (instances: BenchInstance[], count: number, from = 0) => {
    const started = performance.now();
    const ids = chatIds(count, liveChatId).slice(from);
    const threads = await escalateAndClaim(instances[0]!, world.slack, ids);
    options.onNote(`${instances[0]!.spec.target}: ${ids.length} chats escalated and claimed in ${seconds(started)} s`);
    await warmUp(instances, threads);
    options.onNote(`${instances[0]!.spec.target}: warmed up and idle after ${seconds(started)} s`);
    return threads;
  };

  const pooled = async (target: BenchTarget, conversations: number) => {
    const entry = pool.get(target) ?? { instance: await world.start(target), threads: [] };
    pool.set(target, entry);
    if (entry.threads.length < conversations) entry.threads.push(...(await prepare([entry.instance], conversations, entry.threads.length)));
    return entry;
  };

  /** One timed relay run on `instances`, recorded with the CPU and RSS it cost them. */
  const relayRun = async (
    scenario: ScenarioName,
    variant: string,
    instances: BenchInstance[],
    threads: BenchThread[],
    load: { rate: number; seconds: number },
    seeded?: BenchRecord["seeded"],
  ): Promise<BenchRecord> => {
    const onRedis = instances[0]!.spec.target === "redis";
    const before = await Promise.all(instances.map((i) => i.usage()));
    const redisBefore = onRedis ? await world.redisCpuSeconds() : undefined;
    const generatorBefore = process.cpuUsage();
    const relay = await runRelay(
      { conversations: conversationsOn(instances, threads), rate: load.rate, seconds: load.seconds, graceMs: sizes.graceMs },
      world.slack,
      world.tracker,
    );
    const generator = process.cpuUsage(generatorBefore);
    const redisAfter = redisBefore === undefined ? undefined : await world.redisCpuSeconds();
    const after = await Promise.all(instances.map((i) => i.usage()));
    const cpuMsSince = (usage: ProcessUsage[]) => usage.reduce((sum, u, k) => sum + (u.cpuMicros - before[k]!.cpuMicros) / 1000, 0);
    const cpuMs = cpuMsSince(after);
    const drained = await drain(instances);
    const afterDrain = drained ? await Promise.all(instances.map((i) => i.usage())) : undefined;
    const record: BenchRecord = {
      scenario,
      target: instances[0]!.spec.target,
      variant,
      instances: instances.length,
      conversations: threads.length,
      rate: load.rate,
      seconds: load.seconds,
      relay,
      cpuMsPerMessage: relay.delivered > 0 ? cpuMs / relay.delivered : Number.NaN,
      ...(afterDrain ? { drainedCpuMsPerMessage: cpuMsSince(afterDrain) / relay.sent } : {}),
      generatorCpuMsPerMessage: (generator.user + generator.system) / 1000 / relay.sent,
      ...(redisBefore !== undefined && redisAfter !== undefined
        ? { redisCpuMsPerMessage: ((redisAfter - redisBefore) * 1000) / relay.sent }
        : {}),
      rssMB: megabytes(after.reduce((sum, u) => sum + u.rssBytes, 0)),
      heapMB: megabytes(after.reduce((sum, u) => sum + u.heapUsedBytes, 0)),
      loopDelayP99Ms: Math.max(...after.map((u) => u.loopDelayP99Ms)),
      loopDelayMaxMs: Math.max(...after.map((u) => u.loopDelayMaxMs)),
      mainThreadBusy: Math.max(...after.map((u) => u.mainThreadBusy)),
      ...(after.every((u) => u.outboxPending !== undefined)
        ? { outboxPendingAtEnd: after.reduce((sum, u) => sum + u.outboxPending!, 0) }
        : {}),
      ...(seeded ? { seeded } : {}),
      cores: availableParallelism(),
      loadavg: loadavg(),
    };
    options.onRecord(record);
    return record;
  };

  try {
    for (const scenario of SCENARIOS.filter((s) => selected.has(s))) {
      options.onNote(`scenario ${scenario}`);
      if (scenario === "relay-100" || scenario === "relay-300" || scenario === "relay-1000") {
        const { conversations, rate: ownRate } = sizes.relay[scenario];
        for (const rate of options.rates ?? [ownRate]) {
          for (const target of targets) {
            const { instance, threads } = await pooled(target, conversations);
            await relayRun(scenario, `${conversations} @ ${rate}`, [instance], threads.slice(0, conversations), {
              rate,
              seconds: options.seconds,
            });
          }
        }
      } else if (scenario === "handoffs") {
        for (const target of targets) {
          const { instance } = await pooled(target, sizes.relay["relay-100"].conversations);
          const before = await instance.usage();
          const handoff = await runHandoffs(instance, chatIds(sizes.handoffs, handoffChatId), sizes.graceMs * 6, world.tracker);
          const after = await instance.usage();
          options.onRecord({
            scenario,
            target,
            variant: `${sizes.handoffs} at once`,
            instances: 1,
            conversations: sizes.handoffs,
            seconds: 0,
            handoff,
            cpuMsPerMessage: (after.cpuMicros - before.cpuMicros) / 1000 / Math.max(1, handoff.cardsPosted),
            rssMB: megabytes(after.rssBytes),
            heapMB: megabytes(after.heapUsedBytes),
            cores: availableParallelism(),
            loadavg: loadavg(),
          });
          await drain([instance]);
        }
      } else if (scenario === "stored-resolved" || scenario === "stored-open") {
        const state = scenario === "stored-open" ? "open" : "resolved";
        const { conversations, rate, seed, minSeconds } = sizes.stored;
        const load = { rate, seconds: Math.max(options.seconds, minSeconds) };
        const floor = await pooled("floor", conversations);
        await relayRun(scenario, "floor", [floor.instance], floor.threads.slice(0, conversations), load);
        const instance = await world.start(storeTarget);
        const threads = await prepare([instance], conversations);
        await relayRun(scenario, "empty store", [instance], threads, load);
        const seedStarted = performance.now();
        expectReply(
          await instance.request({ kind: "seed", templateChatId: threads[0]!.chatId, count: seed, state }),
          "ok",
          `Seeding ${seed} ${state} conversations`,
        );
        const seeded = { conversations: seed, ms: Math.round(performance.now() - seedStarted) };
        await relayRun(scenario, `${seed} ${state}`, [instance], threads, load, seeded);
        await world.stop(instance);
      } else if (scenario === "transcript") {
        const { conversations, rate, lengths } = sizes.transcript;
        const load = { rate, seconds: options.seconds };
        const floor = await pooled("floor", conversations);
        await relayRun(scenario, "floor", [floor.instance], floor.threads.slice(0, conversations), load);
        const instance = await world.start(storeTarget);
        const threads = await prepare([instance], conversations);
        for (const length of lengths) {
          expectReply(
            await instance.request({ kind: "pad-transcripts", chatIds: threads.map((t) => t.chatId), length }),
            "ok",
            `Padding transcripts to ${length} entries`,
          );
          await relayRun(scenario, `transcript ${length}`, [instance], threads, load);
        }
        await world.stop(instance);
      } else if (scenario === "instances") {
        if (!options.redisUrl) continue;
        // Throughput is what a variant keeps up with: it steps up the offered loads and stops at the first it does not
        // keep up with (keptUp), so its capacity is measured, not capped by one offered load it might simply meet.
        // With --rate, those loads, all of them.
        const { conversations, rates: steps } = sizes.instances;
        const searching = options.rates === undefined;
        // Each variant on fresh instances and a fresh namespace: one instance's backlog must not run beside the pair.
        for (const count of [1, 2]) {
          const namespace = world.namespace();
          const instances: BenchInstance[] = [];
          for (let k = 0; k < count; k++) instances.push(await world.start("redis", namespace));
          const threads = await prepare(instances.slice(0, 1), conversations);
          const rates = options.rates ?? steps;
          // At the first load too: a step's verdict must not hang on code the JIT has not optimised yet.
          await warmUp(instances, threads, rates[0]);
          for (const rate of rates) {
            const variant = `${count === 1 ? "1 instance" : `${count} instances`} @ ${rate}`;
            const record = await relayRun(scenario, variant, instances, threads, { rate, seconds: options.seconds });
            if (searching && !keptUp(record.relay!, rate)) break;
          }
          for (const instance of instances) await world.stop(instance);
        }
      } else if (scenario === "scans") {
        // In this process, on the engine and the store alone: what grows with the stored conversations is theirs.
        for (const target of targets) {
          if (target === "floor") continue;
          for (const scans of await measureScans(target, sizes.scans, options.redisUrl)) {
            const memory = process.memoryUsage();
            options.onRecord({
              scenario,
              target,
              variant: `${scans.openStored} open`,
              instances: 1,
              conversations: scans.openStored,
              seconds: 0,
              scans,
              cpuMsPerMessage: scans.turnCpuMs,
              rssMB: megabytes(memory.rss),
              heapMB: megabytes(memory.heapUsed),
              cores: availableParallelism(),
              loadavg: loadavg(),
            });
          }
        }
      }
    }
  } finally {
    await world.close();
  }
}
