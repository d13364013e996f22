import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { SLACK_ACTION_IDS } from "../../channels/slack/context-card.js";
import { decodeSlackThreadRef } from "../../channels/slack/slack-ids.js";
import { loadConfigFile } from "../../src/config/load-config.js";
import type { WarmlineConfig } from "../../src/config/schema.js";
import { createInboxProcessor } from "../../src/engine/inbox-processor.js";
import { createOutboxDispatcher, LANE_LEASE_TTL_MS, type OutboxDispatcher } from "../../src/engine/outbox-dispatcher.js";
import { createSilentLogger } from "../../src/logging.js";
import { startWarmline, type WarmlineHandle } from "../../src/main.js";
import { SHIPPED_CONFIG_FILE } from "../../src/paths.js";
import type { OutboxItem, WarmlineStore } from "../../src/ports/outbox.js";
import { createMemoryStore } from "../../src/store/memory-store.js";
import { type FakeSlackApi, startFakeSlackApi } from "../../src/sandbox/fake-slack-api.js";
import { FakeWhatsAppClient } from "../../src/sandbox/fake-whatsapp-client.js";
import { deleteRedisNamespace } from "../helpers/redis-namespace.js";
import { HARNESS_CHANNELS, HARNESS_USERS } from "../helpers/slack-harness.js";
import { buttonAction, postEvent, postInteraction, threadReplyEvent } from "../../src/sandbox/slack-signing.js";

const WAIT = { timeout: 30_000, interval: 20 };

