import type { KnownBlock, SectionBlock } from "@slack/types";
import { ALL_TEAMS, type Figures, type TeamFigures } from "../../src/analytics/compute-figures.js";
import type { EscalationReason } from "../../src/domain/escalation.js";
import { reasonLabel, slackDate, type SlackTeamInfo } from "./context-card.js";
import { escapeSlackText } from "./escape.js";
import { SLACK_CONTEXT_TEXT_LIMIT, SLACK_HEADER_TEXT_LIMIT, SLACK_SECTION_TEXT_LIMIT, cutToLimit } from "./slack-limits.js";

/** Triggers listed per team; the rest are summed as "other". */
const TOP_TRIGGERS = 4;

export interface FiguresBlocksInput {
  title: string;
  /** The wider window (7 days). */
  week: Figures;
  /** Since local midnight; omitted in the weekly digest. */
  today?: Figures;
  teams: readonly SlackTeamInfo[];
  /** Home tabs take 100 blocks, messages 50. */
  maxBlocks: number;
  /** Only this team's figures (its key); omitted: everyone first, then each team. */
  team?: string;
  /** Blocks under the header, such as the Home tab's team picker. */
  controls?: KnownBlock[];
}

export function formatPercent(rate: number | undefined): string {
  return rate === undefined ? "–" : `${Math.round(rate * 100)}%`;
}

