import type { TeamStatus } from "../ports/agent-workspace.js";
import type { EngineCore } from "./engine-core.js";

/** Per configured team: how many wait, how many are with an agent, and how long the oldest has waited (counted in the store's index). */
export async function teamStatus(core: EngineCore): Promise<TeamStatus[]> {
  const counts = await core.store.teamCounts();
  const now = core.clock.now();
  return Object.entries(core.config.teams).map(([key, team]) => {
    const count = counts[key];
    return {
      team: key,
      displayName: team.displayName,
      queued: count?.queued ?? 0,
      assigned: count?.assigned ?? 0,
      oldestWaitMs: count?.oldestQueuedAt !== undefined ? now - count.oldestQueuedAt : undefined,
    };
  });
}