describe("outbox lanes across instances (dispatcher over one shared store)", () => {
  const silent = createSilentLogger();
  const policy = { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 100, giveUpAfterMs: 60_000 };
  const clock = { now: () => Date.now() };
  const textOf = (item: OutboxItem) => (item.effect as { text: string }).text;
  let dispatchers: OutboxDispatcher[] = [];

  function dispatcher(
    store: WarmlineStore,
    instanceId: string,
    deliver: (item: OutboxItem) => Promise<void>,
    options: { whatsapp: boolean },
  ): OutboxDispatcher {
    const created = createOutboxDispatcher({
      outbox: store,
      instanceId,
      deliver,
      canDeliver: (item) => options.whatsapp || item.effect.kind !== "send_customer",
      onFailed: async () => {},
      policy,
      clock,
      logger: silent,
    });
    dispatchers.push(created);
    return created;
  }

  afterAll(async () => {
    for (const d of dispatchers) await d.stop();
    dispatchers = [];
  });

  it("never lets two instances deliver one lane at once, and delivers every item once, in order", async () => {
    const store = await createMemoryStore({ clock });
    const delivered: { lane: string; text: string; by: string }[] = [];
    const busy = new Set<string>();
    let overlaps = 0;
    const deliverAs = (by: string) => async (item: OutboxItem) => {
      if (busy.has(item.lane)) overlaps += 1;
      busy.add(item.lane);
      // Let the other instance run in between, as a network call would.
      await new Promise((resolve) => setImmediate(resolve));
      delivered.push({ lane: item.lane, text: textOf(item), by });
      busy.delete(item.lane);
    };
    const a = dispatcher(store, "instance-a", deliverAs("a"), { whatsapp: true });
    const b = dispatcher(store, "instance-b", deliverAs("b"), { whatsapp: true });
    const lanes = ["conv-1", "conv-2", "conv-3", "conv-4"];
    for (let round = 0; round < 10; round++) {
      await store.enqueue(lanes.map((lane) => ({ lane, effect: { kind: "notify_ops" as const, text: `${lane}#${round}` } })));
      // Both instances are told about every lane, as when Slack events land on either.
      await Promise.all([a.kick(), b.kick(), ...lanes.map((lane) => (round % 2 === 0 ? a : b).kick(lane))]);
    }
    await Promise.all([a.start(), b.start()]);
    await vi.waitFor(async () => expect(await store.listOutbox()).toEqual([]), WAIT);
    expect(overlaps).toBe(0);
    for (const lane of lanes) {
      expect(delivered.filter((d) => d.lane === lane).map((d) => d.text)).toEqual(
        Array.from({ length: 10 }, (_, round) => `${lane}#${round}`),
      );
    }
  });

  it("hands a lane over at a WhatsApp message it cannot send, leaving the item untouched for the instance that can", async () => {
    const store = await createMemoryStore({ clock });
    const delivered: string[] = [];
    const deliverAs = (by: string) => async (item: OutboxItem) => void delivered.push(`${textOf(item)} by ${by}`);
    const slackOnly = dispatcher(store, "instance-b", deliverAs("b"), { whatsapp: false });
    await store.enqueue([
      { lane: "conv-1", effect: { kind: "notify_ops", text: "card update" } },
      { lane: "conv-1", effect: { kind: "send_customer", address: "whatsapp:447700900001@c.us", text: "agent reply" } },
      { lane: "conv-1", effect: { kind: "notify_ops", text: "reaction" } },
    ]);
    await slackOnly.kick("conv-1");
    await slackOnly.settled("conv-1");
    expect(delivered).toEqual(["card update by b"]);
    const [waiting] = await store.outboxHeads("conv-1");
    expect(waiting).toMatchObject({ status: "pending", attempts: 0, notBefore: 0 });
    expect(waiting!.lastAttemptAt).toBeUndefined();
    // The lane is free: the instance with WhatsApp takes it and goes on in order.
    const withWhatsApp = dispatcher(store, "instance-a", deliverAs("a"), { whatsapp: true });
    await withWhatsApp.start();
    await vi.waitFor(async () => expect(await store.listOutbox()).toEqual([]), WAIT);
    expect(delivered).toEqual(["card update by b", "agent reply by a", "reaction by a"]);
  });

  /** A shared store whose clock the test moves, counting each instance's lease attempts (a worker's take of its lane) per lease name. */
  async function countedStore() {
    let offset = 0;
    const movable = { now: () => Date.now() + offset };
    const store = await createMemoryStore({ clock: movable });
    const attempts = new Map<string, string[]>();
    const attempt = (name: string, holder: string) => attempts.set(holder, [...(attempts.get(holder) ?? []), name]);
    const acquire = store.acquireLease.bind(store);
    store.acquireLease = (lane, holder, ttlMs) => {
      attempt(lane, holder);
      return acquire(lane, holder, ttlMs);
    };
    const takeOutbox = store.takeOutboxLane.bind(store);
    store.takeOutboxLane = (lane, lease, ttlMs) => {
      attempt(lease.name, lease.holder);
      return takeOutbox(lane, lease, ttlMs);
    };
    const takeInbox = store.takeInboxLane.bind(store);
    store.takeInboxLane = (lane, lease, ttlMs) => {
      attempt(lease.name, lease.holder);
      return takeInbox(lane, lease, ttlMs);
    };
    return { store, clock: movable, attempts, advance: (ms: number) => (offset += ms) };
  }

  it("polls only lanes no other instance holds, and takes a dead holder's lanes once their leases lapse", async () => {
    const { store, clock: movable, attempts, advance } = await countedStore();
    await store.enqueue(["conv-1", "conv-2", "conv-3"].map((lane) => ({ lane, effect: { kind: "notify_ops" as const, text: lane } })));
    // Another instance is working conv-1 and conv-2 (and then dies, holding them).
    for (const lane of ["conv-1", "conv-2"]) expect(await store.acquireLease(lane, "instance-a", LANE_LEASE_TTL_MS)).toBe(true);
    attempts.clear();
    const delivered: string[] = [];
    const b = createOutboxDispatcher({
      outbox: store,
      instanceId: "instance-b",
      deliver: async (item) => void delivered.push(textOf(item)),
      onFailed: async () => {},
      policy,
      clock: movable,
      logger: silent,
    });
    dispatchers.push(b);
    await b.kick();
    await b.idle();
    expect(delivered).toEqual(["conv-3"]);
    // The held lanes were not even tried: each attempt would be a failed round trip to the store.
    expect(attempts.get("instance-b")).toEqual(["conv-3"]);
    advance(LANE_LEASE_TTL_MS + 1);
    await b.kick();
    await b.idle();
    expect(delivered.sort()).toEqual(["conv-1", "conv-2", "conv-3"]);
  });

  /**
   * A store where instance-a's completion of an item or entry under `lease` (the step that finds its
   * lane empty and lets go) waits for `resume()`: a holder about to let go when another instance stores
   * something for the lane and tries to take it.
   */
  async function slowReleaseStore(lease: string) {
    const store = await createMemoryStore({ clock });
    let resume = () => {};
    let releasing = () => {};
    const gate = new Promise<void>((resolve) => (resume = resolve));
    const reachedRelease = new Promise<void>((resolve) => (releasing = resolve));
    const held = async (name: string, holder: string) => {
      if (name === lease && holder === "instance-a") {
        releasing();
        await gate;
      }
    };
    const completeInbox = store.completeInboxEntry.bind(store);
    store.completeInboxEntry = async (entry, laneLease) => {
      await held(laneLease.name, laneLease.holder);
      return completeInbox(entry, laneLease);
    };
    const completeOutbox = store.completeOutboxItem.bind(store);
    store.completeOutboxItem = async (item, laneLease) => {
      await held(laneLease.name, laneLease.holder);
      return completeOutbox(item, laneLease);
    };
    return { store, reachedRelease, resume };
  }
  const reply = (lane: string, n: number) => ({
    id: `m-${lane}-${n}`,
    lane,
    message: {
      kind: "agent_reply" as const,
      reply: { thread: lane, agent: { id: "U1", name: "A" }, text: `hi ${n}`, messageRef: `r-${lane}-${n}` },
    },
  });

  it("a message stored on B while A is letting go of its inbox lane is processed at once, not at the next poll", async () => {
    const { store, reachedRelease, resume } = await slowReleaseStore("inbox:chat-1");
    const processed: string[] = [];
    const [a, b] = ["instance-a", "instance-b"].map((instanceId) =>
      createInboxProcessor({
        inbox: store,
        instanceId,
        process: async (entry) => void processed.push(`${instanceId}:${entry.id}`),
        onParked: async () => {},
        policy,
        clock,
        logger: silent,
      }),
    );
    // No poll runs (neither is started): only the handover can bring B's message in.
    await a!.receive(reply("chat-1", 1));
    await reachedRelease;
    await b!.receive(reply("chat-1", 2));
    resume();
    // A's letting go finds B's message first (the same store step), so A processes it.
    await vi.waitFor(() => expect(processed).toEqual(["instance-a:m-chat-1-1", "instance-a:m-chat-1-2"]), { timeout: 2_000, interval: 10 });
    await Promise.all([a!.stop(), b!.stop()]);
  });

  it("so is an outbox item committed on B while A lets go of the lane", async () => {
    const { store, reachedRelease, resume } = await slowReleaseStore("conv-1");
    const delivered: string[] = [];
    const [a, b] = ["instance-a", "instance-b"].map((instanceId) =>
      createOutboxDispatcher({
        outbox: store,
        instanceId,
        deliver: async (item) => void delivered.push(`${instanceId}:${textOf(item)}`),
        onFailed: async () => {},
        policy,
        clock,
        logger: silent,
      }),
    );
    dispatchers.push(a!, b!);
    await store.enqueue([{ lane: "conv-1", effect: { kind: "notify_ops", text: "first" } }]);
    void a!.kick("conv-1");
    await reachedRelease;
    await store.enqueue([{ lane: "conv-1", effect: { kind: "notify_ops", text: "second" } }]);
    void b!.kick("conv-1");
    resume();
    await vi.waitFor(() => expect(delivered).toEqual(["instance-a:first", "instance-a:second"]), { timeout: 2_000, interval: 10 });
  });

  it("the inbox's poll too tries only lanes no other instance holds", async () => {
    const { store, clock: movable, attempts, advance } = await countedStore();
    for (const lane of ["chat-1", "chat-2"]) {
      await store.receiveInbox(
        {
          id: `m-${lane}`,
          lane,
          message: { kind: "agent_reply", reply: { thread: lane, agent: { id: "U1", name: "A" }, text: "hi", messageRef: `r-${lane}` } },
        },
        60_000,
      );
    }
    const processed: string[] = [];
    const b = createInboxProcessor({
      inbox: store,
      instanceId: "instance-b",
      process: async (entry) => void processed.push(entry.lane),
      onParked: async () => {},
      policy,
      clock: movable,
      logger: silent,
    });
    const held = (lane: string) => `inbox:${lane}`;
    expect(await store.acquireLease(held("chat-1"), "instance-a", LANE_LEASE_TTL_MS)).toBe(true);
    attempts.clear();
    await b.kick();
    await b.idle();
    expect(processed).toEqual(["chat-2"]);
    expect(attempts.get("instance-b")).toEqual([held("chat-2")]);
    advance(LANE_LEASE_TTL_MS + 1);
    await b.kick();
    await b.idle();
    await b.stop();
    expect(processed).toEqual(["chat-2", "chat-1"]);
  });
});

