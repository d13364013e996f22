import { readFileSync } from "node:fs";
import { checkedConfigSchema, type WarmlineConfig } from "../../src/config/schema.js";
import { decideEscalation, type PolicyConfigs, type PolicyDecision, type PolicySignals } from "../../routing/escalation-policy.js";
import { loadSignalLexicon } from "../../src/languages/signal-lexicons.js";

/** The shipped defaults, validated by the real schema, so tests follow warmline.config.json. */
export function defaultConfig(): WarmlineConfig {
  const raw: unknown = JSON.parse(readFileSync(new URL("../../warmline.config.json", import.meta.url), "utf8"));
  return checkedConfigSchema.parse(raw);
}

/** The policy's inputs for a config: its policy and routing, and the shipped signals plus its own phrases. */
export function policyConfigs(config: WarmlineConfig): PolicyConfigs {
  return { policy: config.policy, routing: config.routing, keywords: config.keywords, lexicon: loadSignalLexicon(config.policy) };
}

/** What the assistant made of one customer message; anything left out is a confident, neutral answer. */
export type Turn = { text: string } & Partial<
  Omit<PolicySignals, "text" | "previousCustomerTexts" | "botMisses" | "toolFailures" | "customerTurns" | "isFirstMessage">
>;

export interface ConversationOptions {
  config?: WarmlineConfig;
  tier?: PolicySignals["tier"];
  declinedReasons?: string[];
}

/**
 * Plays a conversation through the policy the way the engine does: it carries earlier customer
 * messages, consecutive misses and consecutive tool failures from turn to turn, and stops at
 * the first escalation. Returns every turn's decision.
 */
export function playConversation(turns: readonly Turn[], options: ConversationOptions = {}): PolicyDecision[] {
  const config = options.config ?? defaultConfig();
  const decisions: PolicyDecision[] = [];
  const previous: string[] = [];
  let botMisses = 0;
  let toolFailures = 0;
  for (const [index, turn] of turns.entries()) {
    const signals: PolicySignals = {
      intent: "track_order",
      confidence: 0.9,
      sentiment: 0,
      entities: {},
      actions: [],
      tier: options.tier ?? "standard",
      declinedReasons: options.declinedReasons ?? [],
      ...turn,
      isFirstMessage: index === 0,
      previousCustomerTexts: [...previous],
      botMisses,
      toolFailures,
      customerTurns: index + 1,
    };
    const decision = decideEscalation(signals, policyConfigs(config));
    decisions.push(decision);
    if (decision.escalate) break;
    previous.push(turn.text);
    botMisses = decision.miss ? botMisses + 1 : 0;
    toolFailures = signals.actions.some((action) => action.failed === true) ? toolFailures + 1 : 0;
  }
  return decisions;
}

/** The last decision of a conversation: the escalation, or the final bot answer. */
export function finalDecision(turns: readonly Turn[], options?: ConversationOptions): PolicyDecision {
  return playConversation(turns, options).at(-1)!;
}
