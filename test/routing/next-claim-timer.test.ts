import { describe, expect, it } from "vitest";
import type { TeamConfig } from "../../src/config/schema.js";
import { CUSTOMER_UPDATE_EVERY_MINUTES, type ClaimTimerInput, dueClaimActions, nextClaimTimerAt } from "../../routing/claim-timers.js";
import { defaultConfig } from "./policy-driver.js";

const MINUTE = 60_000;
const teams = defaultConfig().teams;
const support = teams.support as TeamConfig; // 10 min, no overflow; weekdays 08:00–20:00 Europe/London
const retention = teams.retention as TeamConfig; // 5 min, overflows to support
const MONDAY_10 = Date.parse("2025-01-06T10:00:00Z");
const FRIDAY_EVENING = Date.parse("2025-01-10T21:00:00Z");
const MONDAY_OPENING = Date.parse("2025-01-13T08:00:00Z");

/** The first minute from `input.now` on at which dueClaimActions returns something, within `horizonMinutes`. */
function firstDueMinute(input: ClaimTimerInput, horizonMinutes: number): number | undefined {
  for (let minute = 0; minute <= horizonMinutes; minute++) {
    const now = input.now + minute * MINUTE;
    if (dueClaimActions({ ...input, now }).length > 0) return now;
  }
  return undefined;
}

describe("nextClaimTimerAt: when the tick must look at an escalation next", () => {
  it("is the first customer update of a fresh escalation, then the next one", () => {
    expect(nextClaimTimerAt({ createdAt: MONDAY_10, team: support, now: MONDAY_10 })).toBe(
      MONDAY_10 + CUSTOMER_UPDATE_EVERY_MINUTES * MINUTE,
    );
    const updated = { createdAt: MONDAY_10, lastCustomerUpdateAt: MONDAY_10 + 5 * MINUTE, customerUpdatesSent: 1, team: support };
    expect(nextClaimTimerAt({ ...updated, now: MONDAY_10 + 5 * MINUTE })).toBe(MONDAY_10 + 10 * MINUTE);
  });

  it("waits for the team to open over a weekend, and counts the claim clock from the opening", () => {
    expect(nextClaimTimerAt({ createdAt: FRIDAY_EVENING, team: support, now: FRIDAY_EVENING })).toBe(
      MONDAY_OPENING + CUSTOMER_UPDATE_EVERY_MINUTES * MINUTE,
    );
  });

  it("is undefined when nothing is pending: claimed and the customer answered", () => {
    const claimed = { createdAt: MONDAY_10, claimedAt: MONDAY_10 + MINUTE, team: support, now: MONDAY_10 + 2 * MINUTE };
    expect(nextClaimTimerAt(claimed)).toBeUndefined();
    expect(
      nextClaimTimerAt({ ...claimed, lastCustomerMessageAt: MONDAY_10 + MINUTE, lastAgentMessageAt: MONDAY_10 + 2 * MINUTE }),
    ).toBeUndefined();
    expect(nextClaimTimerAt({ ...claimed, lastCustomerMessageAt: MONDAY_10 + 2 * MINUTE })).toBe(MONDAY_10 + 7 * MINUTE);
  });

  it("is never now or later while something is already due (a missed deadline is due at once)", () => {
    const late = { createdAt: MONDAY_10, team: support, now: MONDAY_10 + 30 * MINUTE };
    expect(dueClaimActions(late).length).toBeGreaterThan(0);
    expect(nextClaimTimerAt(late)).toBe(late.now);
  });

  it("is exactly the first minute anything falls due, across the week's openings and closings", () => {
    // Escalations created every 7 h 13 min through a week, at several stages; swept minute by minute for two days.
    const horizon = 2 * 24 * 60;
    for (let created = FRIDAY_EVENING - 4 * 24 * 60 * MINUTE; created < FRIDAY_EVENING + 3 * 24 * 60 * MINUTE; created += 433 * MINUTE) {
      const stages: Omit<ClaimTimerInput, "now">[] = [
        { createdAt: created, team: retention },
        { createdAt: created, team: support, customerUpdatesSent: 3, lastCustomerUpdateAt: created },
        { createdAt: created, team: retention, pingedAt: created, customerUpdatesSent: 3 },
        { createdAt: created, team: support, claimedAt: created + MINUTE, lastCustomerMessageAt: created + 2 * MINUTE },
      ];
      for (const stage of stages) {
        const input = { ...stage, now: created };
        const due = nextClaimTimerAt(input);
        const first = firstDueMinute(input, horizon);
        if (due === undefined || due > input.now + horizon * MINUTE)
          expect(first, `created ${new Date(created).toISOString()}`).toBeUndefined();
        // At minute resolution, as the tick runs: never late, and not early either.
        else
          expect(first, `${JSON.stringify(stage)} created ${new Date(created).toISOString()}`).toBe(
            Math.ceil((due - input.now) / MINUTE) * MINUTE + input.now,
          );
      }
    }
  });
});
