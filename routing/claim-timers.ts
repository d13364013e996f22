import type { BusinessHoursConfig, TeamConfig } from "../src/config/schema.js";
import { isWithinBusinessHours, nextOpening } from "./business-hours.js";

/**
 * What is due on an escalation right now. The engine calls this on each tick, performs the
 * actions, and records when it did (pingedAt, overflowedAt, lastCustomerUpdateAt, nudgedAt),
 * which is what makes each action fire once.
 */

/** While nobody has claimed, the customer hears from us this often, so silence never reads as "forgotten". */
export const CUSTOMER_UPDATE_EVERY_MINUTES = 5;
/** A claimed conversation whose customer has waited this long for the agent gets the agent nudged. */
export const NUDGE_ASSIGNEE_AFTER_MINUTES = 5;
/** The team overflows at this multiple of its claim deadline. */
export const OVERFLOW_DEADLINE_MULTIPLE = 2;
/** After this many "still waiting" updates the customer has the picture; more would be noise. */
export const MAX_CUSTOMER_UPDATES = 3;
/** Below this many recent claims the median is noise, so the configured fallback is used. */
export const MIN_CLAIM_SAMPLES = 3;

const MINUTE_MS = 60_000;

export interface ClaimTimerInput {
  /** When the escalation was created. */
  createdAt: number;
  claimedAt?: number;
  lastAgentMessageAt?: number;
  lastCustomerMessageAt?: number;
  /** When the customer last got a "still waiting" update. */
  lastCustomerUpdateAt?: number;
  pingedAt?: number;
  overflowedAt?: number;
  nudgedAt?: number;
  /** How many "still waiting" updates the customer has had. */
  customerUpdatesSent?: number;
  team: TeamConfig;
  now: number;
}

export type ClaimTimerAction =
  | { kind: "ping_rota"; dueAt: number }
  | { kind: "overflow"; toTeam: string; dueAt: number }
  | { kind: "customer_update"; dueAt: number }
  | { kind: "nudge_assignee"; dueAt: number };

/** Every action still pending, due or not, with when it falls due. */
function pendingTimers(input: ClaimTimerInput): ClaimTimerAction[] {
  // Nobody is on shift to ping, overflow to, or promise a wait for: the customer was already told
  // when the team opens.
  if (input.claimedAt === undefined && !isWithinBusinessHours(input.team.businessHours, input.now)) return [];
  return scheduledTimers(input);
}

/** The pending actions and their deadlines, whether or not the team is open now. */
function scheduledTimers(input: Omit<ClaimTimerInput, "now">): ClaimTimerAction[] {
  const pending: ClaimTimerAction[] = [];
  if (input.claimedAt === undefined) {
    const hours = input.team.businessHours;
    // The claim clock starts when the team does.
    const clockStart = isWithinBusinessHours(hours, input.createdAt) ? input.createdAt : nextOpening(hours, input.createdAt);
    const deadline = clockStart + input.team.claimWithinMinutes * MINUTE_MS;
    if (input.pingedAt === undefined) pending.push({ kind: "ping_rota", dueAt: deadline });
    const { overflowTeam } = input.team;
    if (overflowTeam !== undefined && input.overflowedAt === undefined) {
      const dueAt = clockStart + OVERFLOW_DEADLINE_MULTIPLE * input.team.claimWithinMinutes * MINUTE_MS;
      pending.push({ kind: "overflow", toTeam: overflowTeam, dueAt });
    }
    if ((input.customerUpdatesSent ?? 0) < MAX_CUSTOMER_UPDATES) {
      const lastUpdate = input.lastCustomerUpdateAt ?? clockStart;
      pending.push({ kind: "customer_update", dueAt: lastUpdate + CUSTOMER_UPDATE_EVERY_MINUTES * MINUTE_MS });
    }
    return pending;
  }
  const asked = input.lastCustomerMessageAt;
  const answered = input.lastAgentMessageAt !== undefined && asked !== undefined && input.lastAgentMessageAt >= asked;
  const alreadyNudged = input.nudgedAt !== undefined && asked !== undefined && input.nudgedAt >= asked;
  if (asked !== undefined && !answered && !alreadyNudged) {
    // The agent can't answer before they claimed, so the wait counts from the later of the two.
    const waitingSince = Math.max(asked, input.claimedAt);
    pending.push({ kind: "nudge_assignee", dueAt: waitingSince + NUDGE_ASSIGNEE_AFTER_MINUTES * MINUTE_MS });
  }
  return pending;
}

