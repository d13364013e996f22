import { type ClaimTimerInput, nextClaimTimerAt } from "../../routing/claim-timers.js";
import type { TeamConfig } from "../config/schema.js";
import { currentEscalation, type Conversation } from "../domain/conversation.js";
import type { Escalation } from "../domain/escalation.js";
import { nextFallbackStep } from "./fallback-steps.js";

/** What the claim timers (routing/claim-timers.ts) read of the current escalation at `now`. */
export function claimTimerInput(c: Conversation, e: Escalation, team: TeamConfig, now: number): ClaimTimerInput {
  const since = e.claimedAt ?? e.createdAt;
  const lastOf = (author: "customer" | "agent") => c.transcript.findLast((t) => t.author === author && !t.internal && t.at >= since)?.at;
  return {
    createdAt: e.createdAt,
    claimedAt: c.state === "assigned" ? e.claimedAt : undefined,
    lastAgentMessageAt: lastOf("agent"),
    lastCustomerMessageAt: lastOf("customer"),
    lastCustomerUpdateAt: e.lastCustomerUpdateAt,
    customerUpdatesSent: e.customerUpdatesSent,
    pingedAt: e.pingedAt,
    overflowedAt: e.overflowedAt,
    nudgedAt: e.nudgedAt,
    team,
    now,
  };
}

/** When the tick must next look at a conversation, computed at `now`; undefined when nothing is pending. */
export type TimersDue = (c: Conversation, now: number) => number | undefined;

/**
 * The earliest of an open conversation's claim timers and, with a fallback route (fallbackAfterMs),
 * its next fallback step. The engine stores it with every write (Conversation.timersDueAt) and the
 * store indexes it, so the tick loads only conversations with something due. A team no longer in the
 * config has no claim timers.
 */
export function createTimersDue(teams: Record<string, TeamConfig>, fallbackAfterMs: number | undefined): TimersDue {
  return (c, now) => {
    const e = currentEscalation(c);
    if (!e || (c.state !== "queued" && c.state !== "assigned")) return undefined;
    const team = teams[e.team];
    const claimTimer = team ? nextClaimTimerAt(claimTimerInput(c, e, team, now)) : undefined;
    const step = fallbackAfterMs === undefined ? undefined : nextFallbackStep(c, fallbackAfterMs);
    const times = [claimTimer, step && Math.max(now, step.dueAt)].filter((at): at is number => at !== undefined);
    return times.length === 0 ? undefined : Math.min(...times);
  };
}

/** Records `dueAt` on the conversation (the one place it is written), or clears it. */
export function setTimersDueAt(c: Conversation, dueAt: number | undefined): void {
  if (dueAt === undefined) delete c.timersDueAt;
  else c.timersDueAt = dueAt;
}

/**
 * Whether a stored due time should be rewritten: it differs from the fresh one, unless both are due
 * already (the tick is about to act, and its write stores the next one). A due time that stays past
 * while nothing fires (an overflow waiting for its team) costs a look per tick, not a write.
 */
export function isStaleDue(stored: number | undefined, fresh: number | undefined, now: number): boolean {
  if (stored === fresh) return false;
  return !(stored !== undefined && fresh !== undefined && stored <= now && fresh <= now);
}
