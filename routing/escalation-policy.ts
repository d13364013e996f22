import type { AttemptedAction, ExtractedEntities, ModelJudgement } from "../src/ports/assistant.js";
import type { CustomerTier } from "../src/domain/conversation.js";
import { type DecisionSource, ESCALATION_REASONS, type EscalationReason, type Priority } from "../src/domain/escalation.js";
import type { KeywordsConfig, PolicyConfig, RoutingConfig } from "../src/config/schema.js";
import { matchAlwaysHumanTopic } from "./always-human-topics.js";
import { matchControlKeyword } from "./customer-keywords.js";
import { isSignalVocabulary, mentionsContact, readSignals, type SignalMatch } from "./escalation-signals.js";
import { formatMoney, isRefundRequest } from "./money.js";
import { detectNegativeSentiment } from "./negative-sentiment.js";
import { detectNoise, type NoiseKind } from "./noise.js";
import type { SignalLexicon } from "./signal-lexicon.js";
import { routeTeam } from "./team-routing.js";
import { countRepeats } from "./text-similarity.js";

/** Everything the policy looks at for one customer turn. */
export interface PolicySignals {
  /** The current customer message. */
  text: string;
  isFirstMessage: boolean;
  intent: string;
  /** 0..1 */
  confidence: number;
  /** -1..1, from the assistant. */
  sentiment: number;
  entities: ExtractedEntities;
  /** This turn's tool results. */
  actions: AttemptedAction[];
  /** Earlier customer messages of this conversation, oldest first. */
  previousCustomerTexts: string[];
  /** Consecutive misses before this message. */
  botMisses: number;
  /** Consecutive tool failures before this message. */
  toolFailures: number;
  /** Customer turns so far, including this one. */
  customerTurns: number;
  /** Reasons the customer already declined. */
  declinedReasons: string[];
  tier: CustomerTier;
  /** A model's judgement of the turn (assistant.kind "openai-compatible"): weighed only when no rule fires. */
  judgement?: Pick<ModelJudgement, "decision" | "reason">;
}

export interface PolicyDecision {
  escalate: boolean;
  reason: EscalationReason | null;
  /** One specific sentence for the card; empty when nothing fired. */
  explanation: string;
  /** Where it goes, or would go. */
  team: string;
  priority: Priority;
  mandatory: boolean;
  /** Ask a clarifying question instead of answering. */
  clarify: boolean;
  /** This turn counts as a bot miss. */
  miss: boolean;
  /** Who decided to escalate: a rule, or (when none fired) the model's judgement. Absent when nothing fired. */
  decidedBy?: DecisionSource;
}

export interface PolicyConfigs {
  policy: PolicyConfig;
  routing: RoutingConfig;
  /** Every language's escalation signals, compiled once (src/languages/signal-lexicons.ts loadSignalLexicon). */
  lexicon: SignalLexicon;
  /** Control words: CANCEL, BOT… typed alone are commands, never a one-word signal (HUMAN alone is a request). */
  keywords?: KeywordsConfig;
}

const VIP_MIN_PRIORITY: Priority = "high";
const PRIORITY_RANK: Record<Priority, number> = { normal: 0, high: 1, urgent: 2 };
const QUOTE_LIMIT = 60;

interface TurnFacts {
  signals: PolicySignals;
  policy: PolicyConfig;
  noise: NoiseKind | undefined;
  /** The assistant is sure enough to act on its intent (never for noise). */
  confident: boolean;
  miss: boolean;
  /** Escalation signals found in the text, in category order. */
  matched: SignalMatch[];
  /** Categories the customer mentions only to deny them ("don't cancel, just asking"). */
  denied: readonly string[];
  lexicon: SignalLexicon;
  /** Control words: CANCEL, BOT… typed alone are commands, never a one-word signal (HUMAN alone is a request). */
  keywords?: KeywordsConfig;
}

type ReasonCheck = (facts: TurnFacts) => string | undefined;

