import { createHash } from "node:crypto";
import { nextOpening } from "../../routing/business-hours.js";
import type { Conversation } from "../domain/conversation.js";
import type { Escalation, FallbackCase } from "../domain/escalation.js";
import type { CardStatus } from "../ports/agent-workspace.js";
import type { OutboxItem } from "../ports/outbox.js";
import type { Ticketing } from "../ports/ticketing.js";
import { describeError, SYSTEM_ACTOR, type EngineCore } from "./engine-core.js";
import {
  CASE_RETRY_AFTER_MS,
  type FallbackStep,
  isUnposted as unposted,
  LATE_CARD_RETRY_EVERY_MS,
  nextFallbackStep,
  unpostedRun,
} from "./fallback-steps.js";
import { describeMoment } from "./handoff.js";

export { CASE_RETRY_AFTER_MS, LATE_CARD_RETRY_EVERY_MS } from "./fallback-steps.js";
/** One ops alert per outage window, across instances: the first case of a storm alerts, the rest are counted in it. */
export const OPS_ALERT_EVERY_MS = 30 * 60_000;
const OPS_ALERT_KEY = "fallback:ops-alert";
/** Case numbers read aloud or typed: Crockford's base32, without I, L, O and U. */
const CASE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/** "WL-7K3M9Q2X": the same for an escalation on every attempt and instance, so receivers can de-duplicate. */
export function caseNumberOf(escalationId: string): string {
  const digest = createHash("sha256").update(escalationId).digest();
  return `WL-${[...digest.subarray(0, 8)].map((byte) => CASE_ALPHABET[byte % 32]).join("")}`;
}

/** When Slack is down: cases through the other routes, the customer told, and the card posted late once Slack answers. */
export interface Fallback {
  /** Run from the engine's tick. */
  tick(): Promise<void>;
}

/**
 * A card that has not been posted for fallback.afterMinutes (Slack unreachable) opens a case through
 * every Ticketing route, once: each step is recorded on the escalation by compare-and-set, so
 * restarts and other instances neither open it twice nor tell the customer twice. The card stays in
 * the outbox; once Slack answers it is posted, marked as late and linked to the case.
 */
