import type { BusinessHoursConfig } from "../src/config/schema.js";

/**
 * Business hours in the team's own time zone, DST included, with the built-in Intl only.
 * A day in `days` opens at `open` local time. When close is earlier than open the shift runs past
 * midnight (22:00–06:00 on "fri" covers Friday night into Saturday morning); equal means all day.
 */

type Weekday = BusinessHoursConfig["days"][number];

const WEEKDAYS: readonly Weekday[] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
const MINUTE_MS = 60_000;
const DAY_MINUTES = 24 * 60;
/** Far enough ahead to find the next open day of any weekly schedule, plus a DST-shifted day. */
const SEARCH_DAYS = 9;

interface LocalTime {
  year: number;
  month: number;
  day: number;
  weekday: Weekday;
  /** Minutes since local midnight. */
  minutes: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

interface WallClock {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

/**
 * Recent wall clocks per zone, by epoch second: the formatted parts depend on nothing finer, and one
 * handoff asks for the same second several times (availability, claim timers on every write), so a
 * burst of handoffs formats each second once instead of a dozen times per conversation. Cleared when
 * full, so it stays small.
 */
const wallClocks = new Map<string, Map<number, WallClock>>();
const WALL_CLOCKS_PER_ZONE = 64;

function wallClock(timeZone: string, at: number): WallClock {
  const second = Math.floor(at / 1000);
  let cached = wallClocks.get(timeZone);
  const hit = cached?.get(second);
  if (hit) return hit;
  const parts: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(at)) {
    if (part.type !== "literal") parts[part.type] = Number(part.value);
  }
  const clock: WallClock = {
    year: parts.year!,
    month: parts.month!,
    day: parts.day!,
    hour: parts.hour! % 24,
    minute: parts.minute!,
    second: parts.second!,
  };
  if (!cached) wallClocks.set(timeZone, (cached = new Map()));
  else if (cached.size >= WALL_CLOCKS_PER_ZONE) cached.clear();
  cached.set(second, clock);
  return clock;
}

function localTime(timeZone: string, at: number): LocalTime {
  const clock = wallClock(timeZone, at);
  const weekday = WEEKDAYS[new Date(Date.UTC(clock.year, clock.month - 1, clock.day)).getUTCDay()]!;
  return { year: clock.year, month: clock.month, day: clock.day, weekday, minutes: clock.hour * 60 + clock.minute };
}

/** Offset of the zone from UTC at an instant, in ms (positive east of Greenwich). */
function zoneOffset(timeZone: string, at: number): number {
  const clock = wallClock(timeZone, at);
  const asUtc = Date.UTC(clock.year, clock.month - 1, clock.day, clock.hour, clock.minute, clock.second);
  return asUtc - Math.floor(at / 1000) * 1000;
}

/**
 * The instant a local wall time occurs. A time skipped by spring-forward (02:30 that never
 * happens) moves forward by the gap, as Temporal's "compatible" disambiguation does.
 */
function instantOf(timeZone: string, year: number, month: number, day: number, minutes: number): number {
  const wall = Date.UTC(year, month - 1, day, 0, minutes);
  const first = wall - zoneOffset(timeZone, wall);
  const second = wall - zoneOffset(timeZone, first);
  if (first === second) return first;
  const later = Math.max(first, second);
  const check = localTime(timeZone, later);
  return check.minutes === ((minutes % DAY_MINUTES) + DAY_MINUTES) % DAY_MINUTES ? Math.min(first, second) : later;
}

function toMinutes(hhmm: string): number {
  const [hours, minutes] = hhmm.split(":").map(Number) as [number, number];
  return hours * 60 + minutes;
}

function previousWeekday(day: Weekday): Weekday {
  return WEEKDAYS[(WEEKDAYS.indexOf(day) + 6) % 7]!;
}

export function isWithinBusinessHours(hours: BusinessHoursConfig, now: number): boolean {
  const local = localTime(hours.timezone, now);
  const open = toMinutes(hours.open);
  const close = toMinutes(hours.close);
  // At most seven days: a scan, not a Set built per call.
  const days = hours.days;
  if (open === close) return days.includes(local.weekday);
  if (open < close) return days.includes(local.weekday) && local.minutes >= open && local.minutes < close;
  // Overnight shift: tonight's part belongs to today, the small hours to yesterday's shift.
  return (
    (days.includes(local.weekday) && local.minutes >= open) || (days.includes(previousWeekday(local.weekday)) && local.minutes < close)
  );
}

/** When the team is next open, in epoch ms: `now` itself when open already. */
export function nextOpening(hours: BusinessHoursConfig, now: number): number {
  if (isWithinBusinessHours(hours, now)) return now;
  const local = localTime(hours.timezone, now);
  const open = toMinutes(hours.open);
  const days = hours.days;
  for (let offset = 0; offset < SEARCH_DAYS; offset++) {
    const date = new Date(Date.UTC(local.year, local.month - 1, local.day + offset));
    const weekday = WEEKDAYS[date.getUTCDay()]!;
    if (!days.includes(weekday)) continue;
    const opening = instantOf(hours.timezone, date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate(), open);
    if (opening > now) return opening;
  }
  // Unreachable with at least one open day (the schema requires one); fail safe to a week on.
  return now + 7 * DAY_MINUTES * MINUTE_MS;
}

const DAY_NAMES = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"] as const;
const MONTH_NAMES = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
] as const;
/**
 * English locales tried in turn for a zone's short name: each knows the abbreviations its readers
 * use (en-GB: GMT/BST/CET, en-US: PST/EST, en-AU: AEST/NZDT, en-IN: IST). The first that is not a
 * bare offset wins; otherwise the offset ("GMT+9") it is.
 */
