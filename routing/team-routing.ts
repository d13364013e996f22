import type { EscalationReason } from "../src/domain/escalation.js";
import type { CustomerTier } from "../src/domain/conversation.js";
import type { RoutingConfig } from "../src/config/schema.js";

export interface TeamRoutingInput {
  intent: string;
  reason: EscalationReason | null;
  tier: CustomerTier;
  /** The customer's message, for keyword rules. */
  text: string;
}

type RoutingRule = RoutingConfig["rules"][number];

/** A rule matches when every condition it gives holds; keyword is a case-insensitive substring. */
function ruleMatches(rule: RoutingRule, input: TeamRoutingInput): boolean {
  const { intent, reason, tier, keyword } = rule.when;
  if (intent !== undefined && intent !== input.intent) return false;
  if (reason !== undefined && reason !== input.reason) return false;
  if (tier !== undefined && tier !== input.tier) return false;
  if (keyword !== undefined && !input.text.toLowerCase().includes(keyword.toLowerCase())) return false;
  return true;
}

/** Which team gets the conversation: explicit rules, then the VIP lane, then the intent table, then the default. */
export function routeTeam(input: TeamRoutingInput, routing: RoutingConfig): string {
  const rule = routing.rules.find((candidate) => ruleMatches(candidate, input));
  if (rule) return rule.team;
  if (input.tier === "vip" && routing.vipTeam !== undefined) return routing.vipTeam;
  return routing.intentTeams[input.intent] ?? routing.defaultTeam;
}
