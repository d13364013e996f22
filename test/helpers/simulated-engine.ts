import type { CustomerChannel } from "../../src/ports/customer-channel.js";
import { createSimulationChannels, type SimulationLog } from "../../channels/simulation/simulation-channels.js";
import { createAssistantFromConfig } from "../../src/assistant/from-config.js";
import { loadConfigFile } from "../../src/config/load-config.js";
import { createEngine, type Engine } from "../../src/engine/engine.js";
import { createSilentLogger } from "../../src/logging.js";
import { SHIPPED_CONFIG_FILE } from "../../src/paths.js";
import type { Clock } from "../../src/ports/clock.js";
import type { WarmlineStore } from "../../src/ports/outbox.js";
import { createMemoryStore } from "../../src/store/memory-store.js";

/** The shipped config's engine on a memory store, with the simulation channels standing in for WhatsApp and Slack. */
export async function simulatedEngine(
  clock: Clock,
): Promise<{ engine: Engine; store: WarmlineStore; log: SimulationLog; customers: CustomerChannel }> {
  const config = loadConfigFile(SHIPPED_CONFIG_FILE);
  const store = await createMemoryStore({ clock });
  const { customers, workspace, log } = createSimulationChannels();
  const engine = createEngine({
    config,
    store,
    assistant: await createAssistantFromConfig(config, { clock }),
    customers,
    workspace,
    clock,
    logger: createSilentLogger(),
  });
  return { engine, store, log, customers };
}

/** Tuesday 17 November 2026, 11:00 in London: inside every team's business hours. */
export const SIMULATION_OPEN_HOURS = Date.UTC(2026, 10, 17, 11, 0);
export const SIMULATION_AGENT = { id: "slack:U0SAM0001", name: "Sam" };
export const SIMULATION_CUSTOMER = "sim:+447700900123";

/**
 * simulatedEngine with a conversation escalated by the customer's first message (a cancellation) and
 * claimed by SIMULATION_AGENT, on a clock that starts in business hours and moves 10 ms a read.
 */
export async function claimedSimulation() {
  let now = SIMULATION_OPEN_HOURS;
  const w = await simulatedEngine({ now: () => (now += 10) });
  const say = (messageId: string, text: string) =>
    w.engine.handleInboundMessage({
      messageId,
      address: SIMULATION_CUSTOMER,
      channel: "simulation",
      phone: "+447700900123",
      text,
      receivedAt: now,
    });
  await say("m1", "I want to cancel my order 100311");
  const id = (await w.store.findActiveByCustomer(SIMULATION_CUSTOMER))!.id;
  if ((await w.engine.claim(id, SIMULATION_AGENT)).ok !== true) throw new Error("The simulated conversation could not be claimed");
  await w.engine.drain();
  return { ...w, say, conversationId: id, thread: w.log.cards[0]!.thread };
}
