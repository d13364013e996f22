import { describe, expect, it, vi } from "vitest";
import { createInboxProcessor } from "../../src/engine/inbox-processor.js";
import { LANE_LEASE_TTL_MS } from "../../src/engine/outbox-dispatcher.js";
import { createSilentLogger } from "../../src/logging.js";
import type { InboxEntry, NewInboxEntry } from "../../src/ports/inbox.js";
import { createMemoryStore } from "../../src/store/memory-store.js";
import { recordStoreCalls } from "../helpers/store-calls.js";

const policy = { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 100, giveUpAfterMs: 60_000 };
const clock = { now: () => Date.now() };
const LANE = "chat-1";

const reply = (n: number): NewInboxEntry => ({
  id: `m-${n}`,
  lane: LANE,
  message: { kind: "agent_reply", reply: { thread: LANE, agent: { id: "U1", name: "A" }, text: `hi ${n}`, messageRef: `r-${n}` } },
});

/** An inbox processor on a memory store, counting how it stores what it receives. */
async function processorOn(process: (entry: InboxEntry) => Promise<void>) {
  const store = await createMemoryStore({ clock });
  const receives = recordStoreCalls(store, ["receiveInbox", "receiveInboxTakingLane"]);
  const inbox = createInboxProcessor({
    inbox: store,
    instanceId: "instance-a",
    process,
    onParked: async () => {},
    policy,
    clock,
    logger: createSilentLogger(),
  });
  return { store, inbox, receives };
}

describe("inbox: a receive takes its lane for the worker it starts", () => {
  it("takes the lane with the first message; a message arriving while that worker runs is only stored, and processed next", async () => {
    let release = () => {};
    const busy = new Promise<void>((resolve) => (release = resolve));
    const processed: string[] = [];
    const { inbox, receives } = await processorOn(async (entry) => {
      processed.push(entry.id);
      if (entry.id === "m-1") await busy;
    });
    await inbox.receive(reply(1));
    await vi.waitFor(() => expect(processed).toEqual(["m-1"]));
    await inbox.receive(reply(2));
    release();
    await inbox.settled(LANE);
    expect(processed).toEqual(["m-1", "m-2"]);
    expect(receives).toEqual(["receiveInboxTakingLane", "receiveInbox"]);
    await inbox.stop();
  });

  it("a lane held for erasure is not taken: the message waits, and is processed once the hold ends", async () => {
    const processed: string[] = [];
    const { inbox } = await processorOn(async (entry) => void processed.push(entry.id));
    await inbox.holdLanes([LANE], async () => {
      await inbox.receive(reply(1));
      await inbox.settled(LANE);
      expect(processed).toEqual([]);
    });
    await vi.waitFor(() => expect(processed).toEqual(["m-1"]));
    await inbox.stop();
  });

  it("stopped before its worker starts, the lane a receive took is let go at once, not left for its lease's life", async () => {
    const processed: string[] = [];
    const { store, inbox } = await processorOn(async (entry) => void processed.push(entry.id));
    const received = inbox.receive(reply(1));
    await inbox.stop();
    expect(await received).toBe(true);
    expect(processed).toEqual([]);
    expect(await store.acquireLease(`inbox:${LANE}`, "instance-b", LANE_LEASE_TTL_MS)).toBe(true);
    expect((await store.inboxHeads(LANE)).map((e) => e.id)).toEqual(["m-1"]);
  });
});
