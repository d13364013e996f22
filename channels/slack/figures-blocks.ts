import type { KnownBlock, SectionBlock } from "@slack/types";
import { ALL_TEAMS, type Figures, type TeamFigures } from "../../src/analytics/compute-figures.js";
import type { EscalationReason } from "../../src/domain/escalation.js";
import { reasonLabel, slackDate, type SlackTeamInfo } from "./context-card.js";
import { escapeSlackText } from "./escape.js";
import { SLACK_HEADER_TEXT_LIMIT, SLACK_SECTION_TEXT_LIMIT, cutToLimit } from "./slack-limits.js";

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
  return [...shown, ...(other > 0 ? [`other ${other}`] : [])].join(" · ");
}

/** One team's (or everyone's) figures as a single section, so 50 teams still fit a Home tab. */
export function teamSection(name: string, week: TeamFigures, today: TeamFigures | undefined): SectionBlock {
  const open = `${week.open.queued} waiting, ${week.open.assigned} with an agent${week.open.oldestWaitSeconds !== undefined ? `, oldest ${formatSeconds(week.open.oldestWaitSeconds)}` : ""}`;
  const deadline = week.claimDeadlineMinutes !== undefined ? ` · deadline ${week.claimDeadlineMinutes} min (${formatPercent(week.claimedWithinDeadlineRate)} within)` : "";
  const lines = [
    `*${escapeSlackText(name)}* · :inbox_tray: ${open}`,
    `*Escalation rate* ${today ? `today ${formatPercent(today.escalationRate)} (${today.escalations}) · ` : ""}7 days ${formatPercent(week.escalationRate)} (${week.escalations})`,
    `*By trigger, 7 days* ${triggers(week)}`,
    `*Median time to claim* ${today ? `today ${formatSeconds(today.timeToClaim.medianSeconds)} · ` : ""}7 days ${formatSeconds(week.timeToClaim.medianSeconds)}${deadline}`,
    `*Survey, 7 days* ${week.survey.averageScore !== undefined ? `${week.survey.averageScore.toFixed(1)}/5` : "–"} from ${week.survey.responses} · helped ${formatPercent(ratio(week.survey.helpedYes, week.survey.helpedYes + week.survey.helpedNo))} · *repeat rate* ${formatPercent(week.repeats.rate)} (of ${week.repeats.measured})`,
  ];
  return { type: "section", text: { type: "mrkdwn", text: cutToLimit(lines.join("\n"), SLACK_SECTION_TEXT_LIMIT), verbatim: true } };
}

function ratio(part: number, whole: number): number | undefined {
  return whole > 0 ? part / whole : undefined;
}

/** The dashboard: everyone first, then each team, within `maxBlocks` (a last line says what did not fit). */
export function buildFiguresBlocks(input: FiguresBlocksInput): KnownBlock[] {
  const { week, today } = input;
  const blocks: KnownBlock[] = [
    { type: "header", text: { type: "plain_text", text: cutToLimit(input.title, SLACK_HEADER_TEXT_LIMIT, "…") } },
    {
      type: "context",
      elements: [{ type: "mrkdwn", text: `${today ? `Today since ${slackDate(today.since, "{time}")} and the ` : "The "}7 days to ${slackDate(week.until)} · \`warmline report --since 7d\` has every figure` }],
    },
    teamSection("All teams", week.teams[ALL_TEAMS]!, today?.teams[ALL_TEAMS]),
    { type: "divider" },
  ];
  const keys = [...new Set([...input.teams.map((t) => t.key), ...Object.keys(week.teams).filter((k) => k !== ALL_TEAMS)])];
  const room = input.maxBlocks - blocks.length;
  const fits = keys.length <= room ? keys : keys.slice(0, room - 1);
  for (const key of fits) {
    const name = input.teams.find((t) => t.key === key)?.displayName ?? key;
    const row = week.teams[key];
    if (row) blocks.push(teamSection(name, row, today?.teams[key]));
  }
  if (fits.length < keys.length) {
    blocks.push({ type: "context", elements: [{ type: "mrkdwn", text: `${keys.length - fits.length} more teams did not fit: run \`warmline report --since 7d\` for all of them.` }] });
  }
  return blocks;
}
