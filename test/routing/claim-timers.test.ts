import { describe, expect, it } from "vitest";
import type { BusinessHoursConfig, TeamConfig } from "../../src/config/schema.js";
import {
  acknowledgementDue,
  availability,
  CUSTOMER_UPDATE_EVERY_MINUTES,
  dueClaimActions,
  estimateWaitMinutes,
  nextClaimTimerAt,
  MAX_CUSTOMER_UPDATES,
  NUDGE_ASSIGNEE_AFTER_MINUTES,
  pingTargets,
  type ClaimTimerInput,
} from "../../routing/claim-timers.js";
import { defaultConfig } from "./policy-driver.js";

const MINUTE = 60_000;
const teams = defaultConfig().teams;
const support = teams.support as TeamConfig; // 10 min, no overflow
const retention = teams.retention as TeamConfig; // 5 min, overflows to support
const T0 = Date.parse("2025-01-06T10:00:00Z");
const after = (minutes: number) => T0 + minutes * MINUTE;
const kinds = (input: ClaimTimerInput) => dueClaimActions(input).map((action) => action.kind);

describe("unclaimed escalations", () => {
  it("has nothing due before the first update, and says when that is", () => {
    const input = { createdAt: T0, team: support, now: after(1) };
    expect(dueClaimActions(input)).toEqual([]);
    expect(nextClaimTimerAt(input)).toBe(after(CUSTOMER_UPDATE_EVERY_MINUTES));
  });

  it("updates the customer every few minutes while unclaimed", () => {
    expect(kinds({ createdAt: T0, team: support, now: after(CUSTOMER_UPDATE_EVERY_MINUTES) })).toEqual(["customer_update"]);
    const updated = { createdAt: T0, lastCustomerUpdateAt: after(5), team: support };
    expect(kinds({ ...updated, now: after(7) })).toEqual([]);
    expect(nextClaimTimerAt({ ...updated, now: after(7) })).toBe(after(10));
  });

  it("pings the rota once when the claim deadline passes", () => {
    const base = { createdAt: T0, lastCustomerUpdateAt: after(10), team: support };
    expect(kinds({ ...base, now: after(9) })).toEqual([]);
    expect(kinds({ ...base, now: after(10) })).toEqual(["ping_rota"]);
    expect(kinds({ ...base, pingedAt: after(10), now: after(12) })).toEqual([]);
  });

  it("overflows once at twice the deadline when the team has an overflow team", () => {
    const base = { createdAt: T0, pingedAt: after(5), lastCustomerUpdateAt: after(10), team: retention };
    expect(kinds({ ...base, now: after(9) })).toEqual([]);
    expect(dueClaimActions({ ...base, now: after(10) })).toEqual([{ kind: "overflow", toTeam: "support", dueAt: after(10) }]);
    expect(kinds({ ...base, overflowedAt: after(10), now: after(11) })).toEqual([]);
  });

  it("never overflows a team without an overflow team", () => {
    const input = { createdAt: T0, pingedAt: after(10), lastCustomerUpdateAt: after(60), team: support, now: after(61) };
    expect(kinds(input)).toEqual([]);
  });

  it("reports everything overdue after a long pause, in order", () => {
    expect(kinds({ createdAt: T0, team: retention, now: after(30) })).toEqual(["ping_rota", "overflow", "customer_update"]);
  });
});

describe("claimed escalations", () => {
  const claimed = { createdAt: T0, claimedAt: after(3), team: support };

  it("stops pinging, overflowing and updating once claimed", () => {
    const input = { ...claimed, now: after(60) };
    expect(dueClaimActions(input)).toEqual([]);
    expect(nextClaimTimerAt(input)).toBeUndefined();
  });

  it("nudges the assignee once when the customer's message goes unanswered", () => {
    const waiting = { ...claimed, lastAgentMessageAt: after(4), lastCustomerMessageAt: after(6) };
    expect(kinds({ ...waiting, now: after(6 + NUDGE_ASSIGNEE_AFTER_MINUTES) - 1 })).toEqual([]);
    expect(nextClaimTimerAt({ ...waiting, now: after(7) })).toBe(after(6 + NUDGE_ASSIGNEE_AFTER_MINUTES));
    expect(kinds({ ...waiting, now: after(6 + NUDGE_ASSIGNEE_AFTER_MINUTES) })).toEqual(["nudge_assignee"]);
    expect(kinds({ ...waiting, nudgedAt: after(11), now: after(30) })).toEqual([]);
  });

  it("nudges again for a new customer message after the nudge", () => {
    const input = { ...claimed, lastAgentMessageAt: after(4), lastCustomerMessageAt: after(20), nudgedAt: after(11), now: after(25) };
    expect(kinds(input)).toEqual(["nudge_assignee"]);
  });

  it("does not nudge once the agent has answered", () => {
    const input = { ...claimed, lastCustomerMessageAt: after(6), lastAgentMessageAt: after(8), now: after(30) };
    expect(kinds(input)).toEqual([]);
  });

  it("counts a message sent before the claim from the moment of the claim", () => {
    const input = { createdAt: T0, claimedAt: after(8), lastCustomerMessageAt: after(1), team: support };
    expect(kinds({ ...input, now: after(12) })).toEqual([]);
    expect(kinds({ ...input, now: after(8 + NUDGE_ASSIGNEE_AFTER_MINUTES) })).toEqual(["nudge_assignee"]);
  });
});

