import { randomUUID } from "node:crypto";
import type { PolicyDecision } from "../../routing/escalation-policy.js";
import { isWithinBusinessHours, localizedOpeningPhrase, nextOpening, openingPhrase } from "../../routing/business-hours.js";
import { acknowledgementDue, availability as decideAvailability, type Availability } from "../../routing/claim-timers.js";
import type { WarmlineConfig } from "../config/schema.js";
import { currentEscalation, type Conversation, type TranscriptEntry } from "../domain/conversation.js";
import type { Escalation, EscalationReason, HandoffSummary } from "../domain/escalation.js";
import { WarmlineError } from "../domain/errors.js";
import { describeError, SYSTEM_ACTOR, type EngineCore, type Outbound } from "./engine-core.js";

/** Where and why a conversation goes to a person. */
export type Handoff = Pick<PolicyDecision, "team" | "priority" | "mandatory" | "explanation" | "decidedBy"> & { reason: EscalationReason };

/** Open, after hours, or nobody on the rota around (asked of the workspace when it can tell). */
export async function availabilityFor(core: EngineCore, teamKey: string): Promise<Availability> {
  const team = core.teamOf(teamKey);
  const now = core.clock.now();
  if (!isWithinBusinessHours(team.businessHours, now)) return "after_hours";
  let agentsAvailable = true;
  try {
    agentsAvailable = (await core.workspace.agentsAvailable?.(teamKey, team.rota)) ?? true;
  } catch (error) {
    core.log.warn({ team: teamKey, err: describeError(error) }, "Could not tell whether anyone is available; assuming someone is");
  }
  return decideAvailability({ hours: team.businessHours, now, agentsAvailable });
}

/** The first reply of a conversation opens with the greeting (which names the word for a person), in one message. */
export function greeted(core: EngineCore, c: Conversation, first: boolean, text: string): string {
  return first ? `${core.message(c, "greeting")}\n\n${text}` : text;
}

/**
 * "tomorrow at 09:00 GMT": reads after "opens" in the after-hours messages; in the customer's
 * language when Warmline speaks it to them ("mañana, 09:00 GMT").
 */
export function describeOpening(
  core: EngineCore,
  c: Conversation,
  hours: WarmlineConfig["teams"][string]["businessHours"],
  now: number,
): string {
  return describeMoment(core, c, nextOpening(hours, now), hours.timezone, now);
}

/** A moment as the customer reads it, in the team's time zone: "today at 17:00 GMT", or in their language ("hoy, 17:00 GMT"). */
export function describeMoment(core: EngineCore, c: Conversation, at: number, timeZone: string, now: number): string {
  const code = c.language?.code;
  if (code !== undefined && core.languages.replies.languages.includes(code)) return localizedOpeningPhrase(at, now, timeZone, code);
  return openingPhrase(at, now, timeZone);
}

/**
 * Hands the conversation to a team, inside a change. Nobody to take it now (team closed, nobody
 * available): an escalation the bot started and the customer may decline stays with the bot, which
 * keeps answering, and the customer is offered a call back (CALLBACK then queues it); a mandatory
 * one, or the customer's own request for a person, is queued, honestly.
 */
export function escalateInto(
  core: EngineCore,
  c: Conversation,
  out: Outbound,
  actor: string,
  handoff: Handoff,
  available: Availability,
  options: { greet?: boolean; callback?: boolean; modelSummary?: HandoffSummary } = {},
): void {
  const { message, tell } = core;
  const team = core.teamOf(handoff.team);
  const now = core.clock.now();
  const opens = available === "after_hours" ? describeOpening(core, c, team.businessHours, now) : "";
  // They asked for a person: keeping them with the bot they asked to leave would be no answer. They may still decline (BOT).
  const customerAsked = handoff.reason === "explicit_request";
  c.botMisses = 0;
  if (available !== "open" && !handoff.mandatory && !customerAsked) {
    c.offer = {
      reason: handoff.reason,
      explanation: handoff.explanation,
      team: handoff.team,
      priority: handoff.priority,
      offeredAt: now,
    };
    const offer =
      available === "after_hours"
        ? message(c, "afterHoursWithBot", { team: team.displayName, opens })
        : message(c, "noAgents", { team: team.displayName });
    tell(c, out, greeted(core, c, options.greet ?? false, offer));
    return;
  }
  // A return to the bot ended the last one: the new card links its thread and says how it ended.
  const previousThread = c.escalations.at(-1)?.thread;
  const escalation: Escalation = {
    id: `esc_${randomUUID()}`,
    reason: handoff.reason,
    explanation: handoff.explanation,
    team: handoff.team,
    priority: handoff.priority,
    level: 1,
    mandatory: handoff.mandatory,
    createdAt: now,
    ...(handoff.decidedBy ? { decidedBy: handoff.decidedBy } : {}),
    ...(options.modelSummary ? { modelSummary: options.modelSummary } : {}),
    ...(previousThread ? { previousThread } : {}),
    ...(available === "after_hours" ? { afterHours: true } : {}),
    ...(available === "nobody_available" ? { nobodyAvailable: true } : {}),
    ...(options.callback ? { callback: true } : {}),
  };
  core.transition(c, "escalate");
  c.escalations.push(escalation);
  c.offer = undefined;
  out.audit(actor, "escalated", {
    reason: handoff.reason,
    team: handoff.team,
    mandatory: handoff.mandatory,
    ...(options.callback ? { callback: true } : {}),
  });
  const customerText = options.callback
    ? available === "after_hours"
      ? message(c, "callbackQueuedAfterHours", { team: team.displayName, opens })
      : message(c, "callbackQueued", { team: team.displayName })
    : available === "after_hours"
      ? message(c, "afterHours", { team: team.displayName, opens })
      : available === "nobody_available"
        ? message(c, "noAgentsQueued", { team: team.displayName })
        : handoff.mandatory || customerAsked
          ? message(c, "handoff", { team: team.displayName })
          : message(c, "handoffOptional", { team: team.displayName });
  tell(c, out, customerText);
  core.postCard(c, out, escalation);
  if (available === "nobody_available") {
    const text = options.callback
      ? "Nobody on the rota was available when this call back request was queued; the customer was told it comes as soon as someone is free."
      : "Nobody on the rota was available when this was queued; the customer was told it may take a while and offered a call back.";
    out.add({ kind: "thread_post", escalationId: escalation.id, post: { kind: "system_note", text } });
  }
}

