import { readFileSync } from "node:fs";
import type { WarmlineConfig } from "../config/schema.js";
import type { CorpusExample } from "../assistant/corpus.js";
import { WarmlineError } from "../domain/errors.js";
import type { Assistant } from "../ports/assistant.js";
import { triageOne, type TriageResult } from "./triage.js";

/** What the first message of a conversation must lead to. */
export interface Expectation {
  /** true: must escalate; false: must not; null: report only (no bar). */
  escalate: boolean | null;
  /** The team it must reach; null when any team will do (not scored). */
  team: string | null;
  /** The escalation reason expected, when the data set names one. */
  reason?: string;
  /** The intent expected, when the data set names one. */
  intent?: string;
}

/** One labelled first message, and the slices it is reported under (kind → keys, e.g. language → ["hi"]). */
export interface LabelledMessage {
  text: string;
  expected: Expectation;
  slices: Readonly<Record<string, readonly string[]>>;
}

/** expectations.json: what the default policy must decide for a first message of each intent. */
export interface TriageExpectations {
  escalate_on_first_message: Record<string, string>;
  team_by_intent: Record<string, string>;
  default_team: string;
}

/** Reads expectations.json; a missing, broken or misshapen file is an input_invalid error saying what to fix. */
export function loadExpectations(file: string): TriageExpectations {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (cause) {
    throw new WarmlineError(
      "input_invalid",
      `Cannot read expectations ${file} (${(cause as Error).message}): pass --expectations with a JSON file like ../shared/data/bitext/expectations.json.`,
      cause,
    );
  }
  const value = (raw ?? {}) as Record<string, unknown>;
  const isMap = (v: unknown) =>
    typeof v === "object" && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === "string");
  const missing = [
    ...(isMap(value.escalate_on_first_message) ? [] : ['"escalate_on_first_message" (intent → reason)']),
    ...(isMap(value.team_by_intent) ? [] : ['"team_by_intent" (intent → team)']),
    ...(typeof value.default_team === "string" ? [] : ['"default_team" (a team name)']),
  ];
  if (missing.length > 0)
    throw new WarmlineError(
      "input_invalid",
      `${file} lacks ${missing.join(", ")}: see ../shared/data/bitext/expectations.json for the shape.`,
    );
  return value as unknown as TriageExpectations;
}

/** Bitext's rows as labelled messages: every row expects a team (its intent's, or the default), sliced by intent and tag letter. */
export function bitextMessages(rows: readonly CorpusExample[], expectations: TriageExpectations): LabelledMessage[] {
  return rows.map((row) => {
    const reason = expectations.escalate_on_first_message[row.intent];
    return {
      text: row.text,
      expected: {
        escalate: reason !== undefined,
        team: expectations.team_by_intent[row.intent] ?? expectations.default_team,
        intent: row.intent,
        ...(reason === undefined ? {} : { reason }),
      },
      slices: { intent: [row.intent], tag: [...new Set((row.tags ?? "").split("").filter(Boolean))] },
    };
  });
}

export interface TriageFigures {
  utterances: number;
  intentAccuracy: number | null;
  /** Among rows that name a team: how often triage picks it (where the message goes if escalated). */
  teamAccuracy: number | null;
  escalationRecall: number | null;
  expectedReasonRate: number | null;
  falseEscalationRate: number | null;
  /** Among report-only rows (no bar): how often they escalate. */
  reportOnlyEscalationRate: number | null;
}

/** How many failing texts a slice keeps, to show in a report or an assertion message. */
export const EXAMPLES_KEPT = 3;

/** Counts one slice of an evaluation (overall, one language, one intent…). */
export class TriageTally {
  private total = 0;
  private intentExpected = 0;
  private intentRight = 0;
  private teamExpected = 0;
  private teamRight = 0;
  private mustEscalate = 0;
  private escalated = 0;
  private reasonExpected = 0;
  private rightReason = 0;
  private shouldNot = 0;
  private falselyEscalated = 0;
  private reportOnly = 0;
  private reportOnlyEscalated = 0;
  /** Must-escalate texts that were not escalated (the first few). */
  readonly missed: string[] = [];
  /** Must-not texts that were escalated, with the reason (the first few). */
  readonly falseAlarms: string[] = [];
  /** Why must-not messages were escalated: reason → count (the detector at fault). */
  readonly falseReasons = new Map<string, number>();

