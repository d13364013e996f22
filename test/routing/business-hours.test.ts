import { describe, expect, it } from "vitest";
import type { BusinessHoursConfig } from "../../src/config/schema.js";
import { isWithinBusinessHours, localizedOpeningPhrase, nextOpening, openingPhrase } from "../../routing/business-hours.js";

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

describe("openingPhrase", () => {
  /** What the customer reads after "opens", for a team that is closed at `iso`. */
  const phrase = (hours: BusinessHoursConfig, iso: string) => openingPhrase(nextOpening(hours, at(iso)), at(iso), hours.timezone);
  const paris: BusinessHoursConfig = { timezone: "Europe/Paris", days: weekdays, open: "09:00", close: "17:00" };
  const losAngeles: BusinessHoursConfig = { timezone: "America/Los_Angeles", days: weekdays, open: "09:00", close: "17:00" };
  const auckland: BusinessHoursConfig = { timezone: "Pacific/Auckland", days: weekdays, open: "09:00", close: "17:00" };

  it("says today when the team opens later the same local day, midnight included", () => {
    expect(phrase(london, "2025-01-06T06:00:00Z")).toBe("today at 08:00 GMT"); // Monday 06:00
    expect(phrase(london, "2025-01-08T00:30:00Z")).toBe("today at 08:00 GMT"); // Wednesday 00:30, not "tomorrow"
    expect(openingPhrase(at("2025-01-06T17:00:00Z"), at("2025-01-06T12:00:00Z"), "Europe/London")).toBe("today at 17:00 GMT");
  });

  it("says tomorrow in the evening before an open day", () => {
    expect(phrase(london, "2025-01-07T21:00:00Z")).toBe("tomorrow at 08:00 GMT"); // Tuesday evening
    expect(phrase(london, "2025-01-12T12:00:00Z")).toBe("tomorrow at 08:00 GMT"); // Sunday
    expect(phrase(london, "2025-01-07T23:59:00Z")).toBe("tomorrow at 08:00 GMT");
  });

  it("names the day across a weekend, with the zone's own abbreviation", () => {
    expect(phrase(london, "2025-01-10T21:00:00Z")).toBe("on Monday at 08:00 GMT"); // Friday evening
    expect(phrase(london, "2025-01-11T09:00:00Z")).toBe("on Monday at 08:00 GMT"); // Saturday
    expect(phrase(paris, "2025-01-10T18:00:00Z")).toBe("on Monday at 09:00 CET");
    expect(phrase(paris, "2025-07-11T18:00:00Z")).toBe("on Monday at 09:00 CEST");
    expect(phrase(newYork, "2025-01-10T23:00:00Z")).toBe("on Monday at 09:00 EST");
  });

  it("adds the date when the next opening is a week or more away, so 'Friday' said on a Friday is not read as today", () => {
    const fridays: BusinessHoursConfig = { timezone: "Europe/London", days: ["fri"], open: "09:00", close: "17:00" };
    expect(phrase(fridays, "2025-01-10T18:00:00Z")).toBe("on Friday 17 January at 09:00 GMT");
    expect(phrase(fridays, "2025-01-11T09:00:00Z")).toBe("on Friday at 09:00 GMT");
  });

  it("decides today and tomorrow on the team's calendar, not UTC's", () => {
    // Monday 19:00 PST; UTC is already Tuesday, the same UTC day as the opening.
    expect(phrase(losAngeles, "2025-01-07T03:00:00Z")).toBe("tomorrow at 09:00 PST");
    // Monday 15:00 PST, opening 17:00 PST: UTC has moved on to Tuesday, the team has not.
    expect(openingPhrase(at("2025-01-07T01:00:00Z"), at("2025-01-06T23:00:00Z"), "America/Los_Angeles")).toBe("today at 17:00 PST");
    // Monday 01:00 NZDT is Sunday in UTC; Monday 23:00 NZDT opens "tomorrow" on the same UTC day.
    expect(phrase(auckland, "2025-01-05T12:00:00Z")).toBe("today at 09:00 NZDT");
    expect(phrase(auckland, "2025-01-06T10:00:00Z")).toBe("tomorrow at 09:00 NZDT");
    expect(phrase(auckland, "2025-07-04T10:00:00Z")).toBe("on Monday at 09:00 NZST"); // Friday 22:00, winter time
  });

  it("does not depend on the server's own time zone", () => {
    const saved = process.env.TZ;
    try {
      for (const tz of ["UTC", "Pacific/Kiritimati", "Pacific/Pago_Pago"]) {
        process.env.TZ = tz;
        expect(phrase(losAngeles, "2025-01-07T03:00:00Z")).toBe("tomorrow at 09:00 PST");
        expect(phrase(auckland, "2025-01-05T12:00:00Z")).toBe("today at 09:00 NZDT");
      }
    } finally {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    }
  });

  it("gives the opening's own clock time and zone name across a DST change", () => {
    // Friday evening GMT; the clocks go forward on Sunday, so Monday opens at 08:00 BST.
    expect(phrase(london, "2025-03-28T20:30:00Z")).toBe("on Monday at 08:00 BST");
    expect(phrase(london, "2025-10-24T20:00:00Z")).toBe("on Monday at 08:00 GMT"); // and back
    // Saturday 23:30 GMT, the night of the change: tomorrow is a 23-hour day.
    const everyDay: BusinessHoursConfig = {
      timezone: "Europe/London",
      days: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"],
      open: "07:00",
      close: "22:00",
    };
    expect(phrase(everyDay, "2025-03-29T23:30:00Z")).toBe("tomorrow at 07:00 BST");
    // An opening time skipped by spring-forward is said as the time it really happens.
    const early: BusinessHoursConfig = { timezone: "Europe/London", days: ["sun"], open: "01:30", close: "05:00" };
    expect(phrase(early, "2025-03-30T00:00:00Z")).toBe("today at 02:30 BST");
    // New York springs forward two weeks before London.
    expect(phrase(newYork, "2025-03-07T23:00:00Z")).toBe("on Monday at 09:00 EDT");
  });

  it("falls back to the offset when the zone has no short name in English", () => {
    const tokyo: BusinessHoursConfig = { timezone: "Asia/Tokyo", days: weekdays, open: "10:00", close: "18:00" };
    expect(phrase(tokyo, "2025-01-06T12:00:00Z")).toBe("tomorrow at 10:00 GMT+9"); // Monday 21:00 JST
  });

  it("always reads as a day and a time", () => {
    const tokyo: BusinessHoursConfig = { timezone: "Asia/Tokyo", days: ["sat", "sun"], open: "10:00", close: "16:00" };
    for (let hour = 0; hour < 24 * 8; hour += 5) {
      const now = at("2025-03-27T00:00:00Z") + hour * 3_600_000;
      for (const hours of [london, newYork, tokyo, auckland]) {
        if (isWithinBusinessHours(hours, now)) continue;
        expect(openingPhrase(nextOpening(hours, now), now, hours.timezone)).toMatch(
          /^(today|tomorrow|on (Mon|Tue|Wednes|Thurs|Fri|Satur|Sun)day) at \d\d:\d\d (GMT|BST|EDT|EST|NZDT|NZST|GMT\+9)$/,
        );
      }
    }
  });
});

describe("localizedOpeningPhrase: when the team opens, in the customer's language", () => {
  const now = Date.UTC(2026, 11, 7, 20, 0); // Monday 7 December 2026, 20:00 in London
  const zone = "Europe/London";

  it("says today and tomorrow in the runtime's own words for the language", () => {
    expect(localizedOpeningPhrase(Date.UTC(2026, 11, 8, 9, 0), now, zone, "es")).toBe("mañana, 09:00 GMT");
    expect(localizedOpeningPhrase(Date.UTC(2026, 11, 7, 21, 0), now, zone, "de")).toMatch(/^heute, 21:00 /);
  });

  it("names the weekday within a week, and the date beyond it", () => {
    expect(localizedOpeningPhrase(Date.UTC(2026, 11, 11, 9, 0), now, zone, "pt")).toMatch(/^sexta-feira, 09:00 /);
    expect(localizedOpeningPhrase(Date.UTC(2026, 11, 21, 9, 0), now, zone, "es")).toMatch(/^lunes, 21 de diciembre, 09:00 /);
  });

  it("carries no English word in another script", () => {
    expect(localizedOpeningPhrase(Date.UTC(2026, 11, 8, 9, 0), now, zone, "ru")).toMatch(/^завтра, 09:00 /);
  });
});
