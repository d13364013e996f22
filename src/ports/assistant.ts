import type { Conversation } from "../domain/conversation.js";
import type { EscalationReason, HandoffSummary } from "../domain/escalation.js";

export interface ExtractedEntities {
  orderNumber?: string;
  /** Money amount mentioned by the customer, in major units. */
  amount?: number;
  currency?: string;
}

export interface AttemptedAction {
  /** e.g. "order_lookup", "refund_policy_check". */
  action: string;
  ok: boolean;
  /** One line: what came of it ("Order 123 shipped on 3 May", "Order system timed out"). */
  result: string;
  /** Set when the action itself failed (timeout, error), as opposed to a negative answer. */
  failed?: boolean;
}

export interface AssistantTurn {
  reply: string;
  intent: string;
  /** 0..1 */
  confidence: number;
  entities: ExtractedEntities;
  /** -1 (very negative) .. 1 (very positive). */
  sentiment: number;
  actions: AttemptedAction[];
  /** A model's judgement of the turn (assistant.kind "openai-compatible"); absent from the offline assistant and after a fallback. */
  judgement?: ModelJudgement;
}

/**
 * What a model judged should happen: escalate now, offer a person, or let the assistant go on. A
 * signal the rules (routing/escalation-policy.ts) weigh after their own: it can add an escalation,
 * never cancel one.
 */
export interface ModelJudgement {
  decision: "escalate" | "offer" | "continue";
  /** Why, when it says escalate or offer: one of the policy's reasons. */
  reason: EscalationReason | null;
  /** The language the customer writes in, as the model read it (ISO 639-1). */
  language?: string;
  /** For the card, should this turn hand over. */
  summary?: HandoffSummary;
}

/** Why a model call fell back to the offline assistant: the label of warmline_assistant_fallbacks_total. */
export const FALLBACK_CAUSES = ["timeout", "http_error", "unreachable", "invalid_json", "schema_violation", "unknown_intent"] as const;
export type FallbackCause = (typeof FALLBACK_CAUSES)[number];

/** One model call, as /metrics counts it. */
export interface AssistantCallReport {
  /** answered: the model's answer was used; fallback: the offline assistant answered instead. */
  outcome: "answered" | "fallback";
  fallback?: FallbackCause;
  latencyMs: number;
  /** As the server reported them; absent when it did not (or never answered). */
  inputTokens?: number;
  outputTokens?: number;
}

/** Port: the assistant that answers customers. The default is offline (NLP.js); a model (src/assistant/model) may judge too. */
export interface Assistant {
  respond(conversation: Conversation, message: string): Promise<AssistantTurn>;
  /** Classify only, without tools or a reply; used by triage and evaluation. */
  classify(
    text: string,
  ): Promise<{ intent: string; confidence: number; sentiment: number; entities: ExtractedEntities; judgement?: ModelJudgement }>;
}