function quote(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return `"${flat.length > QUOTE_LIMIT ? `${flat.slice(0, QUOTE_LIMIT - 1)}…` : flat}"`;
}

function humanise(name: string): string {
  return name.replace(/_/g, " ");
}

const checkExplicitRequest: ReasonCheck = ({ signals, policy, confident, lexicon }) => {
  // The intent alone is not enough: "I want to know about offers" can score as a request for a person.
  if (confident && policy.humanRequestIntents.includes(signals.intent) && mentionsContact(signals.text, lexicon)) {
    return `Customer asked for a person (read as ${humanise(signals.intent)}): ${quote(signals.text)}.`;
  }
  return undefined;
};

const checkAlwaysHuman: ReasonCheck = ({ signals, policy, confident, denied }) => {
  const topic = matchAlwaysHumanTopic(signals.text, policy.alwaysHumanTopics);
  // A topic named like a signal category ("legal", "complaint") is silent when the customer denies it.
  if (topic && !denied.includes(topic.topic))
    return `Customer raised a ${humanise(topic.topic)} matter ("${topic.phrase}"), which always goes to a person.`;
  if (confident && policy.alwaysHumanIntents.includes(signals.intent)) {
    return `Customer wants to make a ${humanise(signals.intent)}, which always goes to a person.`;
  }
  return undefined;
};

const checkMoneyThreshold: ReasonCheck = ({ signals, policy }) => {
  const { amount } = signals.entities;
  if (amount === undefined || amount <= policy.refundLimit || !isRefundRequest(signals.intent, signals.text, policy)) return undefined;
  // The limit is about money the bot would pay out: only once an order is identified (the bot asks
  // for one first) does a refund above the limit need a person.
  const orderKnown = signals.entities.orderNumber !== undefined || signals.actions.some((a) => a.action === "refund_policy_check");
  if (!orderKnown) return undefined;
  const currency = signals.entities.currency ?? policy.currency;
  return `Customer asks for a ${formatMoney(amount, currency)} refund, above the assistant's ${formatMoney(policy.refundLimit, policy.currency)} limit.`;
};

const checkPolicyException: ReasonCheck = ({ signals }) => {
  const refused = signals.actions.find((action) => action.action === "refund_policy_check" && !action.ok && action.failed !== true);
  if (!refused) return undefined;
  return `The refund policy check said no (${refused.result}), so the customer needs an exception only a person can grant.`;
};

/** Readable goals for the default priority intents; other intents fall back to their name. */
const PRIORITY_INTENT_GOALS: Record<string, string> = {
  cancel_order: "cancel an order",
  delete_account: "delete their account",
  payment_issue: "sort out a payment problem",
};

const checkPriorityIntent: ReasonCheck = ({ signals, policy, confident }) => {
  if (!confident || !policy.priorityIntents.includes(signals.intent)) return undefined;
  return `Customer wants to ${PRIORITY_INTENT_GOALS[signals.intent] ?? humanise(signals.intent)}, which a person handles first.`;
};

const checkNegativeSentiment: ReasonCheck = ({ signals, policy }) =>
  detectNegativeSentiment({
    text: signals.text,
    sentiment: signals.sentiment,
    previousCustomerTexts: signals.previousCustomerTexts,
    threshold: policy.negativeSentimentThreshold,
  });

const checkToolFailure: ReasonCheck = ({ signals, policy }) => {
  const failed = signals.actions.find((action) => action.failed === true);
  if (!failed) return undefined;
  const failures = signals.toolFailures + 1;
  if (failures < policy.toolFailuresBeforeEscalation) return undefined;
  return `The assistant's ${humanise(failed.action)} failed ${failures} times in a row (${failed.result}).`;
};

