import { currentEscalation, type Conversation } from "../domain/conversation.js";
import type { Escalation, FallbackCase } from "../domain/escalation.js";

/** An attempt to open a case that did not finish (a route down, a crash) is tried again after this long. */
export const CASE_RETRY_AFTER_MS = 60_000;
/** A parked late card is put back in line at most this often while Slack still fails. */
export const LATE_CARD_RETRY_EVERY_MS = 60_000;

/**
 * What the fallback does next for an open conversation (src/engine/fallback.ts), and from when: pure,
 * so the tick and the stored due time (src/engine/timers-due.ts) read it the same way.
 * - carry_over: an overflow transfer queued a new card during the outage; the wait's case moves to it.
 * - open_case: the card has not been posted for fallback.afterMinutes (or the last attempt is old).
 * - retry_card: the case is open; the parked card goes back in line every LATE_CARD_RETRY_EVERY_MS.
 * - mark_late: the card is up at last; its thread hears how late and why.
 */
export type FallbackStep =
  | { kind: "carry_over"; escalation: Escalation; carried: FallbackCase; dueAt: number }
  | { kind: "open_case"; escalation: Escalation; waitingSince: number; dueAt: number }
  | { kind: "retry_card"; escalation: Escalation; dueAt: number }
  | { kind: "mark_late"; escalation: Escalation; dueAt: number };

/** The conversation's next fallback step; `dueAt` may be past (due now). Undefined when there is none. */
export function nextFallbackStep(c: Conversation, afterMs: number): FallbackStep | undefined {
  const escalation = currentEscalation(c);
  if (!escalation || (c.state !== "queued" && c.state !== "assigned")) return undefined;
  const fallbackCase = escalation.fallbackCase;
  if (isUnposted(escalation)) {
    const run = unpostedRun(c);
    const carried = run.findLast((x) => x.fallbackCase !== undefined)?.fallbackCase;
    if (!fallbackCase && carried) return { kind: "carry_over", escalation, carried, dueAt: 0 };
    const waitingSince = run[0]!.createdAt;
    if (fallbackCase?.openedAt === undefined) {
      const retryAt = fallbackCase ? fallbackCase.attemptedAt + CASE_RETRY_AFTER_MS : 0;
      return { kind: "open_case", escalation, waitingSince, dueAt: Math.max(waitingSince + afterMs, retryAt) };
    }
    return { kind: "retry_card", escalation, dueAt: (fallbackCase.cardRetriedAt ?? fallbackCase.openedAt) + LATE_CARD_RETRY_EVERY_MS };
  }
  if (escalation.thread !== undefined && fallbackCase?.openedAt !== undefined && fallbackCase.cardPostedAt === undefined)
    return { kind: "mark_late", escalation, dueAt: 0 };
  return undefined;
}

/** A card that was never posted, of an escalation still running. */
export function isUnposted(e: Escalation | undefined): e is Escalation & { thread: undefined } {
  return e !== undefined && e.thread === undefined && e.outcome === undefined;
}

/** The escalations at the end of the conversation whose cards were never posted (each overflow transfer adds one): the wait for Slack. */
export function unpostedRun(c: Conversation): Escalation[] {
  const run: Escalation[] = [];
  for (let i = c.escalations.length - 1; i >= 0 && c.escalations[i]!.thread === undefined; i--) run.unshift(c.escalations[i]!);
  return run;
}