  add(row: LabelledMessage, result: TriageResult): void {
    const { expected } = row;
    this.total++;
    if (expected.intent !== undefined) {
      this.intentExpected++;
      if (result.intent === expected.intent) this.intentRight++;
    }
    if (expected.team !== null) {
      this.teamExpected++;
      if (result.team === expected.team) this.teamRight++;
    }
    if (expected.escalate === true) {
      this.mustEscalate++;
      if (result.escalate) this.escalated++;
      else if (this.missed.length < EXAMPLES_KEPT) this.missed.push(row.text);
      if (expected.reason !== undefined) {
        this.reasonExpected++;
        if (result.reason === expected.reason) this.rightReason++;
      }
    } else if (expected.escalate === false) {
      this.shouldNot++;
      if (result.escalate) {
        this.falselyEscalated++;
        const reason = result.reason ?? "unknown";
        this.falseReasons.set(reason, (this.falseReasons.get(reason) ?? 0) + 1);
        if (this.falseAlarms.length < EXAMPLES_KEPT) this.falseAlarms.push(`${row.text} (${reason})`);
      }
    } else {
      this.reportOnly++;
      if (result.escalate) this.reportOnlyEscalated++;
    }
  }

  figures(): TriageFigures {
    const ratio = (a: number, b: number) => (b === 0 ? null : a / b);
    return {
      utterances: this.total,
      intentAccuracy: ratio(this.intentRight, this.intentExpected),
      teamAccuracy: ratio(this.teamRight, this.teamExpected),
      escalationRecall: ratio(this.escalated, this.mustEscalate),
      expectedReasonRate: ratio(this.rightReason, this.reasonExpected),
      falseEscalationRate: ratio(this.falselyEscalated, this.shouldNot),
      reportOnlyEscalationRate: ratio(this.reportOnlyEscalated, this.reportOnly),
    };
  }
}

export interface MessageEvaluation {
  overall: TriageTally;
  /** Slice kind → key → tally, e.g. "language" → "hi" → its figures. */
  slices: Map<string, Map<string, TriageTally>>;
}

/** Triage every labelled first message as `warmline triage` would, and tally it overall and per slice. */
export async function evaluateMessages(
  assistant: Assistant,
  config: WarmlineConfig,
  rows: readonly LabelledMessage[],
): Promise<MessageEvaluation> {
  const evaluation: MessageEvaluation = { overall: new TriageTally(), slices: new Map() };
  for (const row of rows) {
    const result = await triageOne(assistant, config, null, row.text);
    evaluation.overall.add(row, result);
    for (const [kind, keys] of Object.entries(row.slices)) {
      const byKey = evaluation.slices.get(kind) ?? new Map<string, TriageTally>();
      evaluation.slices.set(kind, byKey);
      for (const key of keys) {
        if (!byKey.has(key)) byKey.set(key, new TriageTally());
        byKey.get(key)!.add(row, result);
      }
    }
  }
  return evaluation;
}

export interface TriageEvaluation {
  overall: TriageTally;
  byIntent: Map<string, TriageTally>;
  /** By the data set's language-variation tag letters (Q colloquial, Z typos, W offensive…). */
  byTag: Map<string, TriageTally>;
}

/** Bitext-shaped evaluation: rows labelled by intent, scored against expectations.json. */
export async function evaluateTriage(
  assistant: Assistant,
  config: WarmlineConfig,
  rows: readonly CorpusExample[],
  expectations: TriageExpectations,
): Promise<TriageEvaluation> {
  const { overall, slices } = await evaluateMessages(assistant, config, bitextMessages(rows, expectations));
  return { overall, byIntent: slices.get("intent") ?? new Map(), byTag: slices.get("tag") ?? new Map() };
}

