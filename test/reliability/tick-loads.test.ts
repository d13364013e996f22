import { afterEach, describe, expect, it } from "vitest";
import { figuresFromStore } from "../../src/analytics/figures-source.js";
import type { Conversation } from "../../src/domain/conversation.js";
import type { WarmlineStore } from "../../src/ports/outbox.js";
import { buildConversation, buildEscalation, buildTranscriptEntry } from "../contract/conversation-factory.js";
import { type SlackHarness, startSlackHarness } from "../helpers/slack-harness.js";

/**
 * The tick, /warmline status and the figures must not load every open conversation (issue 15): with
 * 2,000 open conversations stored that have nothing due, they load none of them, and the one that has
 * timers due still gets them exactly as before. Loads are counted at the store's surface.
 */

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const STORED_OPEN = 2_000;

/** The store's methods that return conversation documents. */
const LOADERS = new Set(["get", "findActiveByCustomer", "findByThread", "listOpen", "listDue", "listSince", "listByCustomer"]);

/** Wraps a store so every conversation document it returns is recorded by id. */
function countingLoads(store: WarmlineStore): { store: WarmlineStore; loaded: string[] } {
  const loaded: string[] = [];
  const wrapped = new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== "function") return value;
      if (!LOADERS.has(String(property))) return value.bind(target);
      return async (...args: unknown[]) => {
        const result = (await value.apply(target, args)) as Conversation | Conversation[] | undefined;
        for (const conversation of [result ?? []].flat()) loaded.push(conversation.id);
        return result;
      };
    },
  });
  return { store: wrapped, loaded };
}

/** Open for a month with nothing pending: queued in support with every timer fired, or with a billing agent who has answered. */
function quietOpenConversation(i: number, now: number): Conversation {
  const at = now - 30 * DAY;
  const customer = buildTranscriptEntry({ at, text: `Question number ${i}` });
  if (i % 2 === 0)
    return buildConversation({
      state: "queued",
      createdAt: at,
      updatedAt: at,
      transcript: [customer],
      escalations: [buildEscalation({ team: "support", createdAt: at, pingedAt: at + 10 * MINUTE, customerUpdatesSent: 3 })],
    });
  return buildConversation({
    state: "assigned",
    createdAt: at,
    updatedAt: at + 2 * MINUTE,
    assignee: { id: "slack:U0AGENT01", name: "Alex" },
    transcript: [customer, buildTranscriptEntry({ author: "agent", at: at + 2 * MINUTE, text: "On it." })],
    escalations: [buildEscalation({ team: "billing", createdAt: at, claimedAt: at + MINUTE })],
  });
}

let h: SlackHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe("no scans on the hot path", () => {
  it("with 2,000 quiet open conversations stored, the tick, status and figures load none of them, and the due one fires as before", async () => {
    let counting: ReturnType<typeof countingLoads> | undefined;
    const harness = await startSlackHarness({
      configure: (c) => void (c.teams.retention!.pingGroup = "S0RETAIN1"),
      wrapStore: (store) => (counting = countingLoads(store)).store,
    });
    h = harness;
    const { loaded } = counting!;
    const { conversationId, cardTs } = await harness.escalateCancellation();
    const quiet = Array.from({ length: STORED_OPEN }, (_, i) => quietOpenConversation(i, harness.clock.now()));
    for (const conversation of quiet) await harness.store.create(conversation);
    const quietIds = new Set(quiet.map((c) => c.id));

    // Start-up reschedules from the config: the one pass that reads every open conversation.
    await harness.engine.start();
    expect(loaded.filter((id) => quietIds.has(id))).toHaveLength(STORED_OPEN);
    expect(quiet.every((c) => c.timersDueAt === undefined)).toBe(true);

    const loadedByTicks: string[] = [];
    for (let minute = 1; minute <= 10; minute++) {
      loaded.length = 0;
      harness.clock.advance(MINUTE);
      await harness.engine.tick();
      await harness.engine.drain();
      loadedByTicks.push(...loaded);
    }
    expect(loadedByTicks.filter((id) => quietIds.has(id))).toEqual([]);
    expect(new Set(loadedByTicks)).toEqual(new Set([conversationId]));

    // The escalated conversation's timers fired exactly as in claim-timers.test.ts: one ping at 5 minutes, overflow at 10.
    const pings = harness.api.threadReplies("C0RETENT1", cardTs).filter((m) => m.text?.includes("<!subteam^S0RETAIN1>"));
    expect(pings).toHaveLength(1);
    expect(harness.whatsapp.sent.map((s) => s.text).filter((t) => t.startsWith("You're number"))).toEqual([
      "You're number 1 in line; the wait is about 5 min. Reply CALLBACK for a call back, or just keep waiting.",
    ]);
    const escalated = (await harness.store.get(conversationId))!;
    expect(escalated.escalations.map((e) => e.team)).toEqual(["retention", "support"]);

    loaded.length = 0;
    const status = await harness.engine.status();
    const figures = await figuresFromStore(harness.store, harness.config, { since: harness.clock.now() - DAY, now: harness.clock.now() });
    expect(loaded.filter((id) => quietIds.has(id))).toEqual([]);
    expect(status.find((s) => s.team === "support")).toMatchObject({ queued: STORED_OPEN / 2 + 1, assigned: 0 });
    expect(status.find((s) => s.team === "billing")).toMatchObject({ queued: 0, assigned: STORED_OPEN / 2 });
    expect(status.find((s) => s.team === "support")!.oldestWaitMs).toBe(30 * DAY + 10 * MINUTE);
    expect(figures.teams.support!.open).toEqual({
      queued: STORED_OPEN / 2 + 1,
      assigned: 0,
      oldestWaitSeconds: (30 * DAY + 10 * MINUTE) / 1000,
    });
    expect(figures.teams.billing!.open).toEqual({ queued: 0, assigned: STORED_OPEN / 2 });
  });

  it("start-up gives a conversation stored without a due time (older data, or a changed config) its due time, and the tick then fires it on time", async () => {
    const harness = await startSlackHarness();
    h = harness;
    const now = harness.clock.now();
    const stored = buildConversation({
      state: "queued",
      createdAt: now,
      updatedAt: now,
      escalations: [buildEscalation({ team: "support", createdAt: now })],
    });
    await harness.store.create(stored);
    expect(await harness.store.listDue(now + 60 * MINUTE)).toEqual([]);

    await harness.engine.start();
    expect((await harness.store.get(stored.id))!.timersDueAt).toBe(now + 5 * MINUTE);
    harness.clock.advance(4 * MINUTE);
    await harness.engine.tick();
    expect((await harness.store.get(stored.id))!.escalations[0]!.customerUpdatesSent).toBeUndefined();
    harness.clock.advance(MINUTE);
    await harness.engine.tick();
    await harness.engine.drain();
    const updated = (await harness.store.get(stored.id))!;
    expect(updated.escalations[0]!.customerUpdatesSent).toBe(1);
    expect(updated.timersDueAt).toBe(now + 10 * MINUTE);
  });
});