const checkRepeatedFailure: ReasonCheck = ({ signals, policy, noise }) => {
  if (noise !== undefined) return undefined;
  const times = countRepeats(signals.text, signals.previousCustomerTexts, policy.repeatSimilarity);
  if (times < policy.repeatsBeforeEscalation) return undefined;
  return `Customer has asked for the same thing ${times} times without getting it, most recently ${quote(signals.text)}.`;
};

const NOISE_DESCRIPTIONS: Record<NoiseKind, string> = {
  empty: "an empty message",
  emoji_only: "only emoji",
  gibberish: "text the assistant can't read",
  one_word: "a single word",
};

const checkLowConfidence: ReasonCheck = ({ signals, policy, noise, miss }) => {
  if (!miss) return undefined;
  const misses = signals.botMisses + 1;
  if (misses < policy.missesBeforeEscalation) return undefined;
  const latest =
    noise !== undefined ? `sent ${NOISE_DESCRIPTIONS[noise]}` : `was understood with ${Math.round(signals.confidence * 100)}% confidence`;
  return `The assistant missed ${misses} times in a row; the latest message ${latest}.`;
};

const checkConversationLength: ReasonCheck = ({ signals, policy }) => {
  if (signals.customerTurns < policy.maxBotTurns) return undefined;
  return `Customer has sent ${signals.customerTurns} messages without the assistant wrapping up.`;
};

/** Precedence order: the first reason that fires wins. */
const REASON_CHECKS: readonly (readonly [EscalationReason, ReasonCheck])[] = [
  ["explicit_request", checkExplicitRequest],
  ["always_human", checkAlwaysHuman],
  ["money_threshold", checkMoneyThreshold],
  ["policy_exception", checkPolicyException],
  ["priority_intent", checkPriorityIntent],
  ["negative_sentiment", checkNegativeSentiment],
  ["tool_failure", checkToolFailure],
  ["repeated_failure", checkRepeatedFailure],
  ["low_confidence", checkLowConfidence],
  ["conversation_length", checkConversationLength],
];

/** How urgent an escalation for `reason` is; VIPs get at least high. */
export function priorityFor(reason: EscalationReason | null, tier: CustomerTier, policy: PolicyConfig): Priority {
  const base = (reason !== null ? policy.priorityByReason[reason] : undefined) ?? "normal";
  if (tier === "vip" && PRIORITY_RANK[base] < PRIORITY_RANK[VIP_MIN_PRIORITY]) return VIP_MIN_PRIORITY;
  return base;
}

/**
 * Signals for the first message of a new conversation (triage, evaluation): nothing tried yet,
 * no history, no misses. `classified` is what the assistant made of the text.
 */
export function firstMessageSignals(
  text: string,
  classified: Pick<PolicySignals, "intent" | "confidence" | "sentiment" | "entities" | "judgement">,
  tier: PolicySignals["tier"] = "standard",
): PolicySignals {
  return {
    text,
    isFirstMessage: true,
    ...classified,
    actions: [],
    previousCustomerTexts: [],
    botMisses: 0,
    toolFailures: 0,
    customerTurns: 1,
    declinedReasons: [],
    tier,
  };
}

interface SignalFiring {
  explanation: string;
  /** The intent to route on, when the signal names one (money lost → billing, whatever the assistant guessed). */
  routeIntent?: string;
}

/** A signal found in the text that raises `reason` (config policy.signalActions), unless the assistant confidently knows better. */
function signalFor(reason: EscalationReason, facts: TurnFacts): SignalFiring | undefined {
  const { policy, signals, confident } = facts;
  for (const match of facts.matched) {
    const action = policy.signalActions[match.category];
    if (action?.reason !== reason) continue;
    if (confident && action.unlessIntents.includes(signals.intent)) continue;
    // "Close my account" read as delete_account keeps its own routing; "balance deducted" read as delete_account does not.
    const keepsIntent = confident && action.compatibleIntents.includes(signals.intent);
    return {
      explanation: `Customer ${action.describe}: ${quote(match.phrase)}.`,
      ...(action.intent !== undefined && !keepsIntent ? { routeIntent: action.intent } : {}),
    };
  }
  return undefined;
}

