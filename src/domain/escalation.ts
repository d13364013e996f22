import type { AgentRef } from "./conversation.js";

export const ESCALATION_REASONS = [
  "explicit_request",
  "always_human",
  "priority_intent",
  "low_confidence",
  "repeated_failure",
  "negative_sentiment",
  "money_threshold",
  "policy_exception",
  "tool_failure",
  "conversation_length",
] as const;

export type EscalationReason = (typeof ESCALATION_REASONS)[number];

export type Priority = "normal" | "high" | "urgent";

/** Who decided a handover: a rule of routing/ (always, without a model), or the model's judgement when no rule fired. */
export type DecisionSource = "rule" | "model";

/** The card's summary as a model wrote it (assistant.kind "openai-compatible"), in the agents' language. */
export interface HandoffSummary {
  /** What the customer wants. */
  wants: string;
  /** What was tried so far, and what came of it. */
  tried: string;
  /** The step the agent should take first. */
  nextStep: string;
  /** The language it is written in (ISO 639-1). */
  language: string;
}

export interface Escalation {
  id: string;
  reason: EscalationReason;
  /** One sentence a human can read: why the bot handed over. */
  explanation: string;
  /** Absent on escalations stored before decisions named their source: a rule. */
  decidedBy?: DecisionSource;
  /** Written by the model on the turn that handed over; absent without one (the card's template summary). */
  modelSummary?: HandoffSummary;
  team: string;
  priority: Priority;
  /** 1 for the first escalation, +1 per transfer. */
  level: number;
  mandatory: boolean;
  createdAt: number;
  /** Opaque workspace thread ref, e.g. "slack:C123:1700000000.000100"; set once the card is posted. */
  thread?: string;
  claimedBy?: AgentRef;
  claimedAt?: number;
  firstAgentReplyAt?: number;
  /** How this escalation ended. */
  outcome?: "resolved" | "returned_to_bot" | "transferred" | "abandoned";
  endedAt?: number;
  /** Set on the escalation created by a transfer. */
  transferNote?: string;
  previousThread?: string;
  afterHours?: boolean;
  /** Nobody on the rota was available when it was queued (mandatory escalations and the customer's own requests only). */
  nobodyAvailable?: boolean;
  /** The customer asked for a call back (CALLBACK): queued for it from the bot, or asked while waiting. */
  callback?: boolean;
  /** The agent who returned the customer to the assistant; absent when the customer went back with BOT. */
  returnedBy?: AgentRef;
  /** Claim timers (routing/claim-timers.ts): when each fired, so each fires once, across restarts. */
  pingedAt?: number;
  overflowedAt?: number;
  lastCustomerUpdateAt?: number;
  nudgedAt?: number;
  /** "Still waiting" updates the customer has had (capped by routing/claim-timers.ts MAX_CUSTOMER_UPDATES). */
  customerUpdatesSent?: number;
  /**
   * When a message the customer sent while waiting was last answered with "got it" (messages.stillQueued):
   * at most one per policy.stillQueuedEveryMinutes, across restarts and instances.
   */
  acknowledgedAt?: number;
  /** Slack was unreachable past fallback.afterMinutes: the case opened through the other route (src/engine/fallback.ts). */
  fallbackCase?: FallbackCase;
}

/** A case opened outside the workspace, once per escalation across restarts and instances (each step is a compare-and-set). */
export interface FallbackCase {
  /** "WL-7K3M9Q2X", derived from the escalation id: every attempt and every instance uses the same. */
  number: string;
  /** Since when no card has been posted for the customer's wait (the first of any overflow transfers meanwhile). */
  waitingSince: number;
  /** When the latest attempt to open it started; an unfinished attempt is retried after a while. */
  attemptedAt: number;
  /** When a route took it and the customer was told. */
  openedAt?: number;
  /** The routes that took it ("e-mail", "webhook"). */
  routes?: string[];
  /** The receiving system's own id, when it gave one. */
  externalId?: string;
  /** When the parked card was last put back in line, to be posted once Slack answers again. */
  cardRetriedAt?: number;
  /** When the card was found posted and marked late in its thread. */
  cardPostedAt?: number;
}

/** What a customer message can signal, in any language (the keys of data/languages/<code>/signals.json). */
export const SIGNAL_CATEGORIES = [
  "human_request",
  "cancellation",
  "complaint",
  "insult",
  "fraud",
  "legal",
  "money_not_credited",
  "charged_twice",
] as const;
export type SignalCategory = (typeof SIGNAL_CATEGORIES)[number];
