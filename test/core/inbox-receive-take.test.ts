import { describe, expect, it, vi } from "vitest";
import { createInboxProcessor } from "../../src/engine/inbox-processor.js";
import { LANE_LEASE_TTL_MS } from "../../src/engine/outbox-dispatcher.js";
import { createSilentLogger } from "../../src/logging.js";
import type { InboxCompletion, InboxEntry, NewInboxEntry } from "../../src/ports/inbox.js";
import type { Logger } from "../../src/ports/logger.js";
import { createMemoryStore } from "../../src/store/memory-store.js";
import { buildConversation } from "../contract/conversation-factory.js";
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

/** A logger that keeps its warnings' messages. */
function warningsLogger(): { logger: Logger; warnings: string[] } {
  const warnings: string[] = [];
  const ignore = () => {};
  const logger: Logger = {
    debug: ignore,
    info: ignore,
    error: ignore,
    warn: (context: unknown, message?: string) => void warnings.push(message ?? String(context)),
    child: () => logger,
  };
  return { logger, warnings };
}

/**
 * An inbox processor on a memory store whose processing records each entry in a conversation's commit, handing the
 * commit the entry's completion as the engine's hot paths do; `after` runs once that commit is written.
 */
async function recordingProcessor(after: (entry: InboxEntry) => void = () => {}) {
  const store = await createMemoryStore({ clock });
  let conversation = buildConversation();
  await store.create(conversation);
  const processed: string[] = [];
  const { logger, warnings } = warningsLogger();
  const inbox = createInboxProcessor({
    inbox: store,
    instanceId: "instance-a",
    async process(entry: InboxEntry, completion: InboxCompletion) {
      processed.push(entry.id);
      conversation = (await store.commit(
        { ...conversation, updatedAt: conversation.updatedAt + 1 },
        conversation.version,
        [],
        [],
        completion,
      ))!;
      after(entry);
    },
    onParked: async () => {},
    policy,
    clock,
    logger,
  });
  const calls = recordStoreCalls(store, ["completeInboxEntry", "saveInboxEntry", "releaseLease"]);
  return { store, inbox, processed, calls, warnings };
}

describe("inbox: an entry completed by the commit that records it", () => {
  it("is not completed again: the worker goes on from the next head the commit read, and the last commit lets go of the lane", async () => {
    const { store, inbox, processed, calls } = await recordingProcessor();
    for (const n of [1, 2, 3]) await store.receiveInbox(reply(n), 60_000);
    await inbox.kick(LANE);
    await inbox.settled(LANE);
    expect(processed).toEqual(["m-1", "m-2", "m-3"]);
    expect(calls).toEqual([]);
    expect(await store.listInbox()).toEqual([]);
    expect(await store.acquireLease(`inbox:${LANE}`, "instance-b", LANE_LEASE_TTL_MS)).toBe(true);
    await inbox.stop();
  });

  it("failing after that commit, it is not tried again: the lane goes on, with a warning", async () => {
    const { store, inbox, processed, calls, warnings } = await recordingProcessor((entry) => {
      if (entry.id === "m-1") throw new Error("a notice after the commit failed");
    });
    for (const n of [1, 2]) await store.receiveInbox(reply(n), 60_000);
    await inbox.kick(LANE);
    await inbox.settled(LANE);
    expect(processed).toEqual(["m-1", "m-2"]);
    expect(calls).toEqual([]);
    expect(warnings).toEqual(["Processing failed after it was recorded and completed; the lane goes on"]);
    expect(await store.listInbox()).toEqual([]);
    await inbox.stop();
  });
});