/** "Got it, I've added that…": at most once per policy.stillQueuedEveryMinutes per escalation, kept on it across restarts and instances. */
export function acknowledgeWhileQueued(core: EngineCore, c: Conversation, out: Outbound, e: Escalation): void {
  const { message } = core;
  const now = core.clock.now();
  if (!acknowledgementDue({ lastAcknowledgedAt: e.acknowledgedAt, everyMinutes: core.config.policy.stillQueuedEveryMinutes, now })) return;
  e.acknowledgedAt = now;
  const team = core.teamOf(e.team);
  const text = e.callback
    ? message(c, "stillQueuedCallback", { team: team.displayName })
    : isWithinBusinessHours(team.businessHours, now)
      ? message(c, "stillQueued", { team: team.displayName })
      : message(c, "stillQueuedAfterHours", { team: team.displayName, opens: describeOpening(core, c, team.businessHours, now) });
  core.tell(c, out, text);
}

/** Into the current escalation's thread; it waits in the lane behind the card if that is not posted yet. */
export function relayToThread(core: EngineCore, c: Conversation, out: Outbound, entry: TranscriptEntry): void {
  // Captions, file names, location names and contact cards are the customer's words too.
  const attachments = entry.attachments?.map((a) => ({
    ...a,
    ...(a.description !== undefined ? { description: core.maskText(a.description, c) } : {}),
    ...(a.filename !== undefined ? { filename: core.maskText(a.filename, c) } : {}),
  }));
  core.postToThread(c, out, {
    kind: "customer_message",
    text: core.maskText(entry.text, c),
    at: entry.at,
    ...(attachments ? { attachments } : {}),
  });
}

/**
 * Moves a waiting or claimed conversation to `toTeam` as a new escalation one level up (an agent's
 * transfer, or an overflow by the timers). Call it in the conversation's lane; `allowed` is checked
 * again inside the write. Returns whether it moved.
 */
export async function transferInLane(
  core: EngineCore,
  conversation: Conversation,
  actor: string,
  toTeam: string,
  note: string,
  allowed: (c: Conversation) => boolean = () => true,
): Promise<boolean> {
  const { teamOf, message } = core;
  teamOf(toTeam);
  const conversationId = conversation.id;
  const old = currentEscalation(conversation);
  if (!old || (conversation.state !== "queued" && conversation.state !== "assigned")) {
    throw new WarmlineError(
      "invalid_transition",
      `Cannot transfer conversation ${conversationId}: it is ${conversation.state}, not waiting for or with an agent.`,
    );
  }
  const now = core.clock.now();
  const hours = teamOf(toTeam).businessHours;
  const closed = !isWithinBusinessHours(hours, now);
  const next: Escalation = {
    id: `esc_${randomUUID()}`,
    reason: old.reason,
    explanation: old.explanation,
    team: toTeam,
    priority: old.priority,
    level: old.level + 1,
    mandatory: old.mandatory,
    createdAt: now,
    ...(old.decidedBy ? { decidedBy: old.decidedBy } : {}),
    ...(old.modelSummary ? { modelSummary: old.modelSummary } : {}),
    transferNote: note.trim() || undefined,
    previousThread: old.thread,
    ...(closed ? { afterHours: true } : {}),
    ...(old.callback ? { callback: true } : {}),
  };
  const updated = await core.mutate(conversationId, (c, out) => {
    const current = currentEscalation(c);
    // A second submit of the same transfer (double click) finds it done.
    if (current?.id !== old.id || (c.state !== "queued" && c.state !== "assigned") || !allowed(c)) return undefined;
    core.transition(c, "transfer");
    Object.assign(current, { outcome: "transferred", endedAt: now, ...(actor === SYSTEM_ACTOR ? { overflowedAt: now } : {}) });
    c.escalations.push(next);
    c.assignee = undefined;
    const team = teamOf(toTeam).displayName;
    core.tell(
      c,
      out,
      closed ? message(c, "afterHours", { team, opens: describeOpening(core, c, hours, now) }) : message(c, "transferred", { team }),
    );
    core.postCard(c, out, next);
    core.refreshCard(c, out, current, { kind: "transferred", toTeam: teamOf(toTeam).displayName }, next.id);
    out.audit(actor, "transferred", { from: old.team, to: toTeam, level: next.level });
    return c;
  });
  return updated !== undefined;
}
