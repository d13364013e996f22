import { beforeAll, describe, expect, it } from "vitest";
import { createSimulationChannels } from "../../channels/simulation/simulation-channels.js";
import { createAssistantFromConfig } from "../../src/assistant/from-config.js";
import { loadConfigFile } from "../../src/config/load-config.js";
import type { WarmlineConfig } from "../../src/config/schema.js";
import { createEngine } from "../../src/engine/engine.js";
import { createSilentLogger } from "../../src/logging.js";
import type { Assistant } from "../../src/ports/assistant.js";
import type { WarmlineStore } from "../../src/ports/outbox.js";
import { SHIPPED_CONFIG_FILE } from "../../src/paths.js";
import { createMemoryStore } from "../../src/store/memory-store.js";

// Tuesday 17 November 2026, 11:00 in London: inside every team's business hours.
const OPEN_HOURS = Date.UTC(2026, 10, 17, 11, 0);
const ADMIN = { id: "slack:U0ADMIN01", name: "Olivia" };
const PHONE = "+447700900123";
const ADDRESS = `sim:${PHONE}`;

let assistant: Assistant;
let config: WarmlineConfig;

beforeAll(async () => {
  config = loadConfigFile(SHIPPED_CONFIG_FILE);
  assistant = await createAssistantFromConfig(config, { clock: { now: () => OPEN_HOURS } });
});

/**
 * A store whose conversation commits wait, while `paused`, until `resume()`: `entered` resolves when
 * one waits, and `laneSought` when, while it waits, someone tries to take the customer's inbox lane.
 */
function pausableStore(store: WarmlineStore) {
  let paused = false;
  let waiting = false;
  let resume = () => {};
  let signalEntered = () => {};
  let signalLaneSought = () => {};
  const entered = new Promise<void>((resolve) => (signalEntered = resolve));
  const laneSought = new Promise<void>((resolve) => (signalLaneSought = resolve));
  const gate = new Promise<void>((resolve) => (resume = resolve));
  const held =
    <A extends unknown[], R>(write: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      if (paused) {
        waiting = true;
        signalEntered();
        await gate;
      }
      return write(...args);
    };
  // The stores take a method assigned to them in place of their own (see withInbox).
  const acquireLease = store.acquireLease.bind(store);
  store.commit = held(store.commit.bind(store));
  store.commitTakingLane = held(store.commitTakingLane.bind(store));
  store.create = held(store.create.bind(store));
  store.acquireLease = (lane, holder, ttlMs) => {
    if (waiting && lane === `inbox:${ADDRESS}`) signalLaneSought();
    return acquireLease(lane, holder, ttlMs);
  };
  return { store, pause: () => (paused = true), entered, laneSought, resume };
}

describe("erasure: a message being processed when the customer is forgotten", () => {
  async function setUp() {
    let now = OPEN_HOURS;
    const clock = { now: () => now };
    const pausable = pausableStore(await createMemoryStore({ clock }));
    const { customers, workspace } = createSimulationChannels();
    const engine = createEngine({
      config: structuredClone(config),
      store: pausable.store,
      assistant,
      customers,
      workspace,
      clock,
      logger: createSilentLogger(),
    });
    let id = 0;
    const say = (text: string) => {
      now += 1000;
      return engine.handleInboundMessage({
        messageId: `m${++id}`,
        address: ADDRESS,
        channel: "simulation",
        phone: PHONE,
        text,
        receivedAt: now,
      });
    };
    return { engine, say, ...pausable };
  }

  it.each([
    ["a first message, opening the conversation", []],
    ["a message in an escalated conversation", ["I want to cancel my order 100311"]],
  ])("%s is processed first and erased with the rest: it cannot bring the conversation back", async (_, before) => {
    const { engine, say, store, pause, entered, laneSought, resume } = await setUp();
    for (const text of before) await say(text);

    // The message is mid-processing (its commit waits) when an admin forgets the customer.
    pause();
    const processing = say("my new address is 12 Hill Road, London, and I want a refund");
    await entered;
    const forgetting = engine.forgetCustomer(ADDRESS, ADMIN);
    // The processing goes on once the erasure is done, or is waiting for the lane.
    await Promise.race([forgetting, laneSought]);
    resume();
    const [, forgotten] = await Promise.all([processing, forgetting]);
    await engine.drain();

    expect(forgotten).toEqual({ conversations: 1 });
    expect(await store.listByCustomer(ADDRESS)).toEqual([]);
    expect(await store.listInbox()).toEqual([]);
    // The lane was let go: the customer can start again.
    await say("hello again, I need help with a refund");
    expect(await store.listByCustomer(ADDRESS)).toHaveLength(1);
  });
});
