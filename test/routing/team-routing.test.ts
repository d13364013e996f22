import { describe, expect, it } from "vitest";
import type { RoutingConfig } from "../../src/config/schema.js";
import { agentsSpeaking, preferTeamSpeaking, routeTeam } from "../../routing/team-routing.js";
import { defaultConfig } from "./policy-driver.js";

const base = defaultConfig().routing;
const input = { intent: "track_order", reason: null, tier: "standard", text: "where is my order" } as const;

describe("routeTeam", () => {
  it("uses the intent table, then the default team", () => {
    expect(routeTeam({ ...input, intent: "get_refund" }, base)).toBe("billing");
    expect(routeTeam({ ...input, intent: "cancel_order" }, base)).toBe("retention");
    expect(routeTeam({ ...input, intent: "ask_weather" }, base)).toBe("support");
  });

  it("sends VIPs to the priority lane before the intent table", () => {
    expect(routeTeam({ ...input, intent: "get_refund", tier: "vip" }, base)).toBe("priority");
  });

  it("falls back to the intent table for VIPs when there is no VIP lane", () => {
    const { vipTeam: _vipTeam, ...withoutVip } = base;
    expect(routeTeam({ ...input, intent: "get_refund", tier: "vip" }, withoutVip)).toBe("billing");
  });

  it("applies the first rule whose conditions all hold, before the VIP lane", () => {
    const routing: RoutingConfig = {
      ...base,
      rules: [
        { when: { reason: "always_human", keyword: "LAWYER" }, team: "legal" },
        { when: { intent: "get_refund", tier: "vip" }, team: "vip-billing" },
        { when: { keyword: "wholesale" }, team: "sales" },
      ],
    };
    expect(routeTeam({ ...input, reason: "always_human", text: "my lawyer will call" }, routing)).toBe("legal");
    expect(routeTeam({ ...input, reason: "explicit_request", text: "my lawyer will call" }, routing)).toBe("support");
    expect(routeTeam({ ...input, intent: "get_refund", tier: "vip" }, routing)).toBe("vip-billing");
    expect(routeTeam({ ...input, tier: "vip", text: "Wholesale prices?" }, routing)).toBe("sales");
    expect(routeTeam({ ...input, intent: "get_refund" }, routing)).toBe("billing");
  });
});

describe("preferTeamSpeaking", () => {
  const teams = {
    retention: { languages: ["en"] },
    retention_latam: { languages: ["es", "pt"] },
    retention_de: { languages: ["de"] },
    billing: {},
  };
  const alternateTeams = { retention: ["retention_de", "retention_latam"], billing: ["retention_latam"] };

  it("sends a customer to the alternate that speaks their language for the same need", () => {
    expect(preferTeamSpeaking("retention", "pt", teams, alternateTeams)).toBe("retention_latam");
    expect(preferTeamSpeaking("retention", "de", teams, alternateTeams)).toBe("retention_de");
  });

  it("keeps the usual team when it speaks the language, nobody else does, or the language is unknown", () => {
    expect(preferTeamSpeaking("retention", "en", teams, alternateTeams)).toBe("retention");
    expect(preferTeamSpeaking("retention", "ja", teams, alternateTeams)).toBe("retention");
    expect(preferTeamSpeaking("retention", undefined, teams, alternateTeams)).toBe("retention");
    expect(preferTeamSpeaking("support", "es", teams, alternateTeams)).toBe("support");
  });

  it("prefers an alternate that lists the language over a usual team that lists none", () => {
    expect(preferTeamSpeaking("billing", "es", teams, alternateTeams)).toBe("retention_latam");
    expect(preferTeamSpeaking("billing", "es", teams)).toBe("billing");
  });
});

describe("agentsSpeaking", () => {
  it("lists the rota members who speak the language, in rota order", () => {
    const team = {
      rota: ["U0000001", "U0000002", "U0000003"],
      rotaLanguages: { U0000003: ["pt", "es"], U0000001: ["pt"], U0000002: ["fr"] },
    };
    expect(agentsSpeaking(team, "pt")).toEqual(["U0000001", "U0000003"]);
    expect(agentsSpeaking(team, "ja")).toEqual([]);
    expect(agentsSpeaking(team, undefined)).toEqual([]);
    expect(agentsSpeaking({}, "pt")).toEqual([]);
  });
});
