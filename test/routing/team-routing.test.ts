import { describe, expect, it } from "vitest";
import type { RoutingConfig } from "../../src/config/schema.js";
import { routeTeam } from "../../routing/team-routing.js";
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