/** The Bitext bars; training on a user's own corpus must reach a higher intent accuracy. */
export function triageTargets(userCorpus: boolean) {
  return { recall: 0.97, falseEscalation: 0.05, team: 0.95, intent: userCorpus ? 0.95 : 0.9 };
}

export function checkTriageTargets(
  figures: TriageFigures,
  userCorpus: boolean,
): Record<"recall" | "falseEscalation" | "team" | "intent", boolean> {
  const targets = triageTargets(userCorpus);
  return {
    recall: (figures.escalationRecall ?? 0) >= targets.recall,
    falseEscalation: (figures.falseEscalationRate ?? 1) <= targets.falseEscalation,
    team: (figures.teamAccuracy ?? 0) >= targets.team,
    intent: (figures.intentAccuracy ?? 0) >= targets.intent,
  };
}

/** HINT3's bars (first message): overall recall and false escalation, and cancellations routed to retention. */
export const HINT3_TARGETS = { recall: 0.9, falseEscalation: 0.03, retentionTeam: 0.95 } as const;

export function checkHint3Targets(evaluation: MessageEvaluation): Record<"recall" | "falseEscalation" | "retentionTeam", boolean> {
  const figures = evaluation.overall.figures();
  const retention = evaluation.slices.get("team")?.get("retention")?.figures();
  return {
    recall: (figures.escalationRecall ?? 0) >= HINT3_TARGETS.recall,
    falseEscalation: (figures.falseEscalationRate ?? 1) <= HINT3_TARGETS.falseEscalation,
    retentionTeam: (retention?.teamAccuracy ?? 0) >= HINT3_TARGETS.retentionTeam,
  };
}

/** The wild set's bars: in EVERY language, and for every must-escalate category across languages. */
export const WILD_TARGETS = { recall: 0.92, falseEscalation: 0.03, categoryRecall: 0.9 } as const;

/** One missed bar of the wild set: which slice, which figure, and texts that fail it. */
export interface WildShortfall {
  slice: string;
  figure: "recall" | "falseEscalation";
  value: number;
  examples: readonly string[];
}

/** Every slice of the wild set under its bar: per language (recall, false escalation), per must-escalate category (recall). */
export function wildShortfalls(evaluation: MessageEvaluation): WildShortfall[] {
  const shortfalls: WildShortfall[] = [];
  for (const [language, tally] of evaluation.slices.get("language") ?? []) {
    const f = tally.figures();
    if (f.escalationRecall !== null && f.escalationRecall < WILD_TARGETS.recall)
      shortfalls.push({ slice: `language ${language}`, figure: "recall", value: f.escalationRecall, examples: tally.missed });
    if (f.falseEscalationRate !== null && f.falseEscalationRate > WILD_TARGETS.falseEscalation)
      shortfalls.push({
        slice: `language ${language}`,
        figure: "falseEscalation",
        value: f.falseEscalationRate,
        examples: tally.falseAlarms,
      });
  }
  for (const [category, tally] of evaluation.slices.get("category") ?? []) {
    const recall = tally.figures().escalationRecall;
    if (recall !== null && recall < WILD_TARGETS.categoryRecall)
      shortfalls.push({ slice: `category ${category}`, figure: "recall", value: recall, examples: tally.missed });
  }
  return shortfalls;
}

/** The wild set's bars as checks: "language <code>" → both bars met there; "categories" → every category's recall bar met. */
export function checkWildTargets(evaluation: MessageEvaluation): Record<string, boolean> {
  const shortfalls = wildShortfalls(evaluation);
  const languages = [...(evaluation.slices.get("language")?.keys() ?? [])];
  return {
    ...Object.fromEntries(
      languages.map((language) => [`language ${language}`, !shortfalls.some((s) => s.slice === `language ${language}`)]),
    ),
    categories: !shortfalls.some((s) => s.slice.startsWith("category ")),
  };
}
