import type { Conversation, TranscriptEntry } from "../domain/conversation.js";
import type { ContextPackage } from "../domain/context-package.js";
import type { Escalation } from "../domain/escalation.js";
import { maskPhoneNumber, maskPii, type MaskOptions } from "../domain/pii.js";

/** How many recent customer messages the card shows; the thread has them all. */
export const KEY_MESSAGE_COUNT = 4;

/** What the customer wants, per intent, as the end of "The customer wants to …". */
const INTENT_GOALS: Record<string, string> = {
  cancel_order: "cancel an order",
  change_order: "change an order",
  change_shipping_address: "change their shipping address",
  check_cancellation_fee: "know the cancellation fee",
  check_invoice: "check an invoice",
  check_payment_methods: "know which payment methods are accepted",
  check_refund_policy: "understand the refund policy",
  complaint: "make a complaint",
  contact_customer_service: "reach customer service",
  contact_human_agent: "talk to a person",
  create_account: "create an account",
  delete_account: "delete their account",
  delivery_options: "know the delivery options",
  delivery_period: "know when their delivery will arrive",
  edit_account: "update their account details",
  get_invoice: "get an invoice",
  get_refund: "get a refund",
  newsletter_subscription: "manage their newsletter subscription",
  payment_issue: "sort out a payment problem",
  place_order: "place an order",
  recover_password: "recover their password",
  registration_problems: "fix a sign-up problem",
  review: "leave feedback",
  set_up_shipping_address: "set up a shipping address",
  switch_account: "switch accounts",
  track_order: "know where their order is",
  track_refund: "know where their refund is",
};

/** What the agent should do first, per escalation reason, with intent-specific overrides. */
const NEXT_STEP_BY_INTENT: Record<string, string> = {
  cancel_order: "Confirm which order, ask what made them want to cancel, and offer an alternative before cancelling.",
  delete_account: "Confirm their identity, ask why they are leaving, then explain what deletion removes.",
  payment_issue: "Check the payment in the billing system and tell them whether they were charged.",
  get_refund: "Check the order against the refund policy and tell them the outcome and timing.",
  complaint: "Acknowledge the problem, apologise, and agree on a concrete fix.",
};

const NEXT_STEP_BY_REASON: Record<Escalation["reason"], string> = {
  explicit_request: "Greet them, confirm what they need from the summary, and take it from there.",
  always_human: "Read the key messages first: this topic needs a person's judgement.",
  priority_intent: "Confirm the request from the summary and handle it directly.",
  low_confidence: "The assistant could not tell what they need: confirm it in one question.",
  repeated_failure: "They asked several times without a useful answer: answer the repeated question first.",
  negative_sentiment: "They are upset: acknowledge that before anything else.",
  money_threshold: "Review the amount against the policy and approve or decline the refund.",
  policy_exception: "Decide whether to grant an exception to the policy and explain why.",
  tool_failure: "Our order system failed for the assistant: look the order up yourself.",
  conversation_length: "The chat ran long with the assistant: summarise where it stands and resolve it.",
};

function goalFor(intent: string | undefined): string {
  return (intent && INTENT_GOALS[intent]) || "get help";
}

function firstSentence(text: string): string {
  const lower = text.charAt(0).toLowerCase() + text.slice(1);
  return lower.replace(/[.!?]+$/, "");
}

/** The intent the conversation is about: the last confident customer intent that is not small talk. */
export function mainIntent(conversation: Conversation): string | undefined {
  const intents = conversation.transcript
    .filter((e) => e.author === "customer" && e.intent && !["none", "greeting", "thanks"].includes(e.intent))
    .map((e) => e.intent as string);
  const specific = intents.filter((i) => i !== "contact_human_agent" && i !== "contact_customer_service");
  return specific.at(-1) ?? intents.at(-1);
}

