import type { AttemptedAction } from "../ports/assistant.js";
import type { AgentRef, CustomerTier } from "./conversation.js";
import type { Escalation } from "./escalation.js";

/**
 * Everything a human needs to pick up a conversation without asking the customer to repeat
 * themselves. Channel-independent: the Slack adapter renders it as a context card.
 */
export interface ContextPackage {
  conversationId: string;
  customer: {
    name: string;
    /** e.g. "+44 •••• ••• 123" */
    maskedPhone: string;
    tier: CustomerTier;
    pastConversations: number;
  };
  escalation: Escalation;
  /** The conversation's escalation before this one, when there was one: how it ended and who ended it. */
  previous?: { team: string; outcome: NonNullable<Escalation["outcome"]>; returnedBy?: AgentRef; endedAt?: number };
  /** Exactly two sentences: what they want, and what has been tried. */
  summary: string;
  /** The last few customer messages, newest last (already PII-masked). */
  keyMessages: { text: string; at: number }[];
  intents: string[];
  sentiment: { score: number; label: "negative" | "neutral" | "positive" };
  urgency: "low" | "medium" | "high";
  botActions: AttemptedAction[];
  suggestedNextStep: string;
  /** A first line the agent can send that acknowledges what the customer already said. */
  suggestedOpening: string;
  /** When the customer started waiting (escalation time) and when the claim is due. */
  waitingSince: number;
  claimDeadline: number;
  /** Full transcript lines for the thread, oldest first (PII-masked). */
  transcript: { author: string; text: string; at: number }[];
}
