import { WarmlineError } from "./errors.js";
import type { ConversationState } from "./conversation.js";

/** Every move a conversation can make. One table, so the state machine is readable at a glance. */
export type LifecycleEvent = "escalate" | "claim" | "release" | "transfer" | "return_to_bot" | "resolve" | "abandon" | "reopen";

const TRANSITIONS: Record<LifecycleEvent, Partial<Record<ConversationState, ConversationState>>> = {
  escalate: { bot: "queued" },
  claim: { queued: "assigned" },
  release: { assigned: "queued" },
  transfer: { queued: "queued", assigned: "queued" },
  return_to_bot: { queued: "bot", assigned: "bot" },
  // Only what a person holds can be resolved: a conversation back with the bot has no one to resolve it.
  resolve: { queued: "resolved", assigned: "resolved" },
  abandon: { queued: "bot" },
  reopen: { resolved: "bot" },
};

export function canTransition(from: ConversationState, event: LifecycleEvent): boolean {
  return TRANSITIONS[event][from] !== undefined;
}

export function nextState(from: ConversationState, event: LifecycleEvent): ConversationState {
  const to = TRANSITIONS[event][from];
  if (to === undefined) {
    throw new WarmlineError(
      "invalid_transition",
      `Cannot ${event.replace(/_/g, " ")} a conversation that is ${from}: refresh the card, it has already moved on.`,
    );
  }
  return to;
}
