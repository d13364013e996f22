import { describe, expect, it } from "vitest";
import type { OutboxItem, WarmlineStore } from "../../src/ports/outbox.js";
import { simulatedEngine } from "../helpers/simulated-engine.js";

// Tuesday 17 November 2026, 11:00 in London: inside every team's business hours.
const OPEN_HOURS = Date.UTC(2026, 10, 17, 11, 0);
const SAM = { id: "slack:U0SAM0001", name: "Sam" };
const ADDRESS = "sim:+447700900123";

/** What receiving and the inbox's and the outbox's lane workers may call on the store, old ways and new. */
const LANE_METHODS = [
  "receiveInbox",
  "receiveInboxTakingLane",
  "acquireLease",
  "renewLease",
  "releaseLease",
  "inboxHeads",
  "outboxHeads",
  "takeInboxLane",
  "takeOutboxLane",
  "saveInboxEntry",
  "saveOutboxItem",
  "completeInboxEntry",
  "completeOutboxItem",
] as const;

/** Counts the lane bookkeeping calls on `store`, by method (the stores take a method assigned to them in place of their own). */
function countLaneCalls(store: WarmlineStore): { take(): Record<string, number> } {
  let calls: Record<string, number> = {};
  const methods = store as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  for (const name of LANE_METHODS) {
    const original = methods[name];
    if (typeof original !== "function") continue;
    const bound = original.bind(store);
    methods[name] = (...args: unknown[]) => {
      calls[name] = (calls[name] ?? 0) + 1;
      return bound(...args);
    };
  }
  return {
    take() {
      const taken = calls;
      calls = {};
      return taken;
    },
  };
}

/** The kinds of the outbox items marked in flight, and of those completed, from now on. */
function itemsOf(store: WarmlineStore): { marked(): string[]; delivered(): string[] } {
  const marked: string[] = [];
  const delivered: string[] = [];
  const save = store.saveOutboxItem.bind(store);
  store.saveOutboxItem = (item) => {
    if (item.status === "in_flight") marked.push(item.effect.kind);
    return save(item);
  };
  const complete = store.completeOutboxItem.bind(store);
  store.completeOutboxItem = (item, lease) => {
    // The dispatcher completes the item it read, effect and all.
    delivered.push((item as OutboxItem).effect.kind);
    return complete(item, lease);
  };
  return { marked: () => marked, delivered: () => delivered };
}

/**
 * Every relayed message goes through an inbox lane (received, then processed) and an outbox lane
 * (delivered). Each lane run takes its lane and reads its head in one store operation, and completes
 * its last entry or item, reads that nothing is left and lets go in one more: a lone message costs the
 * inbox 2 operations with its receive (which takes the lane) and the outbox 3 (the item is marked in
 * flight between), not 6 and 6. An idempotent item (a delivery reaction, a card update) is not marked in flight.
 */
describe("engine: store operations per relayed message", () => {
  async function claimedConversation() {
    let now = OPEN_HOURS;
    const clock = { now: () => (now += 10) };
    const w = await simulatedEngine(clock);
    const say = (messageId: string, text: string) =>
      w.engine.handleInboundMessage({ messageId, address: ADDRESS, channel: "simulation", phone: "+447700900123", text, receivedAt: now });
    await say("m1", "I want to cancel my order 100311");
    const id = (await w.store.findActiveByCustomer(ADDRESS))!.id;
    expect(await w.engine.claim(id, SAM)).toEqual({ ok: true });
    await w.engine.drain();
    return { ...w, say, thread: w.log.cards[0]!.thread };
  }

  it("a customer's message relayed to the thread: received with its inbox lane taken, then completed; take, in flight and complete the outbox lane", async () => {
    const { engine, store, log, say } = await claimedConversation();
    const calls = countLaneCalls(store);
    const posts = log.threadPosts.length;
    await say("m2", "Any news on my refund?");
    await engine.drain();
    expect(log.threadPosts.length).toBe(posts + 1);
    expect(calls.take()).toEqual({
      receiveInboxTakingLane: 1,
      completeInboxEntry: 1,
      takeOutboxLane: 1,
      saveOutboxItem: 1,
      completeOutboxItem: 1,
    });
  });

  it("an agent's reply relayed to the customer: the send in its conversation's lane, the delivery mark in the reactions lane, only the send marked in flight", async () => {
    const { engine, store, log, thread } = await claimedConversation();
    const calls = countLaneCalls(store);
    const sent = log.toCustomer.length;
    const outbox = itemsOf(store);
    await engine.agentReply(thread, SAM, "Refunded today, Dana", "ref1");
    await engine.drain();
    expect(log.toCustomer.slice(sent).map((m) => m.text)).toEqual(["Refunded today, Dana"]);
    expect(calls.take()).toEqual({
      receiveInboxTakingLane: 1,
      completeInboxEntry: 1,
      // One per lane: the send's, then the reactions lane's (OUTBOX_REACTIONS_LANE), idle until the send was recorded.
      takeOutboxLane: 2,
      saveOutboxItem: 1,
      completeOutboxItem: 2,
    });
    expect(outbox.delivered()).toEqual(["send_customer", "mark_delivery"]);
    // A reaction done twice is one reaction: only the send needs the in-flight mark that makes a retry look for an earlier copy.
    expect(outbox.marked()).toEqual(["send_customer"]);
  });
});