const ZONE_NAME_LOCALES = ["en-GB", "en-US", "en-AU", "en-IN"] as const;
const OFFSET_NAME = /^(GMT|UTC)[+\-\u2212]/;
const zoneNameFormatters = new Map<string, Intl.DateTimeFormat[]>();

/** The zone's short name at an instant ("GMT", "BST", "CET", "PDT"), or its offset ("GMT+9") when it has none. */
function zoneName(timeZone: string, at: number): string {
  let list = zoneNameFormatters.get(timeZone);
  if (!list) {
    list = ZONE_NAME_LOCALES.map((locale) => new Intl.DateTimeFormat(locale, { timeZone, timeZoneName: "short" }));
    zoneNameFormatters.set(timeZone, list);
  }
  let fallback = "";
  for (const formatter of list) {
    const name = formatter.formatToParts(at).find((part) => part.type === "timeZoneName")?.value ?? "";
    if (name && !OFFSET_NAME.test(name)) return name;
    fallback ||= name;
  }
  return fallback || timeZone;
}

const pad = (n: number) => String(n).padStart(2, "0");

/**
 * When the team opens, for a customer, in the team's time zone: "today at 17:00 GMT", "tomorrow at
 * 09:00 BST", "on Monday at 09:00 CET", or with the date when a week or more away ("on Friday
 * 14 March at 22:00 GMT"), so it reads after "opens" or "when they open". Today and tomorrow are the
 * team's calendar days at `now`, not the server's or UTC's.
 */
export function openingPhrase(opensAt: number, now: number, timeZone: string): string {
  const opening = localTime(timeZone, opensAt);
  const days = calendarDaysBetween(now, opensAt, timeZone);
  const time = `${pad(Math.floor(opening.minutes / 60))}:${pad(opening.minutes % 60)} ${zoneName(timeZone, opensAt)}`;
  const dayName = DAY_NAMES[WEEKDAYS.indexOf(opening.weekday)]!;
  if (days <= 0) return `today at ${time}`;
  if (days === 1) return `tomorrow at ${time}`;
  if (days < 7) return `on ${dayName} at ${time}`;
  return `on ${dayName} ${opening.day} ${MONTH_NAMES[opening.month - 1]!} at ${time}`;
}

/** Team calendar days from `now` to `then` (0 today, 1 tomorrow). */
function calendarDaysBetween(now: number, then: number, timeZone: string): number {
  const a = localTime(timeZone, now);
  const b = localTime(timeZone, then);
  return Math.round((Date.UTC(b.year, b.month - 1, b.day) - Date.UTC(a.year, a.month - 1, a.day)) / (DAY_MINUTES * MINUTE_MS));
}

/**
 * The same moment in the customer's language (a BCP 47 tag such as "es" or "hi"), in the words of
 * the runtime's own locale data ("mañana, 09:00 GMT", "lunes, 09:00 CET"), for a translated message
 * that must not carry English.
 */
export function localizedOpeningPhrase(opensAt: number, now: number, timeZone: string, locale: string): string {
  const days = calendarDaysBetween(now, opensAt, timeZone);
  const time = new Intl.DateTimeFormat(locale, {
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
    timeZone,
    timeZoneName: "short",
  }).format(opensAt);
  if (days <= 1) return `${new Intl.RelativeTimeFormat(locale, { numeric: "auto" }).format(Math.max(0, days), "day")}, ${time}`;
  const date = new Intl.DateTimeFormat(locale, { weekday: "long", ...(days >= 7 ? { day: "numeric", month: "long" } : {}), timeZone });
  return `${date.format(opensAt)}, ${time}`;
}
