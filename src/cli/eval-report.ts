import type { MessageEvaluation, TriageFigures, TriageTally } from "./evaluate-triage.js";

/** Width of the terminal the per-slice tables are packed into, several slices to a line. */
const REPORT_WIDTH = 140;

const pct = (value: number | null) => (value === null ? "   -  " : value.toFixed(3).padStart(6));

/** A bar line: the figure, its target, ok or MISSED. */
export function barLine(label: string, value: number | null, target: string, ok: boolean): string {
  return `${label.padEnd(44)} ${pct(value)}   target ${target.padEnd(7)} ${ok ? "ok" : "MISSED"}`;
}

/** The figures that exist for a slice, in a fixed order: n, recall, false escalation, then team, intent, report-only. */
export function figureCells(f: TriageFigures): string {
  const parts = [
    String(f.utterances).padStart(4),
    `rec ${pct(f.escalationRecall)}`,
    `false ${pct(f.falseEscalationRate)}`,
    ...(f.teamAccuracy === null ? [] : [`team ${pct(f.teamAccuracy)}`]),
    ...(f.intentAccuracy === null ? [] : [`intent ${pct(f.intentAccuracy)}`]),
    ...(f.reportOnlyEscalationRate === null ? [] : [`esc(report) ${pct(f.reportOnlyEscalationRate)}`]),
  ];
  return parts.join("  ");
}

/** One slice kind as a table, packed into columns when the cells are short; `flag` marks a slice under its bar. */
export function sliceTable(
  title: string,
  slices: Map<string, TriageTally> | undefined,
  flag: (key: string, figures: TriageFigures) => boolean = () => false,
): string[] {
  if (!slices || slices.size === 0) return [];
  const keys = [...slices.keys()].sort();
  const keyWidth = Math.max(...keys.map((key) => key.length));
  const cells = keys.map((key) => {
    const figures = slices.get(key)!.figures();
    return `${flag(key, figures) ? "!" : " "} ${key.padEnd(keyWidth)} ${figureCells(figures)}`;
  });
  const cellWidth = Math.max(...cells.map((cell) => cell.length)) + 3;
  const perLine = Math.max(1, Math.floor(REPORT_WIDTH / cellWidth));
  const lines = [`${title}:`];
  for (let i = 0; i < cells.length; i += perLine)
    lines.push(
      cells
        .slice(i, i + perLine)
        .map((c) => c.padEnd(cellWidth))
        .join("")
        .trimEnd(),
    );
  return lines;
}

/** Which detector raised the false escalations (reason → count): where precision work should start. */
export function falseReasonsLine(evaluation: MessageEvaluation): string {
  const reasons = [...evaluation.overall.falseReasons].sort((a, b) => b[1] - a[1]);
  return `false escalations by reason: ${reasons.length === 0 ? "none" : reasons.map(([reason, n]) => `${reason} ${n}`).join(", ")}`;
}

/** The first failing texts of each slice of one kind (for --examples). */
export function exampleLines(slices: Map<string, TriageTally> | undefined): string[] {
  return [...(slices ?? [])]
    .sort()
    .flatMap(([key, tally]) => [
      ...tally.missed.map((text) => `  ${key}  missed: ${text}`),
      ...tally.falseAlarms.map((text) => `  ${key}  false: ${text}`),
    ]);
}

/** Slices as plain JSON: kind → key → figures. */
export function slicesJson(evaluation: MessageEvaluation): Record<string, Record<string, TriageFigures>> {
  return Object.fromEntries(
    [...evaluation.slices].map(([kind, byKey]) => [
      kind,
      Object.fromEntries([...byKey].sort(([a], [b]) => a.localeCompare(b)).map(([key, tally]) => [key, tally.figures()])),
    ]),
  );
}
