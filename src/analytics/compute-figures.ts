import { textSimilarity } from "../../routing/text-similarity.js";
import type { AgentFeedbackKind, Conversation, TranscriptEntry } from "../domain/conversation.js";
import type { Escalation, EscalationReason } from "../domain/escalation.js";
import type { TeamQueueCounts } from "../ports/conversation-store.js";

/**
 * The escalation figures support leads tune from, computed from stored conversations alone.
 * Pure: /metrics, `warmline report` and the Slack dashboard all call this, so they agree by
 * construction. Each figure counts what happened in [since, until] (until inclusive: "now" is in the window):
 * - escalations (level 1, by reason) created in the window, and transfers into a team;
 * - durations, outcomes, repeats and context views of every escalation created in the window;
 * - surveys sent, and feedback given, in the window;
 * - the open queue as it is at `now`.
 */

/** Label for the whole business in per-team maps; team keys start with a letter, so it never collides. */
export const ALL_TEAMS = "_all";

export interface DurationFigures {
  count: number;
  sumSeconds: number;
  medianSeconds?: number;
  p90Seconds?: number;
  /** Every duration, sorted: only when asked for (withDurations), for the /metrics histogram. */
  seconds?: number[];
}

export interface FeedbackFigures {
  rightCall: number;
  botShouldHaveHandled: number;
  escalatedTooLate: number;
}

/** Which FeedbackFigures count each answer an agent can give. */
export const FEEDBACK_FIGURES: Record<AgentFeedbackKind, keyof FeedbackFigures> = {
  right_call: "rightCall",
  bot_should_have_handled: "botShouldHaveHandled",
  escalated_too_late: "escalatedTooLate",
};

export interface TeamFigures {
  /** Level-1 escalations (the bot handed over) created in the window. */
  escalations: number;
  byReason: Partial<Record<EscalationReason, number>>;
  /** Level-1 escalations / conversations started in the window (per team: its share of them). */
  escalationRate?: number;
  /** Escalations that arrived by transfer from another team. */
  transfersIn: number;
  /** Escalations after an earlier one of the same conversation ended (returned to bot, declined). */
  reEscalations: number;
  timeToEscalation: DurationFigures;
  /** Escalation → claim: the handoff time. */
  timeToClaim: DurationFigures;
  /** Escalation → the first agent reply the customer received. */
  timeToFirstReply: DurationFigures;
  claimDeadlineMinutes?: number;
  claimedWithinDeadline: number;
  claimedWithinDeadlineRate?: number;
  outcomes: { claimed: number; abandoned: number; transferred: number; returnedToBot: number; resolved: number };
  /** Abandoned (customer withdrew while queued) / escalations handled by the team. */
  abandonmentRate?: number;
  survey: { responses: number; averageScore?: number; helpedYes: number; helpedNo: number };
  /** Claimed escalations where the customer wrote after the claim, and how many of those repeated an earlier need. */
  repeats: { measured: number; repeated: number; rate?: number };
  /** Escalations whose full transcript an agent opened, over escalations with a posted card. */
  contextViews: { views: number; escalationsViewed: number; escalationsWithCard: number; rate?: number };
  /** Agents' answers on resolved cards given in the window, one per agent and escalation. */
  feedback: FeedbackFigures;
  open: { queued: number; assigned: number; oldestWaitSeconds?: number };
}

export interface Figures {
  since: number;
  until: number;
  /** Conversations started in the window. */
  conversations: number;
  /** Per team key, plus ALL_TEAMS. */
  teams: Record<string, TeamFigures>;
}

export interface ComputeFiguresOptions {
  since: number;
  until: number;
  now: number;
  /** Configured teams (so quiet teams still get a row) with their claim deadlines. */
  teams: Record<string, { claimWithinMinutes: number }>;
  /** policy.repeatSimilarity: when a message after the claim counts as the same need. */
  repeatSimilarity: number;
  /** Keep every duration (DurationFigures.seconds), not only their summary. */
  withDurations?: boolean;
  /**
   * The open queue as the store counts it (ConversationStore.teamCounts): given, the open figures come
   * from it and the conversations need not include every open one; absent, they are counted from the conversations.
   */
  openQueue?: Record<string, TeamQueueCounts>;
}

function emptyTeam(claimDeadlineMinutes?: number): TeamFigures {
  const duration = (): DurationFigures => ({ count: 0, sumSeconds: 0 });
  return {
    escalations: 0,
    byReason: {},
    transfersIn: 0,
    reEscalations: 0,
    timeToEscalation: duration(),
    timeToClaim: duration(),
    timeToFirstReply: duration(),
    ...(claimDeadlineMinutes !== undefined ? { claimDeadlineMinutes } : {}),
    claimedWithinDeadline: 0,
    outcomes: { claimed: 0, abandoned: 0, transferred: 0, returnedToBot: 0, resolved: 0 },
    survey: { responses: 0, helpedYes: 0, helpedNo: 0 },
    repeats: { measured: 0, repeated: 0 },
    contextViews: { views: 0, escalationsViewed: 0, escalationsWithCard: 0 },
    feedback: { rightCall: 0, botShouldHaveHandled: 0, escalatedTooLate: 0 },
    open: { queued: 0, assigned: 0 },
  };
}