export function createFallback(core: EngineCore, routes: readonly Ticketing[]): Fallback {
  const { config, store, clock, log, workspace } = core;
  const settings = config.fallback;
  if (!settings || routes.length === 0) return { tick: async () => undefined };
  const afterMs = settings.afterMinutes * 60_000;
  const flog = log.child({ component: "fallback" });

  const escalationIn = (c: Conversation, id: string) => c.escalations.find((e) => e.id === id);

  /** Claims the next attempt by compare-and-set; the claimed escalation, or undefined when another attempt is under way or done. */
  async function claimAttempt(conversationId: string, escalationId: string): Promise<Conversation | undefined> {
    const now = clock.now();
    return core.mutate(conversationId, (c) => {
      const e = escalationIn(c, escalationId);
      if (!unposted(e) || e.fallbackCase?.openedAt !== undefined) return undefined;
      if (e.fallbackCase && now - e.fallbackCase.attemptedAt < CASE_RETRY_AFTER_MS) return undefined;
      // Named after the first card of the wait, so an overflow transfer meanwhile does not change it.
      const first = unpostedRun(c)[0]!;
      e.fallbackCase = {
        number: e.fallbackCase?.number ?? caseNumberOf(first.id),
        waitingSince: e.fallbackCase?.waitingSince ?? first.createdAt,
        attemptedAt: now,
      };
      return c;
    });
  }

  /** When the team will contact the customer: contactWithinMinutes from now, or from when the team opens. */
  function contactBy(e: Escalation, now: number): number {
    return nextOpening(core.teamOf(e.team).businessHours, now) + settings!.contactWithinMinutes * 60_000;
  }

  async function openCase(conversationId: string, escalationId: string, waitingSince: number, waiting: number): Promise<void> {
    const claimed = await claimAttempt(conversationId, escalationId);
    const e = claimed && escalationIn(claimed, escalationId);
    if (!claimed || !e?.fallbackCase) return;
    const { number } = e.fallbackCase;
    const now = clock.now();
    const team = core.teamOf(e.team).displayName;
    const minutes = Math.round((now - waitingSince) / 60_000);
    const request = {
      caseNumber: number,
      team,
      reason: `Slack could not be reached: the card has not been posted for ${minutes} minutes.`,
      contactBy: contactBy(e, now),
      context: core.contextFor(claimed, e),
    };
    const results = await Promise.allSettled(routes.map((route) => route.openCase(request)));
    const took = routes.filter((_, i) => results[i]!.status === "fulfilled");
    results.forEach((result, i) => {
      if (result.status === "rejected")
        flog.error(
          { conversationId, case: number, route: routes[i]!.route, err: describeError(result.reason) },
          "A fallback route did not take the case",
        );
    });
    if (took.length === 0) return; // Retried after CASE_RETRY_AFTER_MS, with the same number.
    const externalId = results.flatMap((r) => (r.status === "fulfilled" && r.value.externalId ? [r.value.externalId] : []))[0];
    const opened = await core.mutate(conversationId, (c, out) => {
      const current = escalationIn(c, escalationId);
      if (!current?.fallbackCase || current.fallbackCase.openedAt !== undefined) return undefined;
      const at = clock.now();
      current.fallbackCase = {
        ...current.fallbackCase,
        openedAt: at,
        routes: took.map((route) => route.route),
        ...(externalId ? { externalId } : {}),
      };
      // Withdrawn or ended meanwhile (CANCEL, BOT): the case stands, but there is no wait to explain.
      if (current.outcome === undefined) {
        const by = describeMoment(core, c, request.contactBy, core.teamOf(current.team).businessHours.timezone, at);
        core.tell(c, out, core.message(c, "fallbackCase", { case: number, team, by }));
      }
      out.audit(SYSTEM_ACTOR, "case_opened", { case: number, routes: took.map((route) => route.route).join(", ") });
      return c;
    });
    if (!opened) return;
    flog.warn({ conversationId, case: number, routes: took.map((r) => r.route) }, "Slack unreachable: case opened and the customer told");
    await alertOps(conversationId, number, minutes, waiting);
  }

  async function alertOps(conversationId: string, caseNumber: string, minutes: number, waiting: number): Promise<void> {
    // Claimed before sending, so instances opening cases at the same moment alert once; the routes just took a case, so they work.
    if (!(await store.markSeen(OPS_ALERT_KEY, OPS_ALERT_EVERY_MS))) return;
    const alert = {
      key: `${caseNumber}-ops`,
      subject: "Slack unreachable: cases opened by the fallback route",
      text: [
        `Warmline could not post an escalation card to Slack for ${minutes} minutes (conversation ${conversationId}).`,
        `Case ${caseNumber} was opened and the customer was told when the team will contact them. ${waiting} card${waiting === 1 ? " is" : "s are"} waiting for Slack now.`,
        "The cards stay queued and are posted, marked late, as soon as Slack answers again. Check Slack's status and SLACK_BOT_TOKEN.",
        `Further cases in the next ${OPS_ALERT_EVERY_MS / 60_000} minutes are not alerted again.`,
      ].join("\n"),
    };
    const results = await Promise.allSettled(routes.map((route) => route.alertOps(alert)));
    results.forEach((result, i) => {
      if (result.status === "rejected")
        flog.error({ route: routes[i]!.route, err: describeError(result.reason) }, "Could not alert ops through the fallback route");
    });
  }

  /**
   * Slack answers again: the parked card goes back in line (quiet: ops already know). Its context package
   * is the one it was queued with: the thread posts parked since then follow it (markLate), so the
   * thread's transcript has each message once; markLate then refreshes the card with the case on it.
   */
  async function retryCard(conversationId: string, escalationId: string, parked: OutboxItem[]): Promise<void> {
    const now = clock.now();
    const claimed = await core.mutate(conversationId, (c) => {
      const e = escalationIn(c, escalationId);
      if (!unposted(e) || !e.fallbackCase?.openedAt) return undefined;
      if (now - (e.fallbackCase.cardRetriedAt ?? e.fallbackCase.openedAt) < LATE_CARD_RETRY_EVERY_MS) return undefined;
      e.fallbackCase.cardRetriedAt = now;
      return c;
    });
    const e = claimed && escalationIn(claimed, escalationId);
    const card = parked.find(
      (item) => item.lane === conversationId && item.effect.kind === "post_card" && item.effect.escalationId === escalationId,
    );
    if (!claimed || !e || !card) return;
    await store.saveOutboxItem({ ...card, status: "pending", attempts: 0, notBefore: now, createdAt: now, quiet: true });
    void core.dispatcher.kick(conversationId);
  }

  /** The card is up: say in its thread how late and why, refresh it with the case, and re-queue the thread posts parked meanwhile. */
  async function markLate(conversationId: string, escalationId: string, parked: () => Promise<OutboxItem[]>): Promise<void> {
    const written = await core.mutate(conversationId, (c, out) => {
      const e = escalationIn(c, escalationId);
      if (!e?.thread || !e.fallbackCase?.openedAt || e.fallbackCase.cardPostedAt !== undefined) return undefined;
      const at = clock.now();
      e.fallbackCase.cardPostedAt = at;
      const status: CardStatus = c.state === "assigned" && c.assignee ? { kind: "claimed", by: c.assignee } : { kind: "waiting" };
      core.refreshCard(c, out, e, status);
      out.add({ kind: "thread_post", escalationId, post: { kind: "system_note", text: lateNote(e.fallbackCase, at) } });
      return c;
    });
    if (!written) return;
    const since = written.escalations.find((e) => e.id === escalationId)!.createdAt;
    const now = clock.now();
    const behind = (await parked()).filter(
      (item) =>
        item.lane === conversationId &&
        item.createdAt >= since &&
        (item.effect.kind === "thread_post" || item.effect.kind === "update_card") &&
        item.effect.escalationId === escalationId,
    );
    for (const item of behind) await store.saveOutboxItem({ ...item, status: "pending", attempts: 0, notBefore: now });
    void core.dispatcher.kick(conversationId);
  }

  /** An overflow transfer during the outage queues a new card: the case of the wait carries over to it, so the customer hears once. */
  async function carryOver(conversationId: string, escalationId: string, fallbackCase: FallbackCase): Promise<void> {
    await core.mutate(conversationId, (c) => {
      const e = escalationIn(c, escalationId);
      if (!unposted(e) || e.fallbackCase) return undefined;
      const { cardRetriedAt: _retried, cardPostedAt: _posted, ...carried } = fallbackCase;
      e.fallbackCase = carried;
      return c;
    });
  }

  /** Only conversations with a step due are loaded (listDue): their stored due time covers the fallback's steps. */
  async function tick(): Promise<void> {
    const now = clock.now();
    const steps = (await store.listDue(now))
      .map((c) => ({ c, step: nextFallbackStep(c, afterMs) }))
      .filter((due): due is { c: Conversation; step: FallbackStep } => due.step !== undefined && due.step.dueAt <= now);
    const fail = (c: Conversation, message: string) => (error: unknown) =>
      flog.error({ conversationId: c.id, err: describeError(error) }, message);
    for (const { c, step } of steps) {
      if (step.kind === "carry_over")
        await carryOver(c.id, step.escalation.id, step.carried).catch(fail(c, "Could not carry a case over to a transferred card"));
    }
    let parked: Promise<OutboxItem[]> | undefined;
    // The whole outbox is read only while a late card is waiting on Slack, and once per tick.
    const parkedItems = () => (parked ??= store.listOutbox().then((items) => items.filter((item) => item.status === "failed")));
    let reachable: Promise<boolean> | undefined;
    const slackAnswers = () => (reachable ??= (workspace.reachable?.() ?? Promise.resolve(true)).catch(() => false));
    const waiting = steps.filter(({ step }) => step.kind === "open_case" || step.kind === "retry_card").length;
    for (const { c, step } of steps) {
      try {
        if (step.kind === "open_case") await openCase(c.id, step.escalation.id, step.waitingSince, waiting);
        else if (step.kind === "retry_card" && (await slackAnswers())) await retryCard(c.id, step.escalation.id, await parkedItems());
      } catch (error) {
        fail(c, "The fallback failed; it runs again on the next tick")(error);
      }
    }
    for (const { c, step } of steps) {
      if (step.kind === "mark_late")
        await markLate(c.id, step.escalation.id, parkedItems).catch(fail(c, "Could not mark a late card; it runs again on the next tick"));
    }
  }

  return { tick };
}

/** The thread's note on a late card: how long it waited, why, and the case that stood in for it. */
function lateNote(fallbackCase: FallbackCase, postedAt: number): string {
  const waited = Math.max(1, Math.round((postedAt - fallbackCase.waitingSince) / 60_000));
  const routes = fallbackCase.routes?.join(" and ") ?? "the fallback route";
  const external = fallbackCase.externalId ? ` (${fallbackCase.externalId} there)` : "";
  return `:hourglass: This card was posted ${waited} min late: Slack could not be reached. Case ${fallbackCase.number} was opened by ${routes}${external} and the customer was told its number. Reply here as usual; close the case there too.`;
}