function orderNumberOf(conversation: Conversation): string | undefined {
  for (const entry of [...conversation.transcript].reverse()) {
    const match = entry.author === "customer" ? /(?:#|\border\s*(?:number|no\.?|#)?\s*)([A-Z0-9-]{4,})/i.exec(entry.text) ?? /\b(\d{5,})\b/.exec(entry.text) : null;
    if (match?.[1]) return match[1];
  }
  return undefined;
}

function sentimentLabel(score: number): ContextPackage["sentiment"]["label"] {
  if (score <= -0.25) return "negative";
  if (score >= 0.25) return "positive";
  return "neutral";
}

function authorLabel(entry: TranscriptEntry, customerName: string): string {
  switch (entry.author) {
    case "customer":
      return customerName;
    case "bot":
      return "Assistant";
    case "agent":
      return entry.internal ? `${entry.agentName ?? "Agent"} (internal note)` : (entry.agentName ?? "Agent");
    case "system":
      return "Warmline";
  }
}

export interface ContextPackageInput {
  conversation: Conversation;
  escalation: Escalation;
  claimWithinMinutes: number;
  mask: MaskOptions;
}

/**
 * Everything that leaves for the workspace is derived from this copy, so no field (summary, opening
 * line, transcript, tool results, explanation) can carry a card number, email or phone unmasked.
 */
function maskedForWorkspace(conversation: Conversation, escalation: Escalation, mask: MaskOptions): { conversation: Conversation; escalation: Escalation } {
  const safe = (text: string) => maskPii(text, mask);
  return {
    conversation: {
      ...conversation,
      transcript: conversation.transcript.map((entry) => ({
        ...entry,
        text: safe(entry.text),
        ...(entry.editedText !== undefined ? { editedText: safe(entry.editedText) } : {}),
        ...(entry.actions ? { actions: entry.actions.map((a) => ({ ...a, result: safe(a.result) })) } : {}),
      })),
    },
    escalation: { ...escalation, explanation: safe(escalation.explanation), ...(escalation.transferNote ? { transferNote: safe(escalation.transferNote) } : {}) },
  };
}

/** The escalation before this one in the conversation (a transfer, or one that ended with a return to the assistant). */
function previousOf(conversation: Conversation, escalation: Escalation): Pick<ContextPackage, "previous"> {
  const index = conversation.escalations.findIndex((e) => e.id === escalation.id);
  const before = index > 0 ? conversation.escalations[index - 1] : undefined;
  if (!before?.outcome) return {};
  return { previous: { team: before.team, outcome: before.outcome, ...(before.returnedBy ? { returnedBy: before.returnedBy } : {}), ...(before.endedAt !== undefined ? { endedAt: before.endedAt } : {}) } };
}

/** Builds the channel-independent package a human needs; every text in it is PII-masked. */
export function buildContextPackage(input: ContextPackageInput): ContextPackage {
  const { claimWithinMinutes, mask } = input;
  const { conversation, escalation } = maskedForWorkspace(input.conversation, input.escalation, mask);
  const name = conversation.customer.name?.trim() || "WhatsApp customer";
  const customerMessages = conversation.transcript.filter((e) => e.author === "customer");
  const intent = mainIntent(conversation);
  const orderNumber = orderNumberOf(conversation);
  const goal = goalFor(intent) + (orderNumber ? ` (order ${orderNumber})` : "");

  const botActions = conversation.transcript.flatMap((e) => e.actions ?? []);
  const botTurns = conversation.transcript.filter((e) => e.author === "bot").length;
  const tried =
    botActions.length > 0
      ? `The assistant tried ${botActions.map((a) => `${a.action.replace(/_/g, " ")} (${a.failed ? "failed" : a.ok ? "ok" : "no"})`).join(", ")} and handed over because ${firstSentence(escalation.explanation)}.`
      : botTurns > 0
        ? `The assistant answered ${botTurns} message${botTurns === 1 ? "" : "s"} and handed over because ${firstSentence(escalation.explanation)}.`
        : `The assistant handed over straight away because ${firstSentence(escalation.explanation)}.`;
  const summary = `${name} wants to ${goal}. ${tried}`;

  const recentScores = customerMessages.slice(-3).map((e) => e.sentiment ?? 0);
  const score = recentScores.length ? recentScores.reduce((a, b) => a + b, 0) / recentScores.length : 0;
  const label = sentimentLabel(score);
  const urgency: ContextPackage["urgency"] =
    escalation.priority === "urgent" || score <= -0.6 ? "high" : escalation.priority === "high" || label === "negative" ? "medium" : "low";

  const nextStep = (intent && NEXT_STEP_BY_INTENT[intent]) || NEXT_STEP_BY_REASON[escalation.reason];
  const firstName = conversation.customer.name?.trim().split(/\s+/)[0];
  const suggestedOpening = `Hi${firstName ? ` ${firstName}` : ""}, thanks for waiting. I can see you'd like to ${goal}, and I've read what you told the assistant, so I'll take it from here.`;

  return {
    conversationId: conversation.id,
    customer: {
      name,
      maskedPhone: conversation.customer.phone ? maskPhoneNumber(conversation.customer.phone) : "unknown",
      tier: conversation.customer.tier,
      pastConversations: conversation.customer.pastConversations,
    },
    escalation,
    ...previousOf(input.conversation, input.escalation),
    summary,
    keyMessages: customerMessages.slice(-KEY_MESSAGE_COUNT).map((e) => ({ text: e.editedText ?? e.text, at: e.at })),
    intents: [...new Set(customerMessages.map((e) => e.intent).filter((i): i is string => !!i && i !== "none"))],
    sentiment: { score: Math.round(score * 100) / 100, label },
    urgency,
    botActions,
    suggestedNextStep: nextStep,
    suggestedOpening,
    waitingSince: escalation.createdAt,
    claimDeadline: escalation.createdAt + claimWithinMinutes * 60_000,
    transcript: conversation.transcript.map((e) => ({
      author: authorLabel(e, name),
      text: e.editedText ?? e.text,
      at: e.at,
    })),
  };
}
