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
export async function simulatedEngine(clock: Clock): Promise<{ engine: Engine; store: WarmlineStore; log: SimulationLog }> {
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
  return { engine, store, log };
}
