import { isWithinBusinessHours } from "../../routing/business-hours.js";
import { dueClaimActions, estimateWaitMinutes, pingTargets, type ClaimTimerAction } from "../../routing/claim-timers.js";
import { currentEscalation, type Conversation } from "../domain/conversation.js";
import type { Escalation } from "../domain/escalation.js";
import { DAY_MS, describeError, SYSTEM_ACTOR, type EngineCore } from "./engine-core.js";
import { transferInLane } from "./handoff.js";
import { claimTimerInput, isStaleDue } from "./timers-due.js";

/** How often src/main.ts calls tick(): claim timers have minute resolution. */
export const ENGINE_TICK_INTERVAL_MS = 15_000;
/** Recent claims per team that the wait estimate is taken from. */
const WAIT_ESTIMATE_WINDOW_MS = 24 * 60 * 60 * 1000;
/** The wait estimate's median is taken over at most this many of the team's latest claims. */
const WAIT_ESTIMATE_MAX_SAMPLES = 200;
/** Transcripts past their retention are purged at most this often (from tick). */
const PURGE_EVERY_MS = 60 * 60 * 1000;

/** Claim deadlines, overflow, honest queue updates, nudges, and transcript retention, run from tick(). */
export interface Timers {
  /** Runs what is due; loads only conversations whose stored due time has come (store.listDue). */
  tick(): Promise<void>;
  /**
   * Recomputes every open conversation's due time from the current config and rewrites those that
   * changed (a new claim deadline, data from before due times were stored). Once, at start-up: it
   * loads every open conversation. Returns how many it rewrote.
   */
  reschedule(): Promise<number>;
}

export function createTimers(core: EngineCore): Timers {
  const { config, store, clock, log, teamOf } = core;
  let lastPurgeAt = 0;

  async function tick(): Promise<void> {
    const now = clock.now();
    for (const conversation of await store.listDue(now)) {
      await runDue(conversation, now).catch((error: unknown) =>
        log.error({ conversationId: conversation.id, err: describeError(error) }, "A claim timer failed; it runs again on the next tick"),
      );
    }
    if (now - lastPurgeAt >= PURGE_EVERY_MS) {
      lastPurgeAt = now;
      const purged = await store.purgeOlderThan(now - config.privacy.transcriptRetentionDays * DAY_MS);
      if (purged > 0) log.info({ purged }, "Transcripts past their retention purged");
    }
    await core.dispatcher.kick();
  }

  /** Fires the claim timers due now; with none due (or only a fallback step), moves a due time that has become later. */
  async function runDue(conversation: Conversation, now: number): Promise<void> {
    const escalation = currentEscalation(conversation);
    const due = escalation ? dueTimers(conversation, escalation, now) : [];
    if (escalation && due.length > 0) await core.inLane(conversation.id, (c) => applyTimers(c, escalation.id, due));
    else await rescheduleIfStale(conversation, now);
  }

  /** Rewrites the conversation (mutate stores a fresh due time with every write) when its due time is stale. */
  async function rescheduleIfStale(conversation: Conversation, now: number): Promise<boolean> {
    if (!isStaleDue(conversation.timersDueAt, core.timersDueAt(conversation, now), now)) return false;
    const written = await core.mutate(conversation.id, (c) => (isStaleDue(c.timersDueAt, core.timersDueAt(c, now), now) ? c : undefined));
    return written !== undefined;
  }

  async function reschedule(): Promise<number> {
    const now = clock.now();
    let rewritten = 0;
    for (const conversation of await store.listOpen()) if (await rescheduleIfStale(conversation, now)) rewritten++;
    return rewritten;
  }

  /** The claim timers due now; an overflow waits while its team is closed (no "passing you to…" a team that is not there). */
  function dueTimers(c: Conversation, e: Escalation, now: number): ClaimTimerAction[] {
    return dueClaimActions(claimTimerInput(c, e, teamOf(e.team), now)).filter(
      (a) => a.kind !== "overflow" || isWithinBusinessHours(teamOf(a.toTeam).businessHours, now),
    );
  }

  async function applyTimers(conversation: Conversation, escalationId: string, due: ClaimTimerAction[]): Promise<void> {
    const overflow = due.find((a) => a.kind === "overflow");
    if (overflow?.kind === "overflow") {
      const team = teamOf(currentEscalation(conversation)!.team);
      const moved = await transferInLane(
        core,
        conversation,
        SYSTEM_ACTOR,
        overflow.toTeam,
        `Nobody in ${team.displayName} claimed this within ${2 * team.claimWithinMinutes} minutes.`,
      );
      if (moved) return;
    }
    const estimate = due.some((a) => a.kind === "customer_update") ? await queueEstimate(conversation) : undefined;
    await core.mutate(conversation.id, (c, out) => {
      const e = currentEscalation(c);
      if (!e || e.id !== escalationId || (c.state !== "queued" && c.state !== "assigned")) return undefined;
      const now = clock.now();
      const team = teamOf(e.team);
      for (const action of dueTimers(c, e, now)) {
        switch (action.kind) {
          case "ping_rota":
            e.pingedAt = now;
            out.add({
              kind: "thread_post",
              escalationId: e.id,
              // The user group, else the rota, else (anyone may claim) everyone active in the channel: never nobody.
              post: {
                kind: "ping",
                text: `Nobody has claimed this in ${team.claimWithinMinutes} minutes: can someone take it?`,
                ...pingTargets(team),
              },
            });
            break;
          case "customer_update":
            // Due only while the team is open (claim-timers), so the estimate is an honest one even after an after-hours start.
            e.lastCustomerUpdateAt = now;
            // A call back request waits for the call, not in line: no "you're number 2, reply CALLBACK".
            if (estimate && !e.callback) {
              core.tell(c, out, core.message(c, e.mandatory ? "queuePositionMandatory" : "queuePosition", estimate));
              e.customerUpdatesSent = (e.customerUpdatesSent ?? 0) + 1;
            }
            break;
          case "nudge_assignee":
            e.nudgedAt = now;
            out.add({
              kind: "thread_post",
              escalationId: e.id,
              post: { kind: "ping", text: "The customer is waiting for your reply.", ...(c.assignee ? { agents: [c.assignee] } : {}) },
            });
            break;
          case "overflow":
            // Reached only when the transfer above did not happen (the state moved on meanwhile).
            e.overflowedAt = now;
            break;
        }
      }
      return c;
    });
  }

  /** Place in the team's queue and the wait, from how long recent claims took in that team: counted in the store's index. */
  async function queueEstimate(conversation: Conversation): Promise<{ position: number; minutes: number }> {
    const escalation = currentEscalation(conversation)!;
    const now = clock.now();
    const position = Math.max(1, await store.countQueued(escalation.team, escalation.createdAt));
    const waits = await store.recentClaimWaits(escalation.team, now - WAIT_ESTIMATE_WINDOW_MS, WAIT_ESTIMATE_MAX_SAMPLES);
    return { position, minutes: estimateWaitMinutes(waits, position, teamOf(escalation.team).claimWithinMinutes) };
  }

  return { tick, reschedule };
}
