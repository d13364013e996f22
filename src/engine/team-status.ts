import { currentEscalation } from "../domain/conversation.js";
import type { TeamStatus } from "../ports/agent-workspace.js";
import type { EngineCore } from "./engine-core.js";

/** Per configured team: how many wait, how many are with an agent, and how long the oldest has waited. */
export async function teamStatus(core: EngineCore): Promise<TeamStatus[]> {
  const open = await core.store.listOpen();
  const now = core.clock.now();
  return Object.entries(core.config.teams).map(([key, team]) => {
    const mine = open.filter((c) => currentEscalation(c)?.team === key);
    const waiting = mine.filter((c) => c.state === "queued").map((c) => currentEscalation(c)!.createdAt);
    return {
      team: key,
      displayName: team.displayName,
      queued: waiting.length,
      assigned: mine.filter((c) => c.state === "assigned").length,
      oldestWaitMs: waiting.length > 0 ? now - Math.min(...waiting) : undefined,
    };
  });
}
