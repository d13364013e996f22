import { describe, expect, it, vi } from "vitest";
import type { Conversation } from "../../src/domain/conversation.js";
import { WarmlineError } from "../../src/domain/errors.js";
import { createOutboxDispatcher, LANE_LEASE_TTL_MS } from "../../src/engine/outbox-dispatcher.js";
import { createSilentLogger } from "../../src/logging.js";
import type { NewOutboxItem, OutboxItem } from "../../src/ports/outbox.js";
import { createMemoryStore } from "../../src/store/memory-store.js";
import { buildConversation } from "../contract/conversation-factory.js";
import { recordStoreCalls } from "../helpers/store-calls.js";

const policy = { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 100, giveUpAfterMs: 60_000 };
const clock = { now: () => Date.now() };

const note = (lane: string, text: string): NewOutboxItem => ({ lane, effect: { kind: "notify_ops", text } });
const textOf = (item: OutboxItem) => (item.effect as { text: string }).text;

/** A dispatcher on a memory store holding one conversation, counting how it commits and takes lanes. */
async function dispatcherOn(deliver: (item: OutboxItem) => Promise<void>) {
  const store = await createMemoryStore({ clock });
  const calls = recordStoreCalls(store, ["commit", "commitTakingLane", "takeOutboxLane"]);
  const dispatcher = createOutboxDispatcher({
    outbox: store,
    instanceId: "instance-a",
    deliver,
    onFailed: async () => {},
    policy,
    clock,
    logger: createSilentLogger(),
  });
  const conversation = buildConversation();
  await store.create(conversation);
  /** Commits a change of the conversation's latest version that queues `texts` in its lane. */
  const commit = async (...texts: string[]): Promise<Conversation | undefined> => {
    const current = (await store.get(conversation.id))!;
    return dispatcher.commitAndDeliver(
      current,
      current.version,
      texts.map((text) => note(conversation.id, text)),
      [],
    );
  };
  return { store, dispatcher, calls, lane: conversation.id, conversation, commit };
}

describe("outbox: a commit takes its lane for the worker it starts", () => {
  it("takes the lane with the commit; a commit while that worker delivers is a plain one, delivered next and in order", async () => {
    let release = () => {};
    const busy = new Promise<void>((resolve) => (release = resolve));
    const delivered: string[] = [];
    const { dispatcher, calls, lane, commit } = await dispatcherOn(async (item) => {
      delivered.push(textOf(item));
      if (textOf(item) === "a") await busy;
    });
    expect(await commit("a", "b")).toBeDefined();
    await vi.waitFor(() => expect(delivered).toEqual(["a"]));
    expect(await commit("c", "d")).toBeDefined();
    release();
    await dispatcher.settled(lane);
    expect(delivered).toEqual(["a", "b", "c", "d"]);
    // The running worker holds the lane: the second commit takes nothing, and nothing takes the lane apart from a commit.
    expect(calls).toEqual(["commitTakingLane", "commit"]);
    await dispatcher.stop();
  });

  it("a lost compare-and-set takes nothing and leaves the worker nothing to do", async () => {
    const delivered: string[] = [];
    const { store, dispatcher, calls, lane, conversation } = await dispatcherOn(async (item) => void delivered.push(textOf(item)));
    expect(await store.commit({ ...conversation, state: "queued" }, 1, [])).toBeDefined();
    expect(await dispatcher.commitAndDeliver({ ...conversation, state: "resolved" }, 1, [note(lane, "stale")], [])).toBeUndefined();
    await dispatcher.settled(lane);
    expect(calls).toEqual(["commit", "commitTakingLane"]);
    expect(delivered).toEqual([]);
    expect(await store.acquireLease(lane, "instance-b", LANE_LEASE_TTL_MS)).toBe(true);
    await dispatcher.stop();
  });

  it("a write that failed after it landed (a timeout): the error is the caller's, and the worker takes the lane itself", async () => {
    const delivered: string[] = [];
    const { store, dispatcher, calls, lane, commit } = await dispatcherOn(async (item) => void delivered.push(textOf(item)));
    const commitTakingLane = store.commitTakingLane.bind(store);
    store.commitTakingLane = async (...args) => {
      await commitTakingLane(...args);
      throw new WarmlineError("store_unavailable", "The store did not answer in time (injected).");
    };
    await expect(commit("a")).rejects.toThrow(/injected/);
    await dispatcher.settled(lane);
    expect(delivered).toEqual(["a"]);
    // The lease the write took is this instance's own: its worker's take of the lane takes it again.
    expect(calls).toEqual(["commitTakingLane", "takeOutboxLane"]);
    expect(await store.listOutbox()).toEqual([]);
    await dispatcher.stop();
  });

  it("a lane another instance holds: the change is committed, and its items are delivered once that instance lets go", async () => {
    const delivered: string[] = [];
    const { store, dispatcher, lane, commit } = await dispatcherOn(async (item) => void delivered.push(textOf(item)));
    expect(await store.acquireLease(lane, "instance-b", LANE_LEASE_TTL_MS)).toBe(true);
    expect(await commit("a")).toBeDefined();
    await dispatcher.settled(lane);
    expect(delivered).toEqual([]);
    expect(await store.releaseLease(lane, "instance-b")).toBe(true);
    // Found held, the lane is looked at again shortly (lane-workers' heldElsewhere), not at the next poll.
    await vi.waitFor(() => expect(delivered).toEqual(["a"]));
    await dispatcher.stop();
  });

  it("stopped before its worker starts, the lane a commit took is let go at once, not left for its lease's life", async () => {
    const delivered: string[] = [];
    const { store, dispatcher, lane, commit } = await dispatcherOn(async (item) => void delivered.push(textOf(item)));
    const committed = commit("a");
    await dispatcher.stop();
    expect(await committed).toBeDefined();
    expect(delivered).toEqual([]);
    expect(await store.acquireLease(lane, "instance-b", LANE_LEASE_TTL_MS)).toBe(true);
    // The commit's take marked it in flight; the worker, stopping, put it back as it was: not in doubt.
    const [head] = await store.outboxHeads(lane);
    expect(head && { text: textOf(head), status: head.status, lastAttemptAt: head.lastAttemptAt }).toEqual({
      text: "a",
      status: "pending",
      lastAttemptAt: undefined,
    });
  });
});

