import { describe, expect, it } from "vitest";
import { claimedSimulation, SIMULATION_AGENT as SAM } from "../helpers/simulated-engine.js";
import { isWarmlineError } from "../../src/domain/errors.js";

const REPLIES = 12;
/** Event-loop turns each write takes to land: a store slower than the agent's replies are fast. */
const SLOW_COMMIT_TURNS = 40;

const turns = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise<void>((resolve) => setImmediate(resolve));
};

/**
 * Recording a relay's channel message id is a change of the conversation like an agent's reply:
 * run outside the conversation's lane, it loses the compare-and-set to each reply queued behind
 * it, and after a few in a row the sent relay counts as undelivered.
 */
describe("engine: recording a sent relay waits its turn in the conversation's lane", () => {
  it("records every relay of a burst of agent replies against a slow store, first time, with no delivery failure", async () => {
    const { engine, store, log, thread, conversationId: id } = await claimedSimulation();

    let lost = 0;
    const conflicts: unknown[] = [];
    const commit = store.commit.bind(store);
    store.commit = async (next, expectedVersion, items, audit, completing) => {
      await turns(SLOW_COMMIT_TURNS);
      const written = await commit(next, expectedVersion, items, audit, completing);
      if (!written) lost++;
      return written;
    };
    // A commit that takes its outbox lane is as slow.
    const commitTakingLane = store.commitTakingLane.bind(store);
    store.commitTakingLane = async (next, expectedVersion, items, audit, lane, completing) => {
      await turns(SLOW_COMMIT_TURNS);
      const written = await commitTakingLane(next, expectedVersion, items, audit, lane, completing);
      if (!written) lost++;
      return written;
    };
    const sent = log.toCustomer.length;
    await Promise.all(
      Array.from({ length: REPLIES }, (_, i) =>
        engine.agentReply(thread, SAM, `Reply ${i + 1}`, `ref${i + 1}`).catch((error: unknown) => {
          if (isWarmlineError(error, "store_conflict")) conflicts.push(error);
          else throw error;
        }),
      ),
    );
    await engine.drain();

    const relays = (await store.get(id))!.transcript.filter((e) => e.author === "agent" && !e.internal);
    expect(conflicts).toEqual([]);
    expect(log.toCustomer.slice(sent).map((m) => m.text)).toEqual(Array.from({ length: REPLIES }, (_, i) => `Reply ${i + 1}`));
    expect(relays.map((e) => e.delivery)).toEqual(Array.from({ length: REPLIES }, () => "sent"));
    expect(log.threadPosts.filter(({ post }) => post.kind === "delivery_failed")).toEqual([]);
    // In one process the lane orders every change of the conversation: no write has to be tried again.
    expect(lost).toBe(0);
  });
});
