import { replayHandleOf } from "../../src/engine/inbox-processor.js";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { createSimulationChannels } from "../../channels/simulation/simulation-channels.js";
import { createAssistantFromConfig } from "../../src/assistant/from-config.js";
import { loadConfigFile } from "../../src/config/load-config.js";
import type { WarmlineConfig } from "../../src/config/schema.js";
import { createEngine } from "../../src/engine/engine.js";
import { createSilentLogger } from "../../src/logging.js";
import type { AgentWorkspace, ReplyNotice } from "../../src/ports/agent-workspace.js";
import type { Assistant } from "../../src/ports/assistant.js";
import { SHIPPED_CONFIG_FILE } from "../../src/paths.js";
import { createMemoryStore } from "../../src/store/memory-store.js";

// Tuesday 17 November 2026, 11:00 in London: inside every team's business hours.
const OPEN_HOURS = Date.UTC(2026, 10, 17, 11, 0);
const SAM = { id: "slack:U0SAM0001", name: "Sam" };

let assistant: Assistant;
let config: WarmlineConfig;
beforeAll(async () => {
  config = loadConfigFile(SHIPPED_CONFIG_FILE);
  assistant = await createAssistantFromConfig(config, { clock: { now: () => OPEN_HOURS } });
});

/** An engine whose workspace holds the card's answer until `release()`: the card is in Slack, its thread not yet recorded. */
async function withHeldCard() {
  const now = { value: OPEN_HOURS };
  const clock = { now: () => now.value };
  const store = await createMemoryStore({ clock });
  const { customers, workspace: simulated, log } = createSimulationChannels();
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const notices: ReplyNotice[] = [];
  const ops: string[] = [];
  const workspace: AgentWorkspace = {
    ...simulated,
    postEscalation: async (context, delivery) => {
      const posted = await simulated.postEscalation(context, delivery);
      await held;
      return posted;
    },
    noticeReply: async (notice) => void notices.push(notice),
    notifyOps: async (text) => void ops.push(text),
  };
  const engine = createEngine({ config, store, assistant, customers, workspace, clock, logger: createSilentLogger() });
  const customer = { address: "sim:+447700900123", channel: "simulation", phone: "+447700900123", receivedAt: OPEN_HOURS };
  await engine.customerEvents.onMessage({ ...customer, messageId: "m1", text: "I want to cancel my order 100311" });
  await vi.waitFor(() => expect(log.cards).toHaveLength(1));
  return { engine, store, log, now, release, notices, ops, customer };
}

describe("engine: a reply in a thread whose card is not recorded yet", () => {
  it("waits in the inbox and is relayed, once, as soon as the card is recorded", async () => {
    const w = await withHeldCard();
    const conversation = (await w.store.findActiveByCustomer(w.customer.address))!;
    const thread = w.log.cards[0]!.thread;
    expect(conversation.escalations[0]?.thread).toBeUndefined();
    expect(await w.engine.claim(conversation.id, SAM)).toEqual({ ok: true });

    expect(await w.engine.agentReply(thread, SAM, "Hi Dana, on it", "ref1")).toEqual({ relayed: false, reason: "pending" });
    expect(await w.store.listInbox()).toMatchObject([{ id: "ref1", lane: thread, status: "pending" }]);
    w.release();
    // The card's delivery records its thread; the reply's retry (the tick's) must not race it.
    await w.engine.drain();
    expect((await w.store.get(conversation.id))!.escalations[0]?.thread).toBe(thread);
    w.now.value += 5_000;
    await w.engine.tick();
    await w.engine.drain();
    expect(w.log.toCustomer.filter((m) => m.text === "Hi Dana, on it")).toHaveLength(1);
    expect(await w.store.listInbox()).toEqual([]);
    expect(w.notices).toEqual([]);
  });

  it("tells the agent on their message when it can never be matched, and the operators too", async () => {
    const w = await withHeldCard();
    const reply = await w.engine.agentReply("sim-thread-never", SAM, "Hello?", "ref-lost");
    expect(reply).toEqual({ relayed: false, reason: "pending" });
    w.now.value += (config.outbox.giveUpAfterMinutes + 1) * 60_000;
    await w.engine.tick();
    w.release();
    await w.engine.drain();
    expect(w.notices).toEqual([{ thread: "sim-thread-never", messageRef: "ref-lost", agentId: SAM.id, reason: "unknown_thread" }]);
    // The notice names a handle with nothing personal in it (an entry id can hold the customer's number), and replay takes it.
    const handle = replayHandleOf("ref-lost");
    expect(handle).toMatch(/^inbox_[0-9a-f]{16}$/);
    expect(w.ops.some((text) => text.includes(`/warmline replay ${handle}`) && !text.includes("ref-lost"))).toBe(true);
    expect(await w.store.listInbox()).toMatchObject([{ id: "ref-lost", status: "failed" }]);
    expect(await w.engine.replayFailed("inbox_0000000000000000")).toBe(0);
    expect(await w.engine.replayFailed(handle)).toBe(1);
    expect(await w.store.listInbox()).toMatchObject([{ id: "ref-lost", status: "pending" }]);
  });
});