// Tests are the one place besides src/config that read the environment: they choose their server.
const redisUrl = process.env.REDIS_URL;

if (redisUrl === undefined) {
  console.warn("Skipping the multi-instance test on Redis: set REDIS_URL (e.g. redis://127.0.0.1:6379) to run it.");
  describe.skip("two Warmline instances on one Redis (REDIS_URL is not set)", () => {
    it("needs REDIS_URL", () => {});
  });
} else {
  describe("two Warmline instances behind a load balancer, one Redis, WhatsApp paired on one", () => {
    /** Conversations in the first phase, with both instances up. */
    const CONVERSATIONS = 20;
    /** Messages each way per conversation after the claim. */
    const ROUNDS = 3;
    /** Conversations escalated just before instance A goes down. */
    const LATE = 4;
    const SECRET = "multi-instance-signing-secret-0123456789";
    const TOKEN_A = "xoxb-instance-a";
    const TOKEN_B = "xoxb-instance-b";
    const RETENTION = "C0RETENT1";
    const AGENT = "U0AGENT01";
    const url = redisUrl;
    const namespace = `warmline-multi-${randomUUID()}`;

    let api: FakeSlackApi;
    let config: WarmlineConfig;
    let dataDirA: string;
    let dataDirB: string;
    /** The business's WhatsApp account: paired only on instance A, and kept across A's restart (WhatsApp keeps the chats). */
    let whatsapp: FakeWhatsAppClient;
    /** Instance B's customer channel never becomes ready. */
    let unpaired: FakeWhatsAppClient;
    let a: WarmlineHandle | undefined;
    let b: WarmlineHandle;

    const start = (token: string, dataDir: string, client: FakeWhatsAppClient) =>
      startWarmline({
        config,
        dataDir,
        env: { SLACK_BOT_TOKEN: token, SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: api.url, PORT: "0", REDIS_URL: url, LOG_LEVEL: "warn" },
        logger: createSilentLogger(),
        whatsapp: { client },
        slack: { processBeforeResponse: true, clientOptions: { retryConfig: { retries: 0 } } },
      });
    const outboxOf = (handle: WarmlineHandle) => handle.store as unknown as WarmlineStore;
    const eventsUrl = (handle: WarmlineHandle) => `http://127.0.0.1:${handle.port}/slack/events`;
    /** The load balancer: alternates between the instances that are up. */
    const instance = (n: number) => (a !== undefined && n % 2 === 0 ? a : b);

    const chatOf = (i: number) => `4477009${String(20000 + i)}@c.us`;
    const toCustomer = (i: number) => whatsapp.sentTo(chatOf(i)).map((s) => s.text);
    const cardsOf = (i: number) =>
      api.messages.filter(
        (m) =>
          m.channel === RETENTION && m.ts === m.thread_ts && api.threadReplies(RETENTION, m.ts).some((r) => r.text?.includes(`ref M${i}x`)),
      );
    const threadOf = (i: number) => api.threadReplies(RETENTION, cardsOf(i)[0]!.ts).map((m) => m.text ?? "");
    const conversationOf = async (i: number) => (await b.store.findActiveByCustomer(`whatsapp:${chatOf(i)}`))!;

    let tsSeq = 0;
    async function ok(response: Promise<{ status: number; text: string }>): Promise<void> {
      const { status, text } = await response;
      if (status !== 200) throw new Error(`Warmline answered ${status}: ${text}`);
    }
    async function escalate(i: number): Promise<{ conversationId: string; cardTs: string }> {
      whatsapp.customerSays(`I want to cancel my order 100311 please ref M${i}x`, { from: chatOf(i), name: `Customer ${i}` });
      return vi.waitFor(async () => {
        const conversation = await b.store.findActiveByCustomer(`whatsapp:${chatOf(i)}`);
        const thread = conversation?.escalations.at(-1)?.thread;
        if (!conversation || !thread) throw new Error(`No card yet for customer ${i}`);
        return { conversationId: conversation.id, cardTs: decodeSlackThreadRef(thread).threadTs };
      }, WAIT);
    }
    const claim = (via: WarmlineHandle, card: { conversationId: string; cardTs: string }) =>
      ok(
        postInteraction(
          eventsUrl(via),
          SECRET,
          buttonAction(SLACK_ACTION_IDS.claim, {
            user: AGENT,
            channel: RETENTION,
            messageTs: card.cardTs,
            conversationId: card.conversationId,
          }),
        ),
      );
    const agentSays = (via: WarmlineHandle, cardTs: string, text: string) =>
      ok(
        postEvent(
          eventsUrl(via),
          SECRET,
          threadReplyEvent({
            channel: RETENTION,
            user: AGENT,
            text,
            ts: `1717000000.${String(++tsSeq).padStart(6, "0")}`,
            threadTs: cardTs,
          }),
        ),
      );
    const answersTo = (i: number) => toCustomer(i).filter((t) => t.startsWith("agent answers"));
    const relayedIn = (i: number) => threadOf(i).flatMap((t) => t.match(new RegExp(`C${i}x\\d+\\b`, "g")) ?? []);

    beforeAll(async () => {
      api = await startFakeSlackApi({ channels: structuredClone(HARNESS_CHANNELS), users: HARNESS_USERS });
      config = structuredClone(loadConfigFile(SHIPPED_CONFIG_FILE));
      config.slack.mode = "http";
      config.store = { ...config.store, kind: "redis", redisNamespace: namespace };
      // Open around the clock, so the run does not depend on the hour it runs at.
      for (const team of Object.values(config.teams))
        team.businessHours = {
          ...team.businessHours,
          days: ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
          open: "00:00",
          close: "00:00",
        };
      config.outbox = { ...config.outbox, baseDelayMs: 50, maxDelayMs: 500 };
      dataDirA = mkdtempSync(join(tmpdir(), "warmline-instance-a-"));
      dataDirB = mkdtempSync(join(tmpdir(), "warmline-instance-b-"));
      whatsapp = new FakeWhatsAppClient();
      unpaired = new FakeWhatsAppClient({ autoReady: false });
      a = await start(TOKEN_A, dataDirA, whatsapp);
      b = await start(TOKEN_B, dataDirB, unpaired);
    });

    afterAll(async () => {
      await a?.stop();
      await b?.stop();
      await api?.close();
      await deleteRedisNamespace(url, namespace);
      for (const dir of [dataDirA, dataDirB]) if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it(`${CONVERSATIONS} conversations with Slack traffic split across both: every message once, in order, one card each`, {
      timeout: 60_000,
    }, async () => {
      // Both instances keep sweeping every lane while the traffic runs, as their polls and ticks do, only far more often.
      let traffic = true;
      const contention = (async () => {
        while (traffic) await Promise.all([a!.engine.tick(), b.engine.tick()]);
      })();
      await Promise.all(
        Array.from({ length: CONVERSATIONS }, async (_, i) => {
          const card = await escalate(i);
          await claim(instance(i), card);
          for (let n = 1; n <= ROUNDS; n++) {
            whatsapp.customerSays(`customer ${i} says C${i}x${n}`, { from: chatOf(i) });
            await agentSays(instance(i + n), card.cardTs, `agent answers A${i}x${n}`);
          }
        }),
      );
      await vi.waitFor(() => {
        for (let i = 0; i < CONVERSATIONS; i++) {
          if (answersTo(i).length < ROUNDS) throw new Error(`Customer ${i} has ${answersTo(i).length} answers`);
          if (relayedIn(i).length < ROUNDS) throw new Error(`Thread ${i} has ${relayedIn(i).length} customer messages`);
        }
      }, WAIT);
      traffic = false;
      await contention;
      await Promise.all([a!.idle(), b.idle()]);

      const rounds = (prefix: string, i: number) => Array.from({ length: ROUNDS }, (_, n) => `${prefix}${i}x${n + 1}`);
      for (let i = 0; i < CONVERSATIONS; i++) {
        expect(answersTo(i), `customer ${i}`).toEqual(rounds("agent answers A", i));
        expect(
          toCustomer(i).filter((t) => t.includes("has joined")),
          `customer ${i}`,
        ).toHaveLength(1);
        expect(new Set(toCustomer(i)).size, `customer ${i} got a message twice: ${toCustomer(i).join(" | ")}`).toBe(toCustomer(i).length);
        expect(cardsOf(i), `cards of customer ${i}`).toHaveLength(1);
        expect(relayedIn(i), `thread ${i}`).toEqual(rounds("C", i));
      }
      expect(unpaired.sent).toEqual([]);
      // Both instances really did Slack work: the load balancer's split shows in the tokens.
      const tokens = new Set(api.calls.filter((c) => c.method === "chat.update").map((c) => c.token));
      expect(tokens).toEqual(new Set([TOKEN_A, TOKEN_B]));
    });

    it("with A (and WhatsApp) down, B delivers the Slack side; WhatsApp messages wait and go out once, in order, when A is back", {
      timeout: 60_000,
    }, async () => {
      // The late customers' cards are rate limited while A is up, so A goes down with them still queued.
      let aUp = true;
      api.failNext(
        "chat.postMessage",
        { status: 429, retryAfter: 1 },
        { times: 1_000, when: (args) => aUp && args.channel === RETENTION && args.thread_ts === undefined },
      );
      const late = Array.from({ length: LATE }, (_, k) => CONVERSATIONS + k);
      for (const i of late)
        whatsapp.customerSays(`I want to cancel my order 100311 please ref M${i}x`, { from: chatOf(i), name: `Customer ${i}` });
      await vi.waitFor(async () => {
        for (const i of late)
          if (!(await b.store.findActiveByCustomer(`whatsapp:${chatOf(i)}`))?.escalations.length)
            throw new Error(`Customer ${i} not escalated yet`);
      }, WAIT);
      await a!.stop();
      a = undefined;
      aUp = false;
      const sentBeforeRestart = whatsapp.sent.length;
      const callsWhileDown = api.calls.length;

      // B takes over the lanes A left: it posts the late cards (with their transcripts)...
      await vi.waitFor(() => {
        for (const i of late) if (cardsOf(i).length === 0) throw new Error(`No card yet for late customer ${i}`);
      }, WAIT);
      const lateCards = await Promise.all(
        late.map(async (i) => ({ i, conversationId: (await conversationOf(i)).id, cardTs: cardsOf(i)[0]!.ts })),
      );
      const cardPostsWhileDown = api.calls
        .slice(callsWhileDown)
        .filter((c) => c.method === "chat.postMessage" && c.args.channel === RETENTION && c.args.thread_ts === undefined);
      expect(cardPostsWhileDown.length).toBeGreaterThanOrEqual(LATE);
      expect(cardPostsWhileDown.every((c) => c.token === TOKEN_B)).toBe(true);
      // ...claims update the cards through B, agents answer through B, and early customers get one more answer each.
      for (const card of lateCards) {
        await claim(b, card);
        for (const n of [1, 2]) await agentSays(b, card.cardTs, `agent answers A${card.i}x${n}`);
      }
      for (let i = 0; i < CONVERSATIONS; i++) await agentSays(b, cardsOf(i)[0]!.ts, `agent answers A${i}x${ROUNDS + 1}`);
      await b.idle();
      for (const card of lateCards) {
        const update = api.calls.filter((c) => c.method === "chat.update" && c.args.ts === card.cardTs).at(-1);
        expect(update?.token).toBe(TOKEN_B);
        expect(JSON.stringify(update?.args.blocks)).toContain(`Claimed by* <@${AGENT}>`);
      }
      // Nothing reached WhatsApp meanwhile; the waiting messages were left as they were, not retried away.
      expect(whatsapp.sent.length).toBe(sentBeforeRestart);
      expect(unpaired.sent).toEqual([]);
      const waiting = (await outboxOf(b).listOutbox()).filter((item) => item.effect.kind === "send_customer");
      expect(waiting.length).toBeGreaterThanOrEqual(LATE + CONVERSATIONS);
      expect(
        waiting.every((item) => item.status === "pending" && item.attempts === 0 && item.lastError === undefined && item.notBefore === 0),
      ).toBe(true);

      // A comes back on the same data directory and Redis namespace, with the same WhatsApp session.
      a = await start(TOKEN_A, dataDirA, whatsapp);
      await vi.waitFor(async () => {
        expect((await outboxOf(b).listOutbox()).filter((item) => item.effect.kind === "send_customer")).toEqual([]);
      }, WAIT);
      await Promise.all([a.idle(), b.idle()]);
      for (const { i } of lateCards) {
        expect(answersTo(i), `late customer ${i}`).toEqual([`agent answers A${i}x1`, `agent answers A${i}x2`]);
        expect(
          toCustomer(i).filter((t) => t.includes("has joined")),
          `late customer ${i}`,
        ).toHaveLength(1);
        expect(new Set(toCustomer(i)).size, `late customer ${i}: ${toCustomer(i).join(" | ")}`).toBe(toCustomer(i).length);
        expect(cardsOf(i), `cards of late customer ${i}`).toHaveLength(1);
      }
      for (let i = 0; i < CONVERSATIONS; i++) {
        expect(answersTo(i), `customer ${i}`).toEqual(Array.from({ length: ROUNDS + 1 }, (_, n) => `agent answers A${i}x${n + 1}`));
      }
      expect(unpaired.sent).toEqual([]);
    });
  });
}
