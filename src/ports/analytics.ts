import type { AgentFeedbackKind, AgentRef } from "../domain/conversation.js";

/** The full transcript of an escalation as an agent may see it (PII-masked). */
export interface TranscriptView {
  conversationId: string;
  customerName: string;
  lines: { author: string; text: string; at: number }[];
}

export type FeedbackResult =
  /** `replaced`: the agent's earlier answer on this escalation, which this one replaced. */
  | { recorded: true; replaced?: AgentFeedbackKind }
  | { recorded: false; reason: "already_recorded" | "not_resolved" | "unknown_conversation" };

/**
 * What agents do that only analytics cares about; the workspace adapter calls these. Kept apart
 * from AgentActions so the engine's contract does not grow with every figure a lead asks for.
 */
export interface AnalyticsActions {
  /**
   * Records that `agent` opened the full transcript and returns it. `thread` (the card's thread)
   * attributes the view to that escalation; without it, to the current one.
   */
  viewTranscript(conversationId: string, agent: AgentRef, thread?: string): Promise<TranscriptView | undefined>;
  /**
   * Records the agent's answer on the escalation: one per agent and escalation. A different answer
   * (or another intent for bot_should_have_handled) replaces the earlier one; the same answer again
   * is refused as already_recorded.
   */
  recordFeedback(
    conversationId: string,
    agent: AgentRef,
    kind: AgentFeedbackKind,
    options?: { intent?: string; thread?: string },
  ): Promise<FeedbackResult>;
  /** The intent the bot detected for the customer's first message of this conversation, for pre-filling the agent's pick. */
  detectedIntent(conversationId: string): Promise<string | undefined>;
}
