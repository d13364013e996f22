import { describe, expect, it } from "vitest";
import type { ConversationStore } from "../../src/ports/conversation-store.js";
import { claimedSimulation, SIMULATION_AGENT } from "../helpers/simulated-engine.js";

/** Counts the reads of whole conversations on `store` (the stores take a method assigned to them in place of their own). */
function countReads(store: ConversationStore): () => Record<string, number> {
  let reads: Record<string, number> = {};
  const methods = store as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  for (const name of ["get", "findByThread", "findActiveByCustomer"]) {
    const bound = methods[name]!.bind(store);
    methods[name] = (...args: unknown[]) => {
      reads[name] = (reads[name] ?? 0) + 1;
      return bound(...args);
    };
  }
  return () => {
    const taken = reads;
    reads = {};
    return taken;
  };
}

describe("engine: conversation reads per relayed message", () => {
  it("an agent's reply: found by its thread, read once more in the customer's lane and written from that copy; its delivery reads it once", async () => {
    const w = await claimedSimulation();
    const reads = countReads(w.store);
    const sent = w.log.toCustomer.length;
    await w.engine.agentReply(w.thread, SIMULATION_AGENT, "Refunded today, Dana", "ref1");
    await w.engine.drain();
    expect(w.log.toCustomer.slice(sent).map((m) => m.text)).toEqual(["Refunded today, Dana"]);
    // findByThread names the lane; in it, the reply is decided on a fresh read (another reply may have just changed it),
    // and written from that copy. Then the send reads it as it goes out.
    expect(reads()).toEqual({ findByThread: 1, get: 2 });

    const posts = w.log.threadPosts.length;
    await w.say("m2", "Thanks, any idea when?");
    await w.engine.drain();
    expect(w.log.threadPosts.length).toBe(posts + 1);
    // The customer's own message: found by their address and written from that copy; the thread post reads it as it goes out.
    expect(reads()).toEqual({ findActiveByCustomer: 1, get: 1 });
  });
});