/**
 * A model's call to escalate, weighed when no rule fired: one of the policy's reasons (whatever else
 * the model wrote is ignored), quiet when the customer declined that reason (asking for a person
 * again is a new request, as for the rules).
 */
function modelEscalation(signals: PolicySignals): { reason: EscalationReason; explanation: string } | undefined {
  const judged = signals.judgement;
  if (judged?.decision !== "escalate" || judged.reason === null) return undefined;
  const reason = ESCALATION_REASONS.find((known) => known === judged.reason);
  if (reason === undefined) return undefined;
  if (reason !== "explicit_request" && signals.declinedReasons.includes(reason)) return undefined;
  return {
    reason,
    explanation: `The assistant's model judged that a person should take over (${humanise(reason)}): ${quote(signals.text)}.`,
  };
}

/**
 * Decides, for one customer turn, whether a person should take over, why, where, and how urgently.
 * The rules come first and always stand; a model's judgement can only add an escalation when none
 * fired, and never a mandatory one: the customer may decline it (BOT).
 */
export function decideEscalation(signals: PolicySignals, config: PolicyConfigs): PolicyDecision {
  const { policy, routing } = config;
  const noise = detectNoise(signals.text);
  const miss = noise !== undefined || signals.confidence < policy.confidenceThreshold;
  // A one-word message ("representative", "fraud") is noise to the assistant but can still be a signal.
  // One pass over the words: what the message signals, and what it mentions only to deny.
  const { matches: matched, denied } = readSignals(signals.text, config.lexicon);
  // A one-word message is noise, unless it is a signal word the assistant reads the same way ("Cancel", "Agent").
  const trustedWord =
    noise === "one_word" &&
    signals.confidence >= policy.confidenceThreshold &&
    isSignalVocabulary(signals.text, config.lexicon) &&
    (config.keywords === undefined || (matchControlKeyword(signals.text, config.keywords) ?? "human") === "human");
  // "Don't cancel, just asking when it comes": the assistant may read cancel_order, but the customer denied it.
  const deniedIntent = denied.some((category) => policy.signalActions[category]?.intent === signals.intent);
  const confident = (!miss || trustedWord) && !deniedIntent;
  const facts: TurnFacts = { signals, policy, noise, confident, miss, matched, denied, lexicon: config.lexicon };

  let fired: { reason: EscalationReason; explanation: string; routeIntent?: string } | undefined;
  for (const [reason, check] of REASON_CHECKS) {
    const mandatory = policy.mandatoryReasons.includes(reason);
    // A declined reason stays quiet, except the customer's own request: asking again is a new request.
    if (!mandatory && reason !== "explicit_request" && signals.declinedReasons.includes(reason)) continue;
    const signal = signalFor(reason, facts);
    if (signal) {
      fired = { reason, ...signal };
      break;
    }
    const explanation = check(facts);
    if (explanation !== undefined) {
      fired = { reason, explanation };
      break;
    }
  }

  let decidedBy: DecisionSource | undefined = fired ? "rule" : undefined;
  if (!fired) {
    fired = modelEscalation(signals);
    if (fired) decidedBy = "model";
  }

  const reason = fired?.reason ?? null;
  // Noise says nothing about the topic, so route on "unknown" rather than the assistant's guess.
  const intent = fired?.routeIntent ?? (noise === undefined || trustedWord ? signals.intent : "unknown");
  const team = routeTeam({ intent, reason, tier: signals.tier, text: signals.text }, routing);
  return {
    escalate: fired !== undefined,
    reason,
    explanation: fired?.explanation ?? "",
    team,
    priority: priorityFor(reason, signals.tier, policy),
    mandatory: decidedBy === "rule" && reason !== null && policy.mandatoryReasons.includes(reason),
    clarify: miss && fired === undefined,
    miss,
    ...(decidedBy ? { decidedBy } : {}),
  };
}
