import { priorityFor } from "../../routing/escalation-policy.js";
import { isWithinBusinessHours } from "../../routing/business-hours.js";
import { routeTeam } from "../../routing/team-routing.js";
import { currentEscalation, type Conversation } from "../domain/conversation.js";
import type { EscalationReason } from "../domain/escalation.js";
import { mainIntent } from "./context-package.js";
import type { EngineCore, Outbound, RecordEntry } from "./engine-core.js";
import { availabilityFor, describeOpening, escalateInto, type Handoff } from "./handoff.js";

/**
 * CALLBACK while with the bot: a call back request is queued for the team of the pending offer (or,
 * without one, the team the conversation is about), mandatory, flagged on the card, after hours included.
 */
export async function queueCallback(core: EngineCore, conversation: Conversation, record: RecordEntry): Promise<void> {
  const { config } = core;
  const offer = conversation.offer;
  const tier = conversation.customer.tier;
  const reason: EscalationReason = offer?.reason ?? "explicit_request";
  const team =
    offer?.team ??
    core.teamSpeaking(
      routeTeam({ intent: mainIntent(conversation, 0, config.policy) ?? "unknown", reason, tier, text: "" }, config.routing),
      conversation,
    );
  const handoff: Handoff = {
    reason,
    team,
    priority: offer?.priority ?? priorityFor(reason, tier, config.policy),
    mandatory: true,
    explanation: offer ? `${offer.explanation} The customer then asked for a call back.` : "The customer asked for a call back.",
  };
  const available = await availabilityFor(core, team);
  const updated = await core.mutate(conversation.id, (c, out) => {
    if (c.state !== "bot" || !record(c)) return undefined;
    c.callbackRequestedAt = core.clock.now();
    escalateInto(core, c, out, "customer", handoff, available, { callback: true });
    return c;
  });
  if (updated?.state === "queued") {
    core.log.info({ conversationId: conversation.id, team, reason }, "Call back requested");
  }
}

/** CALLBACK while waiting for or talking to a person: a note in the thread, and the card shows it. */
export function bookCallback(core: EngineCore, c: Conversation, out: Outbound): void {
  const { message, tell } = core;
  c.callbackRequestedAt = core.clock.now();
  const e = currentEscalation(c)!;
  if (!e.callback) {
    e.callback = true;
    core.refreshCard(c, out, e, c.state === "assigned" && c.assignee ? { kind: "claimed", by: c.assignee } : { kind: "waiting" });
  }
  core.postToThread(c, out, { kind: "system_note", text: "The customer asked for a call back." });
  // Name who will call, or when the team opens: "as soon as the team is available" promises nothing checkable.
  const team = core.teamOf(e.team);
  const now = core.clock.now();
  if (c.state === "assigned" && c.assignee) tell(c, out, message(c, "callbackBookedByAgent", { agent: c.assignee.name }));
  else if (isWithinBusinessHours(team.businessHours, now)) tell(c, out, message(c, "callbackBooked", { team: team.displayName }));
  else
    tell(
      c,
      out,
      message(c, "callbackQueuedAfterHours", { team: team.displayName, opens: describeOpening(core, c, team.businessHours, now) }),
    );
}
