import { describe, expect, it } from "vitest";
import type { BusinessHoursConfig } from "../../src/config/schema.js";
import { isWithinBusinessHours, nextOpening } from "../../routing/business-hours.js";

const at = (iso: string) => Date.parse(iso);
const weekdays: BusinessHoursConfig["days"] = ["mon", "tue", "wed", "thu", "fri"];
const london: BusinessHoursConfig = { timezone: "Europe/London", days: weekdays, open: "08:00", close: "20:00" };
const newYork: BusinessHoursConfig = { timezone: "America/New_York", days: weekdays, open: "09:00", close: "17:00" };

describe("isWithinBusinessHours", () => {
  it.each([
    ["2025-01-06T08:00:00Z", true], // Monday 08:00 GMT: opening minute is open
    ["2025-01-06T07:59:00Z", false],
    ["2025-01-06T20:00:00Z", false], // closing minute is closed
    ["2025-07-07T07:30:00Z", true], // 08:30 BST
    ["2025-07-07T19:30:00Z", false], // 20:30 BST
    ["2025-01-11T12:00:00Z", false], // Saturday
  ])("London at %s → %s", (iso, open) => {
    expect(isWithinBusinessHours(london, at(iso))).toBe(open);
  });

  it("follows New York's own DST, not London's", () => {
    expect(isWithinBusinessHours(newYork, at("2025-01-06T14:00:00Z"))).toBe(true); // 09:00 EST
    expect(isWithinBusinessHours(newYork, at("2025-01-06T13:59:00Z"))).toBe(false);
    expect(isWithinBusinessHours(newYork, at("2025-07-07T13:00:00Z"))).toBe(true); // 09:00 EDT
    // 2025-03-10: the US has sprung forward, the UK has not yet.
    expect(isWithinBusinessHours(newYork, at("2025-03-10T13:00:00Z"))).toBe(true);
    expect(isWithinBusinessHours(london, at("2025-03-10T07:30:00Z"))).toBe(false);
  });

  it("uses the team's weekday, not UTC's", () => {
    const auckland: BusinessHoursConfig = { timezone: "Pacific/Auckland", days: ["mon"], open: "09:00", close: "17:00" };
    expect(isWithinBusinessHours(auckland, at("2025-01-05T20:00:00Z"))).toBe(true); // Monday 09:00 NZDT, Sunday in UTC
    const kolkata: BusinessHoursConfig = { timezone: "Asia/Kolkata", days: weekdays, open: "09:30", close: "18:00" };
    expect(isWithinBusinessHours(kolkata, at("2025-01-06T04:00:00Z"))).toBe(true); // 09:30 IST (+05:30)
    expect(isWithinBusinessHours(kolkata, at("2025-01-06T03:59:00Z"))).toBe(false);
  });

  it("handles a shift that runs past midnight", () => {
    const nights: BusinessHoursConfig = { timezone: "UTC", days: ["fri"], open: "22:00", close: "06:00" };
    expect(isWithinBusinessHours(nights, at("2025-01-10T23:00:00Z"))).toBe(true); // Friday night
    expect(isWithinBusinessHours(nights, at("2025-01-11T05:00:00Z"))).toBe(true); // Saturday small hours
    expect(isWithinBusinessHours(nights, at("2025-01-11T07:00:00Z"))).toBe(false);
    expect(isWithinBusinessHours(nights, at("2025-01-11T23:00:00Z"))).toBe(false); // Saturday night
    expect(isWithinBusinessHours(nights, at("2025-01-10T05:00:00Z"))).toBe(false); // Thursday's shift isn't listed
  });

  it("treats equal open and close as open all day", () => {
    const allDay: BusinessHoursConfig = { timezone: "Europe/Paris", days: ["sun"], open: "00:00", close: "00:00" };
    expect(isWithinBusinessHours(allDay, at("2025-01-12T22:30:00Z"))).toBe(true); // Sunday 23:30 CET
    expect(isWithinBusinessHours(allDay, at("2025-01-12T23:30:00Z"))).toBe(false); // Monday 00:30 CET
  });
});

describe("nextOpening", () => {
  it("is now when already open", () => {
    expect(nextOpening(london, at("2025-01-06T10:00:00Z"))).toBe(at("2025-01-06T10:00:00Z"));
  });

  it("skips the weekend", () => {
    expect(nextOpening(london, at("2025-01-10T21:00:00Z"))).toBe(at("2025-01-13T08:00:00Z"));
  });

  it("opens later today when it is early morning", () => {
    expect(nextOpening(newYork, at("2025-01-06T12:00:00Z"))).toBe(at("2025-01-06T14:00:00Z"));
  });

  it("lands on local opening time across the spring and autumn clock changes", () => {
    expect(nextOpening(london, at("2025-03-28T20:30:00Z"))).toBe(at("2025-03-31T07:00:00Z")); // 08:00 BST
    expect(nextOpening(london, at("2025-10-24T20:00:00Z"))).toBe(at("2025-10-27T08:00:00Z")); // 08:00 GMT
  });

  it("moves an opening time skipped by spring-forward to after the gap", () => {
    const early: BusinessHoursConfig = { timezone: "Europe/London", days: ["sun"], open: "01:30", close: "05:00" };
    expect(nextOpening(early, at("2025-03-30T00:00:00Z"))).toBe(at("2025-03-30T01:30:00Z")); // 02:30 BST
  });

  it("finds the next overnight shift a week ahead", () => {
    const nights: BusinessHoursConfig = { timezone: "UTC", days: ["fri"], open: "22:00", close: "06:00" };
    expect(nextOpening(nights, at("2025-01-11T07:00:00Z"))).toBe(at("2025-01-17T22:00:00Z"));
  });

  it("always returns a time that is open", () => {
    const tokyo: BusinessHoursConfig = { timezone: "Asia/Tokyo", days: ["sat", "sun"], open: "10:00", close: "16:00" };
    for (let hour = 0; hour < 24 * 8; hour += 5) {
      const now = at("2025-03-27T00:00:00Z") + hour * 3_600_000;
      for (const hours of [london, newYork, tokyo]) {
        const opening = nextOpening(hours, now);
        expect(opening).toBeGreaterThanOrEqual(now);
        expect(isWithinBusinessHours(hours, opening)).toBe(true);
      }
    }
  });
});
