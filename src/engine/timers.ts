import { isWithinBusinessHours } from "../../routing/business-hours.js";
import { dueClaimActions, estimateWaitMinutes, pingTargets, type ClaimTimerAction } from "../../routing/claim-timers.js";
import { currentEscalation, type Conversation } from "../domain/conversation.js";
import type { Escalation } from "../domain/escalation.js";
import { DAY_MS, describeError, SYSTEM_ACTOR, type EngineCore } from "./engine-core.js";
import { transferInLane } from "./handoff.js";

/** How often src/main.ts calls tick(): claim timers have minute resolution. */
export const ENGINE_TICK_INTERVAL_MS = 15_000;
/** Recent claims per team that the wait estimate is taken from. */
const WAIT_ESTIMATE_WINDOW_MS = 24 * 60 * 60 * 1000;
/** Transcripts past their retention are purged at most this often (from tick). */
const PURGE_EVERY_MS = 60 * 60 * 1000;

/** Claim deadlines, overflow, honest queue updates, nudges, and transcript retention, run from tick(). */
export interface Timers {
  tick(): Promise<void>;
}

export function createTimers(core: EngineCore): Timers {
  const { config, store, clock, log, teamOf } = core;
  let lastPurgeAt = 0;

  async function tick(): Promise<void> {
    const now = clock.now();
    const open = await store.listOpen();
    for (const conversation of open) {
      const escalation = currentEscalation(conversation);
      if (!escalation) continue;
      const due = dueTimers(conversation, escalation, now);
      if (due.length > 0)
        await core
          .inLane(conversation.id, (c) => applyTimers(c, escalation.id, due))
          .catch((error: unknown) =>
            log.error(
              { conversationId: conversation.id, err: describeError(error) },
              "A claim timer failed; it runs again on the next tick",
            ),
          );
    }
    if (now - lastPurgeAt >= PURGE_EVERY_MS) {
      lastPurgeAt = now;
      const purged = await store.purgeOlderThan(now - config.privacy.transcriptRetentionDays * DAY_MS);
      if (purged > 0) log.info({ purged }, "Transcripts past their retention purged");
    }
    await core.dispatcher.kick();
  }

  /** The claim timers due now; an overflow waits while its team is closed (no "passing you to…" a team that is not there). */
  function dueTimers(c: Conversation, e: Escalation, now: number): ClaimTimerAction[] {
    return dueClaimActions(timerInput(c, e, now)).filter(
      (a) => a.kind !== "overflow" || isWithinBusinessHours(teamOf(a.toTeam).businessHours, now),
    );
  }

  function timerInput(c: Conversation, e: Escalation, now: number) {
    const since = e.claimedAt ?? e.createdAt;
    const lastOf = (author: "customer" | "agent") =>
      c.transcript.filter((t) => t.author === author && !t.internal && t.at >= since).at(-1)?.at;
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
      team: teamOf(e.team),
      now,
    };
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

  /** Place in the team's queue and the wait, from how long recent claims took in that team. */
  async function queueEstimate(conversation: Conversation): Promise<{ position: number; minutes: number }> {
    const escalation = currentEscalation(conversation)!;
    const now = clock.now();
    const queued = (await store.listOpen())
      .filter((c) => c.state === "queued" && currentEscalation(c)?.team === escalation.team)
      .map((c) => currentEscalation(c)!.createdAt)
      .sort((a, b) => a - b);
    const position = Math.max(1, queued.filter((at) => at <= escalation.createdAt).length);
    const durations = (await store.listSince(now - WAIT_ESTIMATE_WINDOW_MS)).flatMap((c) =>
      c.escalations.filter((e) => e.team === escalation.team && e.claimedAt !== undefined).map((e) => e.claimedAt! - e.createdAt),
    );
    return { position, minutes: estimateWaitMinutes(durations, position, teamOf(escalation.team).claimWithinMinutes) };
  }

  return { tick };
}
