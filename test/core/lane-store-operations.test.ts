import { describe, expect, it, vi } from "vitest";
import { OUTBOX_REACTIONS_LANE, type OutboxItem, type WarmlineStore } from "../../src/ports/outbox.js";
import { simulatedEngine } from "../helpers/simulated-engine.js";
import { recordInFlightMarks } from "../helpers/store-calls.js";

// Tuesday 17 November 2026, 11:00 in London: inside every team's business hours.
const OPEN_HOURS = Date.UTC(2026, 10, 17, 11, 0);
const SAM = { id: "slack:U0SAM0001", name: "Sam" };
const ADDRESS = "sim:+447700900123";

/** What receiving, committing and the inbox's and the outbox's lane workers may call on the store, old ways and new. */
const LANE_METHODS = [
  "receiveInbox",
  "receiveInboxTakingLane",
  "commit",
  "commitTakingLane",
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

/** The inbox lane's entries all processed, and its lease let go (by the commit that completed the last). */
async function expectInboxDone(store: WarmlineStore, lane: string): Promise<void> {
  expect(await store.listInbox()).toEqual([]);
  expect(await store.acquireLease(`inbox:${lane}`, "another-instance", 30_000)).toBe(true);
}

/** The kinds of the outbox items marked in flight, and of those completed, from now on. */
function itemsOf(store: WarmlineStore): { marked(): string[]; delivered(): string[] } {
  const delivered: string[] = [];
  const marked = recordInFlightMarks(store);
  const complete = store.completeOutboxItem.bind(store);
  store.completeOutboxItem = (item, lease, start) => {
    // The dispatcher completes the item it read, effect and all.
    delivered.push((item as OutboxItem).effect.kind);
    return complete(item, lease, start);
  };
  return { marked, delivered: () => delivered };
}

/**
 * Every relayed message goes through an inbox lane (received, then processed) and an outbox lane
 * (committed, then delivered). Each lane run takes its lane and reads its head in one store operation,
 * and completes its last entry or item, reads that nothing is left and lets go in one more; the receive
 * takes the inbox lane, and the commit the outbox lane, in their own writes, and a take marks the head
 * it reads in flight when its attempt starts at once. A lone message costs the inbox 1 operation (the
 * receive: the commit that records the message completes its entry) and the outbox 2 (commit, complete),
 * not 6 and 7; a send is completed by the write that records it. An idempotent item (a delivery reaction,
 * a card update) is not marked in flight.
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

  it("a customer's message relayed to the thread: received with its inbox lane taken, completed by the commit that records it and takes its outbox lane with the post in flight, then complete", async () => {
    const { engine, store, log, say } = await claimedConversation();
    const calls = countLaneCalls(store);
    const outbox = itemsOf(store);
    const posts = log.threadPosts.length;
    await say("m2", "Any news on my refund?");
    await engine.drain();
    expect(log.threadPosts.length).toBe(posts + 1);
    expect(calls.take()).toEqual({
      receiveInboxTakingLane: 1,
      commitTakingLane: 1,
      completeOutboxItem: 1,
    });
    await expectInboxDone(store, ADDRESS);
    // Marked by the commit that took the lane, in its own write.
    expect(outbox.marked()).toEqual(["thread_post"]);
  });

  it("a customer's message the assistant answers, and one that asks for a person: each completed by the commit that records it", async () => {
    let now = OPEN_HOURS;
    const w = await simulatedEngine({ now: () => (now += 10) });
    const calls = countLaneCalls(w.store);
    const say = (address: string, messageId: string, text: string) =>
      w.engine.handleInboundMessage({ messageId, address, channel: "simulation", phone: address.slice(4), text, receivedAt: now });
    await say(ADDRESS, "m1", "what are your opening hours?");
    await w.engine.drain();
    expect(w.log.toCustomer).toHaveLength(1);
    expect(calls.take().completeInboxEntry).toBeUndefined();
    const other = "sim:+447700900456";
    await say(other, "m2", "HUMAN");
    await w.engine.drain();
    expect(w.log.cards).toHaveLength(1);
    expect(calls.take().completeInboxEntry).toBeUndefined();
    await expectInboxDone(w.store, ADDRESS);
    await expectInboxDone(w.store, other);
  });

  it("an agent's reply relayed to the customer: each commit takes the lane of its item (the send's, then the reactions lane's), only the send marked in flight, the send completed by the write that records it", async () => {
    const { engine, store, log, thread } = await claimedConversation();
    const calls = countLaneCalls(store);
    const sent = log.toCustomer.length;
    const outbox = itemsOf(store);
    await engine.agentReply(thread, SAM, "Refunded today, Dana", "ref1");
    await engine.drain();
    expect(log.toCustomer.slice(sent).map((m) => m.text)).toEqual(["Refunded today, Dana"]);
    expect(calls.take()).toEqual({
      receiveInboxTakingLane: 1,
      // The reply's commit completes its inbox entry and takes its conversation's lane; recording the send takes the
      // reactions lane (OUTBOX_REACTIONS_LANE, idle until then) for the delivery mark, in the same write.
      commitTakingLane: 2,
      // The send is completed by the write that records it; the mark by a completion of its own.
      completeOutboxItem: 1,
    });
    // The send was completed by the write that recorded it; the mark, in its own lane, by a completion of its own.
    expect(outbox.delivered()).toEqual(["mark_delivery"]);
    expect(await store.listOutbox()).toEqual([]);
    await expectInboxDone(store, thread);
    // A reaction done twice is one reaction: only the send needs the in-flight mark that makes a retry look for an earlier copy.
    expect(outbox.marked()).toEqual(["send_customer"]);
  });

  it("agent replies committed while the lane's worker is sending: plain commits, sent after it in order, the lane taken once", async () => {
    const { engine, store, log, thread, customers } = await claimedConversation();
    const sent = log.toCustomer.length;
    // The first send stalls on its way to the customer, with the lane's worker holding the lane.
    let release = () => {};
    const stalled = new Promise<void>((resolve) => (release = resolve));
    let marks = 0;
    const send = customers.send.bind(customers);
    customers.send = async (message, attempt) => {
      if (marks++ === 0) await stalled;
      return send(message, attempt);
    };
    const calls = countLaneCalls(store);
    // Which lanes the commits took: the conversation's, and the reactions lane for the delivery marks.
    const takenLanes: string[] = [];
    const commitTakingLane = store.commitTakingLane.bind(store);
    store.commitTakingLane = (next, expectedVersion, items, audit, take, completing) => {
      takenLanes.push(take.lane);
      return commitTakingLane(next, expectedVersion, items, audit, take, completing);
    };
    await engine.agentReply(thread, SAM, "First", "ref1");
    await vi.waitFor(() => expect(marks).toBe(1));
    await engine.agentReply(thread, SAM, "Second", "ref2");
    await engine.agentReply(thread, SAM, "Third", "ref3");
    // Both committed behind the stalled send before it goes on.
    await vi.waitFor(async () => expect((await store.listOutbox()).filter((i) => i.effect.kind === "send_customer")).toHaveLength(3));
    release();
    await engine.drain();
    expect(log.toCustomer.slice(sent).map((m) => m.text)).toEqual(["First", "Second", "Third"]);
    expect(takenLanes.filter((lane) => lane !== OUTBOX_REACTIONS_LANE)).toEqual([(await store.findActiveByCustomer(ADDRESS))!.id]);
    expect(calls.take().takeOutboxLane).toBeUndefined();
  });
});