describe("outbox: the read that finds an item marks it in flight when its attempt starts at once", () => {
  it("each item is in flight in the store as it is attempted, with no write of its own: a commit and one complete per item", async () => {
    const seen: string[] = [];
    const { store, dispatcher, lane, commit } = await dispatcherOn(async (item) => {
      const stored = (await store.listOutbox()).find((i) => i.id === item.id);
      seen.push(`${textOf(item)} ${item.status} ${stored?.status} ${stored?.lastAttemptAt === item.lastAttemptAt}`);
    });
    const writes = recordStoreCalls(store, ["saveOutboxItem", "completeOutboxItem", "takeOutboxLane"]);
    expect(await commit("a", "b", "c")).toBeDefined();
    await dispatcher.settled(lane);
    expect(seen).toEqual(["a in_flight in_flight true", "b in_flight in_flight true", "c in_flight in_flight true"]);
    expect(writes).toEqual(["completeOutboxItem", "completeOutboxItem", "completeOutboxItem"]);
    await dispatcher.stop();
  });

  it("an attempt cut short (the process died mid-send) is in doubt on the next run, though no write of its own marked it", async () => {
    const store = await createMemoryStore({ clock });
    const conversation = buildConversation();
    await store.create(conversation);
    const attempts: { text: string; inDoubt: boolean; since: number }[] = [];
    const instance = (deliver: (item: OutboxItem) => Promise<void>) =>
      createOutboxDispatcher({
        outbox: store,
        instanceId: "instance-a",
        async deliver(item, attempt) {
          attempts.push({ text: textOf(item), inDoubt: attempt.inDoubt, since: attempt.since });
          return deliver(item);
        },
        onFailed: async () => {},
        policy,
        clock,
        logger: createSilentLogger(),
      });
    // The first run's send never returns: as good as the process dying mid-send.
    const first = instance(() => new Promise<void>(() => {}));
    expect(await first.commitAndDeliver(conversation, 1, [note(conversation.id, "a")], [])).toBeDefined();
    await vi.waitFor(() => expect(attempts).toHaveLength(1));
    const [marked] = await store.listOutbox();
    expect(marked).toMatchObject({ status: "in_flight", firstAttemptAt: expect.any(Number) });
    // Restarted with the same id, it takes its own lane back at once and looks for the earlier copy.
    const restarted = instance(async () => {});
    await restarted.kick(conversation.id);
    await restarted.settled(conversation.id);
    expect(attempts).toEqual([
      { text: "a", inDoubt: false, since: expect.any(Number) },
      { text: "a", inDoubt: true, since: marked!.firstAttemptAt },
    ]);
    expect(await store.listOutbox()).toEqual([]);
    await restarted.stop();
  });
});
