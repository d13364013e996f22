import type { WarmlineConfig } from "../config/schema.js";

/**
 * When "today" starts and when the weekly digest is due, in the ops time zone. Local midnight is
 * taken as "now minus the local time of day", so on a DST change day it can be off by that hour:
 * harmless for a dashboard and a weekly post.
 */

export type DigestSchedule = WarmlineConfig["digest"];

const DAY_MS = 86_400_000;
const WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;
/** A digest missed by more than this (the service was down) is skipped, not posted late. */
export const DIGEST_GRACE_MS = 12 * 60 * 60 * 1000;
/** How often the service asks whether the digest is due. */
export const DIGEST_TICK_MS = 5 * 60 * 1000;

function localClock(now: number, timeZone: string): { weekday: number; msOfDay: number } {
  const parts: Record<string, string> = {};
  const format = new Intl.DateTimeFormat("en-US", {
    timeZone,
    weekday: "short",
    hourCycle: "h23",
    hour: "numeric",
    minute: "numeric",
    second: "numeric",
  });
  for (const part of format.formatToParts(now)) parts[part.type] = part.value;
  const weekday = WEEKDAYS.indexOf(parts.weekday!.toLowerCase() as (typeof WEEKDAYS)[number]);
  const msOfDay = ((Number(parts.hour) % 24) * 3600 + Number(parts.minute) * 60 + Number(parts.second)) * 1000 + (now % 1000);
  return { weekday, msOfDay };
}

export function startOfLocalDay(now: number, timeZone: string): number {
  return now - localClock(now, timeZone).msOfDay;
}

/** The latest scheduled digest time at or before `now`. */
export function lastDigestTime(schedule: DigestSchedule, now: number): number {
  const { weekday, msOfDay } = localClock(now, schedule.timezone);
  const [hours, minutes] = schedule.time.split(":").map(Number) as [number, number];
  const at = (hours * 60 + minutes) * 60_000;
  let daysBack = (weekday - WEEKDAYS.indexOf(schedule.day) + 7) % 7;
  if (daysBack === 0 && msOfDay < at) daysBack = 7;
  return now - msOfDay - daysBack * DAY_MS + at;
}

/** The digest time to post for now, if one is due (and not too stale); posting it once is the caller's job (store.markSeen). */
export function dueDigest(schedule: DigestSchedule, now: number): number | undefined {
  if (!schedule.enabled) return undefined;
  const last = lastDigestTime(schedule, now);
  return now - last <= DIGEST_GRACE_MS ? last : undefined;
}