/** The actions due now, in the order to perform them. */
export function dueClaimActions(input: ClaimTimerInput): ClaimTimerAction[] {
  return pendingTimers(input).filter((action) => action.dueAt <= input.now);
}

/**
 * The earliest moment at or after `now` that dueClaimActions can return something, or undefined when
 * nothing is pending: the engine stores it (Conversation.timersDueAt) so its tick looks only at
 * conversations with something due. An unclaimed escalation's actions wait for its team to open, so
 * their time moves to the next opening. Never late; it may be early (an overflow waits for its target
 * team to open, a holiday), which costs the tick a look.
 */
export function nextClaimTimerAt(input: ClaimTimerInput): number | undefined {
  const times = scheduledTimers(input).map((action) => action.dueAt);
  if (times.length === 0) return undefined;
  const earliest = Math.max(input.now, Math.min(...times));
  return input.claimedAt === undefined ? nextOpening(input.team.businessHours, earliest) : earliest;
}

/**
 * Minutes the customer at `position` (1 = next) should expect to wait: the median recent claim
 * time per place in line, rounded up, never below one minute. Honest rather than hopeful: with
 * too few samples it uses the configured fallback instead of a lucky streak.
 */
export function estimateWaitMinutes(recentClaimDurationsMs: readonly number[], position: number, fallbackMinutes: number): number {
  const samples = recentClaimDurationsMs.filter((ms) => Number.isFinite(ms) && ms >= 0).sort((a, b) => a - b);
  let perPlaceMinutes = fallbackMinutes;
  if (samples.length >= MIN_CLAIM_SAMPLES) {
    const middle = Math.floor(samples.length / 2);
    const median = samples.length % 2 === 1 ? samples[middle]! : (samples[middle - 1]! + samples[middle]!) / 2;
    perPlaceMinutes = median / MINUTE_MS;
  }
  return Math.max(1, Math.ceil(perPlaceMinutes * Math.max(1, position)));
}

/** Whom a missed claim deadline calls into the thread. */
export type PingTargets = { userGroup: string } | { rota: string[] } | { anyone: true };

/**
 * The team's user group, else its rota; with neither (anyone in the channel may claim), everyone
 * active in the team's channel, so a missed deadline never pings nobody.
 */
export function pingTargets(team: Pick<TeamConfig, "pingGroup" | "rota">): PingTargets {
  if (team.pingGroup !== undefined) return { userGroup: team.pingGroup };
  if (team.rota.length > 0) return { rota: [...team.rota] };
  return { anyone: true };
}

/**
 * Whether a message the customer sent while waiting in line gets "got it" (messages.stillQueued):
 * at most once per `everyMinutes` per escalation, counted from the last acknowledgement.
 */
export function acknowledgementDue(input: { lastAcknowledgedAt?: number; everyMinutes: number; now: number }): boolean {
  return input.lastAcknowledgedAt === undefined || input.now - input.lastAcknowledgedAt >= input.everyMinutes * MINUTE_MS;
}

export type Availability = "open" | "after_hours" | "nobody_available";

/** What to promise the customer: a wait, a callback after hours, or honesty that nobody is free. */
export function availability(input: { hours: BusinessHoursConfig; now: number; agentsAvailable: boolean }): Availability {
  if (!isWithinBusinessHours(input.hours, input.now)) return "after_hours";
  return input.agentsAvailable ? "open" : "nobody_available";
}