export function formatSeconds(seconds: number | undefined): string {
  if (seconds === undefined) return "–";
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const minutes = Math.round(seconds / 60);
  return minutes < 60 ? `${minutes} min` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

function triggers(row: TeamFigures): string {
  const sorted = (Object.entries(row.byReason) as [EscalationReason, number][]).sort((a, b) => b[1] - a[1]);
  if (sorted.length === 0) return "none";
  const shown = sorted.slice(0, TOP_TRIGGERS).map(([reason, count]) => `${escapeSlackText(reasonLabel(reason))} ${count}`);
  const other = sorted.slice(TOP_TRIGGERS).reduce((sum, [, count]) => sum + count, 0);
  return [...shown, ...(other > 0 ? [`other ${other}`] : [])].join(", ");
}

/** "today … · 7 days …", or "7 days …" without today's figures (the weekly digest). */
function byWindow(week: TeamFigures, today: TeamFigures | undefined, show: (row: TeamFigures) => string): string {
  return `${today ? `today ${show(today)} · ` : ""}7 days ${show(week)}`;
}

function survey(row: TeamFigures): string {
  const { responses, averageScore, helpedYes, helpedNo } = row.survey;
  if (responses === 0) return "–";
  return `${averageScore !== undefined ? `${averageScore.toFixed(1)}/5` : "–"} from ${responses}, helped ${formatPercent(ratio(helpedYes, helpedYes + helpedNo))}`;
}

/** "1 of 4 (25%)", or "–" when nothing was measured. */
function share(part: number, whole: number, rate: number | undefined): string {
  return whole === 0 ? "–" : `${part} of ${whole} (${formatPercent(rate)})`;
}

/** "25% (1)": the share of handoffs the customer withdrew from the queue, and how many. */
function abandoned(row: TeamFigures): string {
  return row.abandonmentRate === undefined ? "–" : `${formatPercent(row.abandonmentRate)} (${row.outcomes.abandoned})`;
}

/** Every answer agents gave, in the resolved card's order; "–" before anyone answered. */
function feedback(row: TeamFigures): string {
  const { rightCall, botShouldHaveHandled, escalatedTooLate } = row.feedback;
  if (rightCall + botShouldHaveHandled + escalatedTooLate === 0) return "–";
  return `right call ${rightCall} · bot should have handled ${botShouldHaveHandled} · escalated too late ${escalatedTooLate}`;
}

/** One team's (or everyone's) figures as a single section, so 50 teams still fit a Home tab. */
export function teamSection(name: string, week: TeamFigures, today: TeamFigures | undefined): SectionBlock {
  const open = `${week.open.queued} waiting, ${week.open.assigned} with an agent${week.open.oldestWaitSeconds !== undefined ? `, oldest ${formatSeconds(week.open.oldestWaitSeconds)}` : ""}`;
  const within = week.claimedWithinDeadlineRate !== undefined ? ` (${formatPercent(week.claimedWithinDeadlineRate)} within)` : "";
  const deadline = week.claimDeadlineMinutes !== undefined ? ` · deadline ${week.claimDeadlineMinutes} min${within}` : "";
  const lines = [
    `*${escapeSlackText(name)}* · :inbox_tray: ${open}`,
    `*Escalation rate* ${byWindow(week, today, (row) => `${formatPercent(row.escalationRate)} (${row.escalations})`)}`,
    `*By trigger* ${byWindow(week, today, triggers)}`,
    `*Median time to claim* ${byWindow(week, today, (row) => formatSeconds(row.timeToClaim.medianSeconds))}${deadline}`,
    `*First agent reply* median ${byWindow(week, today, (row) => formatSeconds(row.timeToFirstReply.medianSeconds))}`,
    `*Abandoned while waiting* ${byWindow(week, today, abandoned)}`,
    `*Survey score* ${byWindow(week, today, survey)}`,
    `*Customers repeated themselves after the claim* ${byWindow(week, today, (row) => share(row.repeats.repeated, row.repeats.measured, row.repeats.rate))} — lower is better`,
    // Answers come a few a week: the week alone reads better than a near-empty "today".
    `*Agent feedback* 7 days ${feedback(week)}`,
  ];
  return { type: "section", text: { type: "mrkdwn", text: cutToLimit(lines.join("\n"), SLACK_SECTION_TEXT_LIMIT), verbatim: true } };
}

function ratio(part: number, whole: number): number | undefined {
  return whole > 0 ? part / whole : undefined;
}

/**
 * The dashboard within `maxBlocks`: one team's figures when `team` is given, else everyone first,
 * then each team (a last line says what did not fit).
 */
export function buildFiguresBlocks(input: FiguresBlocksInput): KnownBlock[] {
  const { week, today } = input;
  const blocks: KnownBlock[] = [
    { type: "header", text: { type: "plain_text", text: cutToLimit(input.title, SLACK_HEADER_TEXT_LIMIT, "…") } },
    ...(input.controls ?? []),
    {
      type: "context",
      elements: [
        {
          type: "mrkdwn",
          text: `${today ? `Today since ${slackDate(today.since, "{time}")} and the ` : "The "}7 days to ${slackDate(week.until)} · \`warmline report --since 7d\` has every figure`,
        },
      ],
    },
  ];
  if (input.team !== undefined) {
    const row = week.teams[input.team];
    const name = input.teams.find((t) => t.key === input.team)?.displayName ?? input.team;
    blocks.push(
      row
        ? teamSection(name, row, today?.teams[input.team])
        : {
            type: "context",
            elements: [{ type: "mrkdwn", text: cutToLimit(`No figures for ${escapeSlackText(name)} yet.`, SLACK_CONTEXT_TEXT_LIMIT) }],
          },
    );
    return blocks;
  }
  blocks.push(teamSection("All teams", week.teams[ALL_TEAMS]!, today?.teams[ALL_TEAMS]), { type: "divider" });
  const keys = [...new Set([...input.teams.map((t) => t.key), ...Object.keys(week.teams).filter((k) => k !== ALL_TEAMS)])];
  const room = input.maxBlocks - blocks.length;
  const fits = keys.length <= room ? keys : keys.slice(0, room - 1);
  for (const key of fits) {
    const name = input.teams.find((t) => t.key === key)?.displayName ?? key;
    const row = week.teams[key];
    if (row) blocks.push(teamSection(name, row, today?.teams[key]));
  }
  if (fits.length < keys.length) {
    blocks.push({
      type: "context",
      elements: [
        {
          type: "mrkdwn",
          text: `${keys.length - fits.length} more teams did not fit: run \`warmline report --since 7d\` for all of them.`,
        },
      ],
    });
  }
  return blocks;
}