/** Linear interpolation between closest ranks (numpy's default), on sorted values. */
export function quantile(sorted: readonly number[], q: number): number | undefined {
  if (sorted.length === 0) return undefined;
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (position - low);
}

const ratio = (part: number, whole: number): number | undefined => (whole > 0 ? part / whole : undefined);
const round = (value: number | undefined, digits = 4): number | undefined =>
  value === undefined ? undefined : Number(value.toFixed(digits));

/** Whether any customer message after the claim restates something said before the escalation. */
export function repeatedAfterClaim(before: readonly TranscriptEntry[], after: readonly TranscriptEntry[], threshold: number): boolean {
  const textOf = (e: TranscriptEntry) => e.editedText ?? e.text;
  return after.some((late) => before.some((early) => textSimilarity(textOf(late), textOf(early)) >= threshold));
}

export function computeFigures(conversations: readonly Conversation[], options: ComputeFiguresOptions): Figures {
  const { since, until, now } = options;
  const inWindow = (at: number | undefined) => at !== undefined && at >= since && at <= until;
  const teams: Record<string, TeamFigures> = { [ALL_TEAMS]: emptyTeam() };
  for (const [key, team] of Object.entries(options.teams)) teams[key] = emptyTeam(team.claimWithinMinutes);
  const rowsFor = (team: string): TeamFigures[] => [
    (teams[team] ??= emptyTeam(options.teams[team]?.claimWithinMinutes)),
    teams[ALL_TEAMS]!,
  ];
  const durations = new Map<TeamFigures, Record<"timeToEscalation" | "timeToClaim" | "timeToFirstReply", number[]>>();
  const observe = (rows: TeamFigures[], stage: "timeToEscalation" | "timeToClaim" | "timeToFirstReply", ms: number) => {
    for (const row of rows) {
      let lists = durations.get(row);
      if (!lists) durations.set(row, (lists = { timeToEscalation: [], timeToClaim: [], timeToFirstReply: [] }));
      lists[stage].push(Math.max(0, ms) / 1000);
    }
  };

  const scores = new Map<TeamFigures, { sum: number; count: number }>();
  let started = 0;
  const seen = new Set<string>();
  for (const conversation of conversations) {
    // Callers may pass listSince ∪ listOpen; count each conversation once.
    if (seen.has(conversation.id)) continue;
    seen.add(conversation.id);
    const firstEscalation = conversation.escalations[0];
    if (inWindow(conversation.createdAt)) {
      started += 1;
      if (firstEscalation) rowsFor(firstEscalation.team).forEach((row) => (row.escalationRate = (row.escalationRate ?? 0) + 1));
    }
    const customerEntries = conversation.transcript.filter((e) => e.author === "customer" && !e.deleted);

    conversation.escalations.forEach((escalation, index) => {
      const rows = rowsFor(escalation.team);
      if (inWindow(escalation.createdAt)) countEscalation(conversation, escalation, index, rows, customerEntries);
      for (const feedback of conversation.feedback ?? []) {
        if (feedback.escalationId !== escalation.id || !inWindow(feedback.at)) continue;
        for (const row of rows) row.feedback[FEEDBACK_FIGURES[feedback.kind]] += 1;
      }
    });

    // The survey judges the last handoff before it was sent.
    const survey = conversation.survey;
    const judged = survey && conversation.escalations.findLast((e) => e.createdAt <= survey.sentAt);
    if (survey && judged && inWindow(survey.sentAt) && (survey.score !== undefined || survey.handoverHelped !== undefined)) {
      for (const row of rowsFor(judged.team)) {
        row.survey.responses += 1;
        if (survey.score !== undefined) {
          const total = scores.get(row) ?? { sum: 0, count: 0 };
          scores.set(row, { sum: total.sum + survey.score, count: total.count + 1 });
        }
        if (survey.handoverHelped === true) row.survey.helpedYes += 1;
        if (survey.handoverHelped === false) row.survey.helpedNo += 1;
      }
    }

    const current = conversation.escalations.at(-1);
    if (!options.openQueue && current && (conversation.state === "queued" || conversation.state === "assigned")) {
      const queuedAt = conversation.state === "queued" ? current.createdAt : undefined;
      countOpen(current.team, {
        queued: queuedAt === undefined ? 0 : 1,
        assigned: queuedAt === undefined ? 1 : 0,
        oldestQueuedAt: queuedAt,
      });
    }
  }
  for (const [team, counts] of Object.entries(options.openQueue ?? {})) countOpen(team, counts);

  function countOpen(team: string, counts: TeamQueueCounts) {
    for (const row of rowsFor(team)) {
      row.open.queued += counts.queued;
      row.open.assigned += counts.assigned;
      if (counts.oldestQueuedAt !== undefined) {
        const waited = Math.max(0, now - counts.oldestQueuedAt) / 1000;
        row.open.oldestWaitSeconds = Math.max(row.open.oldestWaitSeconds ?? 0, waited);
      }
    }
  }

  function countEscalation(
    conversation: Conversation,
    escalation: Escalation,
    index: number,
    rows: TeamFigures[],
    customerEntries: TranscriptEntry[],
  ) {
    const previous = conversation.escalations[index - 1];
    for (const row of rows) {
      if (escalation.level === 1) {
        row.escalations += 1;
        row.byReason[escalation.reason] = (row.byReason[escalation.reason] ?? 0) + 1;
        if (previous) row.reEscalations += 1;
      } else row.transfersIn += 1;
      if (escalation.claimedAt !== undefined) row.outcomes.claimed += 1;
      if (escalation.outcome === "abandoned") row.outcomes.abandoned += 1;
      if (escalation.outcome === "transferred") row.outcomes.transferred += 1;
      if (escalation.outcome === "returned_to_bot") row.outcomes.returnedToBot += 1;
      if (escalation.outcome === "resolved") row.outcomes.resolved += 1;
    }
    if (escalation.level === 1) {
      // The bot phase starts with the conversation, or when the previous handoff ended.
      const botPhaseStart = Math.max(conversation.createdAt, previous?.endedAt ?? 0);
      observe(rows, "timeToEscalation", escalation.createdAt - botPhaseStart);
    }
    if (escalation.claimedAt !== undefined) {
      const ms = escalation.claimedAt - escalation.createdAt;
      observe(rows, "timeToClaim", ms);
      const deadline = options.teams[escalation.team]?.claimWithinMinutes;
      if (deadline !== undefined && ms <= deadline * 60_000) rows.forEach((row) => (row.claimedWithinDeadline += 1));

      const end = escalation.endedAt ?? until;
      // Inclusive bounds: WhatsApp stamps messages to the second, so a message can share the escalation's or claim's millisecond.
      const before = customerEntries.filter((e) => e.at <= escalation.createdAt);
      const after = customerEntries.filter((e) => e.at >= escalation.claimedAt! && e.at <= end && !before.includes(e));
      if (after.length > 0) {
        const repeated = repeatedAfterClaim(before, after, options.repeatSimilarity);
        for (const row of rows) {
          row.repeats.measured += 1;
          if (repeated) row.repeats.repeated += 1;
        }
      }
    }
    if (escalation.firstAgentReplyAt !== undefined) observe(rows, "timeToFirstReply", escalation.firstAgentReplyAt - escalation.createdAt);
    if (escalation.thread !== undefined) {
      const views = (conversation.contextViews ?? []).filter((v) => v.escalationId === escalation.id).length;
      for (const row of rows) {
        row.contextViews.escalationsWithCard += 1;
        row.contextViews.views += views;
        if (views > 0) row.contextViews.escalationsViewed += 1;
      }
    }
  }

  for (const row of Object.values(teams)) {
    row.escalationRate = round(ratio(row.escalationRate ?? 0, started));
    const lists = durations.get(row);
    for (const stage of ["timeToEscalation", "timeToClaim", "timeToFirstReply"] as const) {
      const values = [...(lists?.[stage] ?? [])].sort((a, b) => a - b);
      row[stage] = {
        count: values.length,
        sumSeconds: round(
          values.reduce((a, b) => a + b, 0),
          3,
        )!,
        ...(values.length > 0 ? { medianSeconds: round(quantile(values, 0.5), 3), p90Seconds: round(quantile(values, 0.9), 3) } : {}),
        ...(options.withDurations ? { seconds: values } : {}),
      };
    }
    row.claimedWithinDeadlineRate = round(ratio(row.claimedWithinDeadline, row.timeToClaim.count));
    row.abandonmentRate = round(ratio(row.outcomes.abandoned, row.escalations + row.transfersIn));
    const score = scores.get(row);
    if (score) row.survey.averageScore = round(score.sum / score.count, 3);
    row.repeats.rate = round(ratio(row.repeats.repeated, row.repeats.measured));
    row.contextViews.rate = round(ratio(row.contextViews.escalationsViewed, row.contextViews.escalationsWithCard));
    if (row.open.oldestWaitSeconds !== undefined) row.open.oldestWaitSeconds = round(row.open.oldestWaitSeconds, 3);
    dropUndefined(row);
  }
  return { since, until, conversations: started, teams };
}

/** JSON output and test equality should not carry `key: undefined`. */
function dropUndefined(value: object): void {
  for (const [key, inner] of Object.entries(value)) {
    if (inner === undefined) delete (value as Record<string, unknown>)[key];
    else if (inner && typeof inner === "object" && !Array.isArray(inner)) dropUndefined(inner);
  }
}
