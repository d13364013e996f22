import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it, vi } from "vitest";
import { SLACK_ACTION_IDS } from "../../channels/slack/context-card.js";
import { SERVICE_NODE_FLAGS } from "../../src/cli/service-heap.js";
import { type FakeSlackApi, startFakeSlackApi } from "../../src/sandbox/fake-slack-api.js";
import { buttonAction, postEvent, postInteraction, threadReplyEvent } from "../../src/sandbox/slack-signing.js";
import { deleteRedisNamespace } from "../helpers/redis-namespace.js";
import { HARNESS_CHANNELS, HARNESS_USERS } from "../helpers/slack-harness.js";
import { type CrashChannel, type CrashCustomers, startCrashCustomers } from "./crash-customers.js";

/**
 * The crash test, as an attacker would run it: conversations both ways against slow Slack and
 * WhatsApp servers (each call takes LATENCY_MS; a write lands either before the slow answer or
 * only if the caller is still there, at random), SIGKILL in the middle of the traffic and again
 * while the restarted process is recovering, and agents sending the same reply twice in a row.
 * Every message must arrive exactly once, in order. WhatsApp is either WhatsApp Web (handing each
 * message out once) or the Cloud API (webhooks posted again until answered 200): crash-customers.ts.
 */
export const CONVERSATIONS = 20;
const LATENCY_MS = 150;
const SECRET = "crash-test-signing-secret-0123456789";
const CHILD = new URL("./crash-child.ts", import.meta.url).pathname;
// Generous: child processes start tsx and train the model on a 2-core machine that may be busy.
export const WAIT = { timeout: 90_000, interval: 20 };
/** The agents' identical consecutive replies. */
const SAME_REPLY = "OK, one moment.";
// Tests are the one place besides src/config that read the environment: they choose their server.
export const REDIS_URL = process.env.REDIS_URL;

/** Where the two kills fall: after this share of the traffic, then this long after the restarted process is ready. */
export interface KillTiming {
  store: "sqlite" | "redis";
  firstKillAfter: number;
  secondKillAfterReadyMs: number;
}

/**
 * The kills per channel: three runs in all instead of every timing on both channels, because each run
 * costs 15-35 s of a 2-core machine. SQLite, the default store, runs on both channels and at two
 * timings: early (cards and claims in doubt) over WhatsApp Web, late (agent replies to the customer
 * in doubt, which the Cloud API resolves by its `sent` statuses) over the Cloud API. Redis runs once,
 * over WhatsApp Web, mid-traffic; the store contract suite holds both stores to the same behaviour.
 */
export const KILL_TIMINGS: Readonly<Record<CrashChannel, readonly KillTiming[]>> = {
  web: [
    { store: "sqlite", firstKillAfter: 0.3, secondKillAfterReadyMs: 300 },
    { store: "redis", firstKillAfter: 0.5, secondKillAfterReadyMs: 500 },
  ],
  cloud: [{ store: "sqlite", firstKillAfter: 0.65, secondKillAfterReadyMs: 700 }],
};

interface Child {
  process: ChildProcess;
  url: string;
  ready: number;
}

export interface World {
  api: FakeSlackApi;
  customers: CrashCustomers;
  dataDir: string;
  env: Record<string, string>;
  child?: Child;
  cards: Map<number, { ts: string; conversationId: string }>;
}

let world: World | undefined;

/** For afterEach: kills the child and removes what the test made. */
export async function stopWorld(): Promise<void> {
  if (!world) return;
  world.child?.process.kill("SIGKILL");
  await world.api.close();
  await world.customers.close();
  rmSync(world.dataDir, { recursive: true, force: true });
  if (world.env.CRASH_STORE === "redis" && REDIS_URL) await deleteRedisNamespace(REDIS_URL, world.env.CRASH_REDIS_NAMESPACE!);
  world = undefined;
}

export async function startWorld(store: KillTiming["store"], channel: CrashChannel): Promise<World> {
  const api = await startFakeSlackApi({ channels: structuredClone(HARNESS_CHANNELS), users: HARNESS_USERS });
  // Both in-doubt outcomes, at random: the write landed before the caller died, or it never landed.
  api.latency = { ms: LATENCY_MS, applyFirst: () => Math.random() < 0.5 };
  const customers = await startCrashCustomers(channel, { ms: LATENCY_MS, applyFirst: () => Math.random() < 0.5 });
  const env: Record<string, string> =
    store === "redis" ? { CRASH_STORE: "redis", REDIS_URL: REDIS_URL!, CRASH_REDIS_NAMESPACE: `warmline-crash-${randomUUID()}` } : {};
  world = { api, customers, dataDir: mkdtempSync(join(tmpdir(), "warmline-crash-")), env, cards: new Map() };
  return world;
}

