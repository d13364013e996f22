import type { AttemptedAction } from "../ports/assistant.js";
import type { AgentRef, CustomerLanguage, CustomerTier } from "./conversation.js";
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
    /** The country of their number ("GB"): national numbers in their text are read as that country's. */
    region?: string;
    /**
     * Their WhatsApp number in full, only on a call-back escalation: the number to call, which they
     * gave for that. Nothing else in the package is unmasked.
     */
    callbackPhone?: string;
    tier: CustomerTier;
    pastConversations: number;
    /** The language they write in ("writes in Portuguese"), when it has been identified. */
    language?: CustomerLanguage;
  };
  /** Rota members of the escalation's team who speak the customer's language (Slack user IDs from teams.<key>.rotaLanguages). */
  speakersOfLanguage?: string[];
  escalation: Escalation;
  /** The conversation's escalation before this one, when there was one: how it ended and who ended it. */
  previous?: { team: string; outcome: NonNullable<Escalation["outcome"]>; returnedBy?: AgentRef; endedAt?: number };
  /** The assistant's confident reading of what they want (policy.confidenceThreshold), when it has one. */
  intent?: string;
  /**
   * One clause, about the customer: "Maria Lopez wants to cancel order 100311", "… raised a safety matter".
   * Absent from packages queued (in the outbox) before it was carried.
   */
  headline?: string;
  /** The headline as a sentence, what the assistant tried, and, when they gave it, the customer's own words, quoted. */
  summary: string;
  /** "model": the summary and next step were written by the model (assistant.kind "openai-compatible"); absent: the template's. */
  summaryBy?: "model";
  /** The last few customer messages, newest last (already PII-masked). */
  keyMessages: { text: string; at: number }[];
  intents: string[];
  sentiment: { score: number; label: "negative" | "neutral" | "positive" };
  botActions: AttemptedAction[];
  suggestedNextStep: string;
  /** A first line the agent can send the customer (second person) that acknowledges what they already said. */
  suggestedOpening: string;
  /** When the customer started waiting (escalation time) and when the claim is due. */
  waitingSince: number;
  claimDeadline: number;
  /** Full transcript lines for the thread, oldest first (PII-masked). */
  transcript: {
    author: string;
    text: string;
    at: number;
    /** A customer line whose language differs from their previous identified line's (or the first identified): its name. */
    language?: string;
  }[];
}
