import { createSimulationChannels, type SimulationLog } from "../../channels/simulation/simulation-channels.js";
import type { WarmlineConfig } from "../../src/config/schema.js";
import { createEngine } from "../../src/engine/engine.js";
import { createSilentLogger } from "../../src/logging.js";
import type { Assistant } from "../../src/ports/assistant.js";
import type { ConversationStore } from "../../src/ports/conversation-store.js";
import { createMemoryStore } from "../../src/store/memory-store.js";

/** Tuesday 17 November 2026, 11:00 in London: inside every team's business hours. */
export const OPEN_HOURS = Date.UTC(2026, 10, 17, 11, 0);
const CUSTOMER = "+447700900123";

/** The engine over the simulation channels and a memory store, with the assistant given: one customer, one conversation. */
export async function engineWorld(config: WarmlineConfig, assistant: Assistant) {
  const now = { value: OPEN_HOURS };
  const clock = { now: () => now.value };
  const store = await createMemoryStore({ clock });
  const { customers, workspace, log } = createSimulationChannels();
  const engine = createEngine({ config, store, assistant, customers, workspace, clock, logger: createSilentLogger() });
  let id = 0;
  return {
    log: log as SimulationLog,
    async say(text: string): Promise<void> {
      now.value += 1000;
      await engine.handleInboundMessage({
        messageId: `m${++id}`,
        address: `sim:${CUSTOMER}`,
        channel: "simulation",
        customerName: "Dana Whitfield",
        phone: CUSTOMER,
        text,
        receivedAt: now.value,
      });
    },
    conversation: (): ReturnType<ConversationStore["findActiveByCustomer"]> => store.findActiveByCustomer(`sim:${CUSTOMER}`),
    lastReply: () => log.toCustomer.at(-1)?.text,
  };
}