export async function startChild(w: World): Promise<Child> {
  const proc = spawn(process.execPath, [...SERVICE_NODE_FLAGS, "--import", "tsx", CHILD], {
    env: {
      ...process.env,
      ...w.env,
      ...w.customers.childEnv,
      SLACK_API_URL: w.api.url,
      WARMLINE_DATA_DIR: w.dataDir,
      CRASH_SIGNING_SECRET: SECRET,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  proc.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const port = await new Promise<string>((resolve, reject) => {
    let out = "";
    proc.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = /READY (\d+)/.exec(out);
      if (match) resolve(match[1]!);
    });
    proc.once("exit", (code) => reject(new Error(`The Warmline child exited (${code}) before it was ready:\n${stderr}`)));
  });
  w.customers.childListening(port);
  return { process: proc, url: `http://127.0.0.1:${port}/slack/events`, ready: Date.now() };
}

async function kill(w: World): Promise<void> {
  const victim = w.child;
  w.child = undefined;
  if (!victim) return;
  const exited = new Promise((resolve) => victim.process.once("exit", resolve));
  victim.process.kill("SIGKILL");
  await exited;
}

/** Slack's behaviour: a request that got no 200 is sent again (events with x-slack-retry-num; clicks, by a patient agent). */
async function deliverToSlackApp(w: World, send: (url: string) => Promise<{ status: number }>): Promise<void> {
  await vi.waitFor(async () => {
    if (!w.child) throw new Error("Warmline is restarting");
    const response = await send(w.child.url);
    if (response.status !== 200) throw new Error(`Warmline answered ${response.status}`);
  }, WAIT);
}

export const marker = (i: number) => `ref K${i}x`;
const isCardOf = (w: World, i: number) => (m: FakeSlackApi["messages"][number]) =>
  m.channel === "C0RETENT1" && m.ts === m.thread_ts && w.api.threadReplies("C0RETENT1", m.ts).some((r) => r.text?.includes(marker(i)));

/** The customer's card (found by the transcript in its thread) and its conversation (from the Claim button, while there is one). */
export function cardFor(w: World, i: number) {
  if (w.cards.has(i)) return w.cards.get(i);
  const card = w.api.messages.find(isCardOf(w, i));
  if (!card) return undefined;
  const actions = (card.blocks as { type: string; elements?: { action_id?: string; value?: string }[] }[]).find(
    (b) => b.type === "actions",
  );
  const conversationId = actions?.elements?.find((e) => e.action_id === SLACK_ACTION_IDS.claim)?.value;
  if (conversationId) w.cards.set(i, { ts: card.ts, conversationId });
  return w.cards.get(i);
}

async function conversationTraffic(w: World, run: number, i: number, progress: () => void): Promise<void> {
  await w.customers.customerSays(i, `I want to cancel my order 100311 please ${marker(i)}`, `Customer ${i}`);
  const card = await vi.waitFor(() => {
    const found = cardFor(w, i);
    if (!found) throw new Error(`No card yet for customer ${i}`);
    return found;
  }, WAIT);
  const claim = buttonAction(SLACK_ACTION_IDS.claim, {
    user: "U0AGENT01",
    channel: "C0RETENT1",
    messageTs: card.ts,
    conversationId: card.conversationId,
  });
  await deliverToSlackApp(w, (url) => postInteraction(url, SECRET, claim));
  progress();
  const agentSays = async (n: number, text: string) => {
    const ts = `171${run}${String(i).padStart(3, "0")}.00000${n}`;
    const event = threadReplyEvent({ channel: "C0RETENT1", user: "U0AGENT01", text, ts, threadTs: card.ts });
    await deliverToSlackApp(w, (url) => postEvent(url, SECRET, event));
  };
  for (const n of [1, 2]) {
    await w.customers.customerSays(i, `customer ${i} says C${i}x${n}`);
    await agentSays(n, `agent answers A${i}x${n}`);
    progress();
  }
  await agentSays(3, SAME_REPLY);
  await agentSays(4, SAME_REPLY);
  progress();
}

/** What reached each side, per conversation: lost (expected, never arrived, each named in `missing`) and duplicated (arrived more than once). */
function tally(w: World) {
  let lost = 0;
  let duplicated = 0;
  const missing: string[] = [];
  const count = (seen: number, expected: number, what: string) => {
    if (seen < expected) missing.push(what);
    lost += Math.max(0, expected - seen);
    duplicated += Math.max(0, seen - expected);
  };
  for (let i = 0; i < CONVERSATIONS; i++) {
    const toCustomer = w.customers.received(i);
    for (const n of [1, 2]) count(toCustomer.filter((b) => b === `agent answers A${i}x${n}`).length, 1, `A${i}x${n} to customer ${i}`);
    count(toCustomer.filter((b) => b === SAME_REPLY).length, 2, `"${SAME_REPLY}" to customer ${i}`);
    for (const notice of ["bringing in a colleague", "has joined"])
      count(toCustomer.filter((b) => b.includes(notice)).length, 1, `"${notice}" to customer ${i}`);
    const cards = w.api.messages.filter(isCardOf(w, i));
    count(cards.length, 1, `card of customer ${i}`);
    const thread = cards.flatMap((c) => w.api.threadReplies("C0RETENT1", c.ts)).map((m) => m.text ?? "");
    for (const n of [1, 2]) count(thread.filter((t) => t.includes(`C${i}x${n}`)).length, 1, `C${i}x${n} in the thread`);
  }
  return { lost, duplicated, missing };
}

/** One test per timing: the traffic, two kills, then every message once and in order both ways. */
export function crashRuns(channel: CrashChannel): void {
  KILL_TIMINGS[channel].forEach((timing, run) => {
    const name = `${CONVERSATIONS} conversations on ${timing.store}, killed after ${timing.firstKillAfter * 100} % of the traffic and ${timing.secondKillAfterReadyMs} ms into recovery: nothing lost, nothing twice, in order`;
    if (timing.store === "redis" && REDIS_URL === undefined) {
      it.skip(`${name} (set REDIS_URL to run it)`, () => {});
      return;
    }
    it(name, { timeout: 240_000 }, async () => {
      const started = Date.now();
      const w = await startWorld(timing.store, channel);
      w.child = await startChild(w);
      const total = CONVERSATIONS * 4;
      let steps = 0;
      let crashes: Promise<void> | undefined;
      const crashTwice = async () => {
        await kill(w);
        const restarted = await startChild(w);
        w.child = restarted;
        // The second kill lands while the restarted process recovers what the first left in flight.
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, restarted.ready + timing.secondKillAfterReadyMs - Date.now())));
        await kill(w);
        w.child = await startChild(w);
      };
      const progress = () => {
        steps += 1;
        if (!crashes && steps >= Math.floor(total * timing.firstKillAfter)) crashes = crashTwice();
      };

      await Promise.all(Array.from({ length: CONVERSATIONS }, (_, i) => conversationTraffic(w, run, i, progress)));
      await crashes;
      expect(crashes).toBeDefined();

      await vi.waitFor(() => {
        const { lost, missing } = tally(w);
        if (lost > 0) throw new Error(`${lost} messages have not arrived yet: ${missing.join(", ")}`);
      }, WAIT);
      const { missing: _none, ...figures } = tally(w);
      console.info(
        `crash run ${run + 1} (${channel}, ${timing.store}): ${figures.lost} lost, ${figures.duplicated} duplicated, ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
      expect(figures).toEqual({ lost: 0, duplicated: 0 });

      for (let i = 0; i < CONVERSATIONS; i++) {
        const toCustomer = w.customers.received(i);
        expect(
          toCustomer.filter((b) => b.startsWith("agent answers") || b === SAME_REPLY),
          `customer ${i}`,
        ).toEqual([`agent answers A${i}x1`, `agent answers A${i}x2`, SAME_REPLY, SAME_REPLY]);
        expect(toCustomer.filter((b) => b.includes("has joined")).length, `customer ${i}`).toBe(1);
        expect(toCustomer.filter((b) => b.includes("bringing in a colleague")).length, `customer ${i}`).toBe(1);
        const thread = w.api.threadReplies("C0RETENT1", cardFor(w, i)!.ts).map((m) => m.text ?? "");
        expect(thread.filter((t) => new RegExp(`C${i}x[12]\\b`).test(t)).map((t) => /C\d+x\d/.exec(t)![0])).toEqual([`C${i}x1`, `C${i}x2`]);
      }
    });
  });
}
