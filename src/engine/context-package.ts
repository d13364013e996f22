import type { WarmlineConfig } from "../config/schema.js";
import type { Conversation, TranscriptEntry } from "../domain/conversation.js";
import type { ContextPackage } from "../domain/context-package.js";
import type { Escalation } from "../domain/escalation.js";
import { maskPhoneNumber, maskPii, type MaskOptions } from "../domain/pii.js";
import type { AttemptedAction } from "../ports/assistant.js";
import { matchAlwaysHumanTopic } from "../../routing/always-human-topics.js";

/** How many recent customer messages the card shows; the thread has them all. */
export const KEY_MESSAGE_COUNT = 4;

/** The intent lists the card reads (policy.smallTalkIntents, policy.humanRequestIntents), from the config. */
type IntentLists = Pick<WarmlineConfig["policy"], "smallTalkIntents" | "humanRequestIntents">;
/** The assistant's own "nothing recognised" says nothing about what the customer needs either. */
const NO_INTENT = "none";

/**
 * What the customer wants, per intent, as the end of "… wants to …" (card) or "you'd like to …"
 * (opening line): `{their}` becomes "their" or "your"; `withOrder` is used when an order number is known.
 */
const INTENT_GOALS: Record<string, { goal: string; withOrder?: string }> = {
  cancel_order: { goal: "cancel an order", withOrder: "cancel order {order}" },
  change_order: { goal: "change an order", withOrder: "change order {order}" },
  change_shipping_address: { goal: "change {their} shipping address", withOrder: "change the shipping address of order {order}" },
  check_cancellation_fee: { goal: "know the cancellation fee", withOrder: "know the cancellation fee for order {order}" },
  check_invoice: { goal: "check an invoice", withOrder: "check the invoice for order {order}" },
  check_payment_methods: { goal: "know which payment methods are accepted" },
  check_refund_policy: { goal: "understand the refund policy" },
  complaint: { goal: "make a complaint", withOrder: "make a complaint about order {order}" },
  contact_customer_service: { goal: "reach customer service" },
  contact_human_agent: { goal: "talk to a person" },
  create_account: { goal: "create an account" },
  delete_account: { goal: "delete {their} account" },
  delivery_options: { goal: "know the delivery options" },
  delivery_period: { goal: "know when {their} delivery will arrive", withOrder: "know when order {order} will arrive" },
  edit_account: { goal: "update {their} account details" },
  get_invoice: { goal: "get an invoice", withOrder: "get the invoice for order {order}" },
  get_refund: { goal: "get a refund", withOrder: "get a refund for order {order}" },
  newsletter_subscription: { goal: "manage {their} newsletter subscription" },
  payment_issue: { goal: "sort out a payment problem", withOrder: "sort out a payment problem with order {order}" },
  place_order: { goal: "place an order" },
  recover_password: { goal: "recover {their} password" },
  registration_problems: { goal: "fix a sign-up problem" },
  review: { goal: "leave feedback" },
  set_up_shipping_address: { goal: "set up a shipping address" },
  switch_account: { goal: "switch accounts" },
  track_order: { goal: "know where {their} order is", withOrder: "know where order {order} is" },
  track_refund: { goal: "know where {their} refund is", withOrder: "know where the refund for order {order} is" },
};

/** What the agent should do first, per intent, when the order is known (`{orderState}`: "Order 100311 is processing (…)."). */
const NEXT_STEP_WITH_ORDER: Record<string, string> = {
  cancel_order: "{orderState} Respond to the reason they gave, offer one alternative, then cancel if they still want to.",
  get_refund: "{orderState} Check it against the refund policy and tell them the outcome and timing.",
};

/** What the agent should do first, per intent, whatever the escalation reason. */
const NEXT_STEP_BY_INTENT: Record<string, string> = {
  cancel_order:
    "Ask which order (they haven't said), respond to the reason they gave, offer one alternative, then cancel if they still want to.",
  delete_account: "Confirm their identity, respond to the reason they gave for leaving, then explain what deletion removes.",
  payment_issue: "Check the payment in the billing system and tell them whether they were charged.",
  get_refund: "Check the order against the refund policy and tell them the outcome and timing.",
  complaint: "Acknowledge the problem, apologise, and agree on a concrete fix.",
};

