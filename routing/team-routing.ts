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

/** What routing reads of a team to match it to the customer's language (teams.<key> in the config). */
export interface TeamLanguages {
  languages?: readonly string[];
  rota?: readonly string[];
  rotaLanguages?: Readonly<Record<string, readonly string[]>>;
}

/**
 * The team for a customer writing `language` (an ISO 639-1 code; undefined while it is unknown):
 * the usual team when it serves that language, else the first of its alternates that does, else the
 * usual team. A team that lists no languages is not assumed to speak any in particular.
 */
export function preferTeamSpeaking(
  usual: string,
  language: string | undefined,
  teams: Readonly<Record<string, TeamLanguages>>,
  alternateTeams: Readonly<Record<string, readonly string[]>> = {},
): string {
  if (language === undefined || teams[usual]?.languages?.includes(language)) return usual;
  return (alternateTeams[usual] ?? []).find((team) => teams[team]?.languages?.includes(language)) ?? usual;
}

/** The team's agents who speak `language` (rotaLanguages), rota order first. */
export function agentsSpeaking(team: TeamLanguages | undefined, language: string | undefined): string[] {
  if (!team?.rotaLanguages || language === undefined) return [];
  const speakers = Object.entries(team.rotaLanguages)
    .filter(([, spoken]) => spoken.includes(language))
    .map(([agent]) => agent);
  const rota = team.rota ?? [];
  const rank = (agent: string) => (rota.includes(agent) ? rota.indexOf(agent) : rota.length);
  return speakers.sort((a, b) => rank(a) - rank(b));
}
