import { ALL_TEAMS, type Figures, type TeamFigures } from "../analytics/compute-figures.js";
import { figuresFromStore, parseWindow } from "../analytics/figures-source.js";
import type { WarmlineConfig } from "../config/schema.js";
import { WarmlineError } from "../domain/errors.js";
import type { ConversationStore } from "../ports/conversation-store.js";
import { csvField } from "./csv.js";

export const REPORT_FORMATS = ["table", "json", "csv"] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

type Value = number | string | undefined;

/** The report's columns, shared by the table and the CSV (JSON is the Figures object itself). */
export const REPORT_COLUMNS: { key: string; label: string; value: (row: TeamFigures) => Value }[] = [
  { key: "escalations", label: "escalations", value: (r) => r.escalations },
  { key: "escalation_rate", label: "escalation rate", value: (r) => r.escalationRate },
  {
    key: "by_reason",
    label: "by trigger",
    value: (r) =>
      Object.entries(r.byReason)
        .map(([k, v]) => `${k}=${v}`)
        .join(" "),
  },
  { key: "transfers_in", label: "transfers in", value: (r) => r.transfersIn },
  { key: "reescalations", label: "re-escalations", value: (r) => r.reEscalations },
  { key: "time_to_escalation_p50_s", label: "to escalation p50 s", value: (r) => r.timeToEscalation.medianSeconds },
  { key: "time_to_claim_p50_s", label: "to claim p50 s", value: (r) => r.timeToClaim.medianSeconds },
  { key: "time_to_claim_p90_s", label: "to claim p90 s", value: (r) => r.timeToClaim.p90Seconds },
  { key: "claim_deadline_min", label: "claim deadline min", value: (r) => r.claimDeadlineMinutes },
  { key: "claimed_within_deadline", label: "within deadline", value: (r) => r.claimedWithinDeadlineRate },
  { key: "time_to_first_reply_p50_s", label: "to 1st reply p50 s", value: (r) => r.timeToFirstReply.medianSeconds },
  { key: "claimed", label: "claimed", value: (r) => r.outcomes.claimed },
  { key: "abandoned", label: "abandoned", value: (r) => r.outcomes.abandoned },
  { key: "abandonment_rate", label: "abandonment rate", value: (r) => r.abandonmentRate },
  { key: "transferred", label: "transferred", value: (r) => r.outcomes.transferred },
  { key: "returned_to_bot", label: "returned to bot", value: (r) => r.outcomes.returnedToBot },
  { key: "resolved", label: "resolved", value: (r) => r.outcomes.resolved },
  { key: "survey_responses", label: "surveys", value: (r) => r.survey.responses },
  { key: "survey_score_avg", label: "survey score", value: (r) => r.survey.averageScore },
  { key: "helped_yes", label: "helped yes", value: (r) => r.survey.helpedYes },
  { key: "helped_no", label: "helped no", value: (r) => r.survey.helpedNo },
  { key: "repeat_rate", label: "repeat rate", value: (r) => r.repeats.rate },
  { key: "repeats_measured", label: "repeats measured", value: (r) => r.repeats.measured },
  { key: "context_view_rate", label: "context view rate", value: (r) => r.contextViews.rate },
  { key: "context_views", label: "context views", value: (r) => r.contextViews.views },
  { key: "feedback_right_call", label: "fb: right call", value: (r) => r.feedback.rightCall },
  { key: "feedback_bot_should_handle", label: "fb: bot should handle", value: (r) => r.feedback.botShouldHaveHandled },
  { key: "feedback_escalated_too_late", label: "fb: too late", value: (r) => r.feedback.escalatedTooLate },
  { key: "queued_now", label: "queued now", value: (r) => r.open.queued },
  { key: "assigned_now", label: "assigned now", value: (r) => r.open.assigned },
];

function teamOrder(figures: Figures): string[] {
  return [ALL_TEAMS, ...Object.keys(figures.teams).filter((k) => k !== ALL_TEAMS)];
}

const teamLabel = (key: string) => (key === ALL_TEAMS ? "all" : key);

export function formatReportCsv(figures: Figures): string {
  const header = ["team", ...REPORT_COLUMNS.map((c) => c.key)].join(",");
  const rows = teamOrder(figures).map((key) =>
    [teamLabel(key), ...REPORT_COLUMNS.map((c) => c.value(figures.teams[key]!))].map(csvField).join(","),
  );
  return `${[header, ...rows].join("\n")}\n`;
}

/** Figures down, teams across: reads well in a terminal with a handful of teams. */
export function formatReportTable(figures: Figures): string {
  const teams = teamOrder(figures);
  const cell = (value: Value) =>
    value === undefined || value === "" ? "–" : typeof value === "number" ? String(Number(value.toFixed(3))) : value;
  const rows = [
    ["", ...teams.map(teamLabel)],
    ...REPORT_COLUMNS.map((c) => [c.label, ...teams.map((t) => cell(c.value(figures.teams[t]!)))]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const lines = rows.map((r) => r.map((text, i) => (i === 0 ? text.padEnd(widths[i]!) : text.padStart(widths[i]!))).join("  "));
  const window = `${new Date(figures.since).toISOString()} to ${new Date(figures.until).toISOString()} · ${figures.conversations} conversations`;
  return `${window}\n${lines.join("\n")}\n`;
}

export function formatReport(figures: Figures, format: ReportFormat): string {
  if (format === "json") return `${JSON.stringify(figures, null, 2)}\n`;
  if (format === "csv") return formatReportCsv(figures);
  return formatReportTable(figures);
}

export interface ReportOptions {
  config: WarmlineConfig;
  store: Pick<ConversationStore, "listSince" | "teamCounts">;
  since: string;
  format: string;
  now: number;
  output: NodeJS.WritableStream;
}

/**
 * Checks --since and --format before anything is opened, so a typo is reported at once.
 * Returns the window in milliseconds and the format.
 */
export function checkReportOptions(since: string, format: string, now: number): { windowMs: number; format: ReportFormat } {
  if (!(REPORT_FORMATS as readonly string[]).includes(format)) {
    throw new WarmlineError("input_invalid", `Unknown report format "${format}": use --format ${REPORT_FORMATS.join(", --format ")}.`);
  }
  const windowMs = parseWindow(since);
  if (windowMs > now) {
    throw new WarmlineError("input_invalid", `--since ${since.trim()} reaches back before 1970: use a shorter window, e.g. 365d.`);
  }
  return { windowMs, format: format as ReportFormat };
}

/** `warmline report --since 7d --format table|json|csv`: the same figures /metrics serves. */
export async function runReport(options: ReportOptions): Promise<number> {
  const { windowMs, format } = checkReportOptions(options.since, options.format, options.now);
  const figures = await figuresFromStore(options.store, options.config, { since: options.now - windowMs, now: options.now });
  options.output.write(formatReport(figures, format));
  return 0;
}