/** What the agent should do first, per escalation reason, when the intent has nothing more specific. */
const NEXT_STEP_BY_REASON: Record<Escalation["reason"], string> = {
  explicit_request: "Read their last messages; if they haven't said what they need, ask one open question.",
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

/** How long a quote of the customer's own words may be in the summary; the card lists their messages in full. */
const STATED_QUOTE_LIMIT = 200;
/** Fewer words than this is a keyword, a yes or a greeting, not a reason. */
const STATED_MIN_WORDS = 3;

/** "cancel order 100311" (about the customer: `their`) or "delete your account" (to them: `your`). */
function goalFor(intent: string, orderNumber: string | undefined, their: "their" | "your"): string | undefined {
  const goal = INTENT_GOALS[intent];
  if (!goal) return undefined;
  const text = orderNumber && goal.withOrder ? goal.withOrder.replace("{order}", orderNumber) : goal.goal;
  return text.replace("{their}", their);
}

/** The intent the entries are about: the last customer intent, at or above `minConfidence`, that is not small talk (a request for a person only when nothing else is). */
function intentOf(entries: readonly TranscriptEntry[], minConfidence: number, lists: IntentLists): string | undefined {
  const intents = entries
    .filter(
      (e) =>
        e.author === "customer" &&
        e.intent &&
        e.intent !== NO_INTENT &&
        !lists.smallTalkIntents.includes(e.intent) &&
        (e.confidence ?? 1) >= minConfidence,
    )
    .map((e) => e.intent as string);
  return intents.filter((i) => !lists.humanRequestIntents.includes(i)).at(-1) ?? intents.at(-1);
}

/**
 * The intent the conversation is about: the last customer intent that is not small talk. With
 * `minConfidence` (policy.confidenceThreshold), the assistant's guesses below it do not count;
 * entries without a confidence count as sure.
 */
export function mainIntent(conversation: Conversation, minConfidence: number, lists: IntentLists): string | undefined {
  return intentOf(conversation.transcript, minConfidence, lists);
}

function orderNumberOf(conversation: Conversation): string | undefined {
  for (const entry of [...conversation.transcript].reverse()) {
    const match =
      entry.author === "customer"
        ? (/(?:#|\border\s*(?:number|no\.?|#)?\s*)([A-Z0-9-]{4,})/i.exec(entry.text) ?? /\b(\d{5,})\b/.exec(entry.text))
        : null;
    if (match?.[1]) return match[1];
  }
  return undefined;
}

/** The always-human topics (policy.alwaysHumanTopics) the customer's messages raise, in config order. */
function topicsRaised(messages: readonly TranscriptEntry[], topics: Readonly<Record<string, readonly string[]>>): string[] {
  return Object.entries(topics)
    .filter(([topic, phrases]) => {
      const one = { [topic]: phrases };
      return messages.some((m) => matchAlwaysHumanTopic(m.editedText ?? m.text, one) !== undefined);
    })
    .map(([topic]) => topic.replace(/_/g, " "));
}

/** "a", "b and c" */
function listed(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;
}

/** What the customer wants, as "<name> wants to …": the topic of an always-human escalation, else the intent the card goes by. */
function headlineOf(
  name: string,
  escalation: Escalation,
  topics: string[],
  intent: string | undefined,
  orderNumber: string | undefined,
): string {
  if (topics.length > 0) {
    const kind = listed(topics);
    return `${name} raised ${/^[aeiou]/i.test(kind) ? "an" : "a"} ${kind} matter`;
  }
  const goal = intent ? goalFor(intent, orderNumber, "their") : undefined;
  if (goal) return `${name} wants to ${goal}`;
  if (intent) return `${name} wants help with ${intent.replace(/_/g, " ")}`;
  if (escalation.reason === "always_human") return `${name} raised a matter that always goes to a person`;
  return escalation.callback ? `${name} asked for a call back` : `${name} needs help the assistant could not pin down`;
}

/** What the assistant tried, each distinct attempt once with what came of it. */
function triedSentence(actions: readonly AttemptedAction[], botTurns: number): string {
  const distinct = new Map<string, { action: AttemptedAction; times: number }>();
  for (const action of actions) {
    const key = `${action.action}\u0000${action.result}\u0000${action.failed === true}`;
    const seen = distinct.get(key);
    if (seen) seen.times++;
    else distinct.set(key, { action, times: 1 });
  }
  if (distinct.size > 0) {
    const parts = [...distinct.values()].map(({ action, times }) => {
      const repeat = times > 1 ? `${times} times` : "";
      const outcome = action.failed
        ? `failed${repeat ? ` ${repeat}` : ""}: ${action.result}`
        : `${repeat ? `${repeat}: ` : ""}${action.result}`;
      return `${action.action.replace(/_/g, " ")} (${outcome})`;
    });
    return `The assistant tried ${listed(parts)}.`;
  }
  if (botTurns > 0) return `The assistant answered ${botTurns} message${botTurns === 1 ? "" : "s"} and looked nothing up.`;
  return "The assistant handed over straight away.";
}

/** The customer's own words: their last message before the handover that says something (not a keyword, a yes or a greeting). */
function statedByCustomer(messages: readonly TranscriptEntry[], smallTalkIntents: readonly string[]): string | undefined {
  const said = messages
    .filter((m) => !m.deleted && !smallTalkIntents.includes(m.intent ?? ""))
    .map((m) => (m.editedText ?? m.text).replace(/\s+/g, " ").trim())
    .filter((text) => text.split(" ").length >= STATED_MIN_WORDS)
    .at(-1);
  if (said === undefined) return undefined;
  return said.length > STATED_QUOTE_LIMIT ? `${said.slice(0, STATED_QUOTE_LIMIT - 1).trimEnd()}…` : said;
}

/** "Order 100311 is processing (ETA 2026-11-26, 42.50 USD)." from the assistant's lookup of that order, else a request to look it up. */
function orderState(orderNumber: string, actions: readonly AttemptedAction[]): string {
  const lookup = actions.filter((a) => a.action === "order_lookup" && a.ok && a.result.includes(orderNumber)).at(-1);
  if (!lookup) return `Look up order ${orderNumber}.`;
  const parts = /^Order\s+(\S+):\s*([^,]+?)(?:,\s*(.+))?$/.exec(lookup.result);
  if (!parts) return `${lookup.result.replace(/[.\s]+$/, "")}.`;
  return `Order ${parts[1]} is ${parts[2]}${parts[3] ? ` (${parts[3]})` : ""}.`;
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
  /**
   * The part of the config's policy the card reads: below confidenceThreshold an intent is a guess
   * and the card does not claim it. An always-human escalation is described by its alwaysHumanTopics,
   * or by an intent only if it is one of alwaysHumanIntents: whatever else the customer asked is not
   * why a person is needed.
   */
  policy: Pick<WarmlineConfig["policy"], "confidenceThreshold" | "alwaysHumanTopics" | "alwaysHumanIntents"> & IntentLists;
  /** Agents of the team who speak the customer's language (see routing/team-routing.ts agentsSpeaking). */
  speakersOfLanguage?: string[];
}

/** The language of each customer line that switches language: where the transcript says "(in Spanish)". */
function languageSwitches(transcript: readonly TranscriptEntry[]): Map<string, string> {
  const switches = new Map<string, string>();
  let current: string | undefined;
  for (const entry of transcript) {
    if (entry.author !== "customer" || !entry.language || entry.language.name === current) continue;
    current = entry.language.name;
    switches.set(entry.id, current);
  }
  return switches;
}

/**
 * Everything that leaves for the workspace is derived from this copy, so no field (summary, opening
 * line, transcript, tool results, explanation) can carry a card number, email or phone unmasked.
 */
function maskedForWorkspace(
  conversation: Conversation,
  escalation: Escalation,
  mask: MaskOptions,
): { conversation: Conversation; escalation: Escalation } {
  const safe = (text: string) => maskPii(text, mask);
  return {
    conversation: {
      ...conversation,
      // A display name can be a phone number or an address ("+33 6 12…", "ana@…"): it is shown on the card and every post.
      customer: { ...conversation.customer, ...(conversation.customer.name ? { name: safe(conversation.customer.name) } : {}) },
      transcript: conversation.transcript.map((entry) => ({
        ...entry,
        text: safe(entry.text),
        ...(entry.editedText !== undefined ? { editedText: safe(entry.editedText) } : {}),
        ...(entry.actions ? { actions: entry.actions.map((a) => ({ ...a, result: safe(a.result) })) } : {}),
      })),
    },
    escalation: {
      ...escalation,
      explanation: safe(escalation.explanation),
      ...(escalation.transferNote ? { transferNote: safe(escalation.transferNote) } : {}),
      ...(escalation.modelSummary
        ? {
            modelSummary: {
              ...escalation.modelSummary,
              wants: safe(escalation.modelSummary.wants),
              tried: safe(escalation.modelSummary.tried),
              nextStep: safe(escalation.modelSummary.nextStep),
            },
          }
        : {}),
    },
  };
}

/** The escalation before this one in the conversation (a transfer, or one that ended with a return to the assistant). */
function previousOf(conversation: Conversation, escalation: Escalation): Pick<ContextPackage, "previous"> {
  const index = conversation.escalations.findIndex((e) => e.id === escalation.id);
  const before = index > 0 ? conversation.escalations[index - 1] : undefined;
  if (!before?.outcome) return {};
  return {
    previous: {
      team: before.team,
      outcome: before.outcome,
      ...(before.returnedBy ? { returnedBy: before.returnedBy } : {}),
      ...(before.endedAt !== undefined ? { endedAt: before.endedAt } : {}),
    },
  };
}

/** Builds the channel-independent package a human needs; every text in it is PII-masked, and only a call back carries the raw phone. */
export function buildContextPackage(input: ContextPackageInput): ContextPackage {
  const { claimWithinMinutes, mask } = input;
  const { policy } = input;
  const { conversation, escalation } = maskedForWorkspace(input.conversation, input.escalation, mask);
  const name = conversation.customer.name?.trim() || "WhatsApp customer";
  const customerMessages = conversation.transcript.filter((e) => e.author === "customer");
  // What they told the assistant: the card is about the handover, the thread has what came after.
  const beforeHandover = customerMessages.filter((e) => e.at <= escalation.createdAt);
  const intent = intentOf(beforeHandover, policy.confidenceThreshold, policy);
  const orderNumber = orderNumberOf(conversation);
  const alwaysHuman = escalation.reason === "always_human";
  const topics = alwaysHuman ? topicsRaised(beforeHandover, policy.alwaysHumanTopics) : [];
  // The intent the card says they want, and builds its next step and opening line on.
  const goalIntent =
    !alwaysHuman || (topics.length === 0 && intent !== undefined && policy.alwaysHumanIntents.includes(intent)) ? intent : undefined;

  const botActions = conversation.transcript.flatMap((e) => e.actions ?? []);
  const botTurns = conversation.transcript.filter((e) => e.author === "bot").length;
  const headline = headlineOf(name, escalation, topics, goalIntent, orderNumber);
  const stated = statedByCustomer(beforeHandover, policy.smallTalkIntents);
  // With a model, its summary (in the agents' language) replaces the template's; the headline stays the rules' reading.
  const written = escalation.modelSummary;
  const summary = written
    ? `${written.wants.trim()} ${written.tried.trim()}`.trim()
    : [
        `${headline}.`,
        triedSentence(botActions, botTurns),
        stated ? `They said: "${stated}"${/[.!?…]$/.test(stated) ? "" : "."}` : undefined,
      ]
        .filter((part) => part !== undefined)
        .join(" ");

  const recentScores = customerMessages.slice(-3).map((e) => e.sentiment ?? 0);
  const score = recentScores.length ? recentScores.reduce((a, b) => a + b, 0) / recentScores.length : 0;

  const withOrder =
    goalIntent && orderNumber ? NEXT_STEP_WITH_ORDER[goalIntent]?.replace("{orderState}", orderState(orderNumber, botActions)) : undefined;
  const nextStep =
    written?.nextStep.trim() || withOrder || (goalIntent && NEXT_STEP_BY_INTENT[goalIntent]) || NEXT_STEP_BY_REASON[escalation.reason];
  const firstName = conversation.customer.name?.trim().split(/\s+/)[0];
  // Said to the customer: "your", never "their"; a request for a person is already being met.
  const yourGoal = goalIntent && !policy.humanRequestIntents.includes(goalIntent) ? goalFor(goalIntent, orderNumber, "your") : undefined;
  const suggestedOpening = `Hi${firstName ? ` ${firstName}` : ""}, thanks for waiting. ${yourGoal ? `I can see you'd like to ${yourGoal}, and I've` : "I've"} read everything you told our assistant, so you won't need to repeat anything.`;

  const rawPhone = input.conversation.customer.phone;
  const switches = languageSwitches(conversation.transcript);
  return {
    conversationId: conversation.id,
    customer: {
      name,
      maskedPhone: rawPhone ? maskPhoneNumber(rawPhone) : "unknown",
      ...(mask.region ? { region: mask.region } : {}),
      // Their own number, given to be called on: the only unmasked personal data in the package.
      ...(escalation.callback && rawPhone ? { callbackPhone: rawPhone } : {}),
      tier: conversation.customer.tier,
      pastConversations: conversation.customer.pastConversations,
      ...(conversation.language ? { language: conversation.language } : {}),
    },
    ...(input.speakersOfLanguage?.length ? { speakersOfLanguage: input.speakersOfLanguage } : {}),
    escalation,
    ...previousOf(input.conversation, input.escalation),
    ...(intent ? { intent } : {}),
    headline,
    summary,
    ...(written ? { summaryBy: "model" as const } : {}),
    keyMessages: customerMessages.slice(-KEY_MESSAGE_COUNT).map((e) => ({ text: e.editedText ?? e.text, at: e.at })),
    intents: [...new Set(customerMessages.map((e) => e.intent).filter((i): i is string => !!i && i !== "none"))],
    sentiment: { score: Math.round(score * 100) / 100, label: sentimentLabel(score) },
    botActions,
    suggestedNextStep: nextStep,
    suggestedOpening,
    waitingSince: escalation.createdAt,
    claimDeadline: escalation.createdAt + claimWithinMinutes * 60_000,
    transcript: conversation.transcript.map((e) => ({
      author: authorLabel(e, name),
      text: e.editedText ?? e.text,
      at: e.at,
      ...(switches.has(e.id) ? { language: switches.get(e.id) } : {}),
    })),
  };
}
