import { describe, expect, it } from "vitest";
import { simulatedEngine } from "../helpers/simulated-engine.js";
import type { Conversation } from "../../src/domain/conversation.js";

// Tuesday 17 November 2026, 11:00 in London: inside every team's business hours.
const OPEN_HOURS = Date.UTC(2026, 10, 17, 11, 0);
const SAM = { id: "slack:U0SAM0001", name: "Sam" };
const ADDRESS = "sim:+447700900123";

/**
 * What a store may rely on (and what lets one write only what changed): every commit hands it a new
 * version whose untouched entries are the very objects of the version it was made from, and whose
 * new or edited entries are new, frozen objects; the earlier version is never changed.
 */
describe("engine: copy-on-write transcripts", () => {
  it("shares untouched entries with the version it changed, replaces edited ones, and leaves that version as it was", async () => {
    let now = OPEN_HOURS;
    const clock = { now: () => (now += 1000) };
    const { engine, store } = await simulatedEngine(clock);

    // The version each change was computed on, as the store handed it out (or was given it, for a new
    // conversation: the engine writes from what it read or created), and a copy to tell whether it changed.
    const handedOut = new Map<string, Conversation>();
    const get = store.get.bind(store);
    store.get = async (id) => {
      const conversation = await get(id);
      if (conversation) handedOut.set(id, conversation);
      return conversation;
    };
    const findActive = store.findActiveByCustomer.bind(store);
    store.findActiveByCustomer = async (address) => {
      const conversation = await findActive(address);
      if (conversation) handedOut.set(conversation.id, conversation);
      return conversation;
    };
    const create = store.create.bind(store);
    store.create = async (conversation) => {
      await create(conversation);
      handedOut.set(conversation.id, conversation);
    };
    const commits: { previous: Conversation; before: Conversation; next: Conversation }[] = [];
    const record = (next: Conversation) => {
      const previous = handedOut.get(next.id)!;
      commits.push({ previous, before: structuredClone(previous), next });
    };
    // A change commits one of two ways: taking its outbox lane in the same write, or not.
    const commit = store.commit.bind(store);
    store.commit = async (next, expectedVersion, items, audit, completing) => {
      record(next);
      return commit(next, expectedVersion, items, audit, completing);
    };
    const commitTakingLane = store.commitTakingLane.bind(store);
    store.commitTakingLane = async (next, expectedVersion, items, audit, lane, completing) => {
      record(next);
      return commitTakingLane(next, expectedVersion, items, audit, lane, completing);
    };

    const say = (messageId: string, text: string) =>
      engine.handleInboundMessage({ messageId, address: ADDRESS, channel: "simulation", phone: "+447700900123", text, receivedAt: now });
    await say("m1", "I want to cancel my order 100311");
    const id = (await store.findActiveByCustomer(ADDRESS))!.id;
    await engine.claim(id, SAM);
    await engine.drain();
    const thread = (await store.get(id))!.escalations.at(-1)!.thread!;
    await engine.agentReply(thread, SAM, "Sorry to see you go, Dana: may I ask why?", "ref1");
    await say("m2", "it arrives too late");
    await engine.handleMessageChange({ messageId: "m2", address: ADDRESS, kind: "edited", newText: "it arrives far too late", at: now });
    await engine.drain();

    const edits = commits.filter(({ previous, next }) =>
      next.transcript.some((entry, i) => previous.transcript[i] !== undefined && entry !== previous.transcript[i]),
    );
    // The relay's channel message id and the customer's edit are replacements of earlier entries.
    expect(edits.length).toBeGreaterThanOrEqual(2);
    for (const { previous, before, next } of commits) {
      expect(previous).toEqual(before);
      // A change edits at most one earlier entry here: every other one is shared, not copied.
      expect(previous.transcript.filter((entry, i) => next.transcript[i] !== entry).length).toBeLessThanOrEqual(1);
      next.transcript.forEach((entry, i) => {
        const earlier = previous.transcript[i];
        if (entry !== earlier) expect(Object.isFrozen(entry)).toBe(true);
        if (earlier !== undefined && entry !== earlier) expect(entry.id).toBe(earlier.id);
      });
    }
    const stored = (await store.get(id))!;
    expect(stored.transcript.find((e) => e.id === "m2")).toMatchObject({
      text: "it arrives too late",
      editedText: "it arrives far too late",
    });
    expect(stored.transcript.find((e) => e.workspaceRef === "ref1")).toMatchObject({
      channelMessageId: expect.any(String),
      delivery: "sent",
    });
  });
});