describe("estimateWaitMinutes", () => {
  it("uses the median claim time per place in line", () => {
    const durations = [2, 40, 4, 6, 3].map((minutes) => minutes * MINUTE);
    expect(estimateWaitMinutes(durations, 1, 10)).toBe(4);
    expect(estimateWaitMinutes(durations, 3, 10)).toBe(12);
  });

  it("rounds up rather than promising less", () => {
    expect(estimateWaitMinutes([61_000, 61_000, 61_000], 1, 10)).toBe(2);
    expect(estimateWaitMinutes([1_000, 2_000, 3_000], 1, 10)).toBe(1);
  });

  it("falls back when there are too few usable samples", () => {
    expect(estimateWaitMinutes([MINUTE, Number.NaN, -5], 2, 10)).toBe(20);
    expect(estimateWaitMinutes([], 0, 7)).toBe(7);
  });
});

describe("availability", () => {
  const hours: BusinessHoursConfig = { timezone: "Europe/London", days: ["mon"], open: "09:00", close: "17:00" };
  it("is open, nobody_available or after_hours", () => {
    expect(availability({ hours, now: Date.parse("2025-01-06T10:00:00Z"), agentsAvailable: true })).toBe("open");
    expect(availability({ hours, now: Date.parse("2025-01-06T10:00:00Z"), agentsAvailable: false })).toBe("nobody_available");
    expect(availability({ hours, now: Date.parse("2025-01-06T18:00:00Z"), agentsAvailable: true })).toBe("after_hours");
  });
});

describe("unclaimed escalations outside business hours", () => {
  // Support works 08:00–20:00 Europe/London on weekdays; Monday 6 January 2025 21:00 UTC is after close.
  const EVENING = Date.parse("2025-01-06T21:00:00Z");
  const NEXT_OPENING = Date.parse("2025-01-07T08:00:00Z");

  it("pings nobody, overflows nowhere and promises no wait while the team is closed", () => {
    expect(dueClaimActions({ createdAt: EVENING, team: retention, now: EVENING + 120 * MINUTE })).toEqual([]);
    // The tick's next look is after retention opens (09:00 London) and its first 5 minutes pass, not tonight.
    expect(nextClaimTimerAt({ createdAt: EVENING, team: retention, now: EVENING + 120 * MINUTE })).toBe(Date.parse("2025-01-07T09:05:00Z"));
  });

  it("starts the claim clock when the team opens", () => {
    const opensPlus = (minutes: number) => NEXT_OPENING + minutes * MINUTE;
    const base = { createdAt: EVENING, lastCustomerUpdateAt: opensPlus(6), team: support };
    expect(kinds({ ...base, now: opensPlus(9) })).toEqual([]);
    expect(kinds({ ...base, now: opensPlus(10) })).toEqual(["ping_rota"]);
  });
});

describe("customer updates", () => {
  it("stop after a few, so a long wait doesn't become a stream of messages", () => {
    const base = { createdAt: T0, lastCustomerUpdateAt: after(15), team: support, pingedAt: after(10) };
    expect(kinds({ ...base, customerUpdatesSent: MAX_CUSTOMER_UPDATES - 1, now: after(20) })).toEqual(["customer_update"]);
    expect(kinds({ ...base, customerUpdatesSent: MAX_CUSTOMER_UPDATES, now: after(20) })).toEqual([]);
  });
});

describe("pingTargets: a missed claim deadline always calls someone", () => {
  it("calls the user group when there is one, else the rota", () => {
    expect(pingTargets({ ...support, pingGroup: "S0SUPPORT", rota: ["U0AGENT01"] })).toEqual({ userGroup: "S0SUPPORT" });
    expect(pingTargets({ ...support, rota: ["U0AGENT01", "U0AGENT02"] })).toEqual({ rota: ["U0AGENT01", "U0AGENT02"] });
  });

  it("with neither (the shipped config), calls everyone active in the channel", () => {
    expect(support.rota).toEqual([]);
    expect(support.pingGroup).toBeUndefined();
    expect(pingTargets(support)).toEqual({ anyone: true });
  });
});

describe("acknowledgementDue: 'got it' while waiting, rate-limited", () => {
  it("is due for the first message, then not again until everyMinutes have passed", () => {
    expect(acknowledgementDue({ everyMinutes: 10, now: T0 })).toBe(true);
    expect(acknowledgementDue({ lastAcknowledgedAt: T0, everyMinutes: 10, now: after(9.99) })).toBe(false);
    expect(acknowledgementDue({ lastAcknowledgedAt: T0, everyMinutes: 10, now: after(10) })).toBe(true);
    expect(acknowledgementDue({ lastAcknowledgedAt: T0, everyMinutes: 2, now: after(2) })).toBe(true);
  });
});
