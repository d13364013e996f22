import { readFileSync } from "node:fs";
import type { WarmlineConfig } from "../config/schema.js";
import type { CorpusExample } from "../assistant/corpus.js";
import { WarmlineError } from "../domain/errors.js";
import type { Assistant } from "../ports/assistant.js";
import { triageOne, type TriageResult } from "./triage.js";

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

export interface TriageFigures {
  utterances: number;
  intentAccuracy: number | null;
  teamAccuracy: number | null;
  escalationRecall: number | null;
  expectedReasonRate: number | null;
  falseEscalationRate: number | null;
}

/** Counts one slice of the evaluation (overall, one intent, one tag). */
export class TriageTally {
  private intentRight = 0;
  private teamRight = 0;
  private total = 0;
  private mustEscalate = 0;
  private escalated = 0;
  private shouldNot = 0;
  private falselyEscalated = 0;
  private rightReason = 0;

  constructor(private readonly expectations: TriageExpectations) {}

  add(row: CorpusExample, result: TriageResult): void {
    this.total++;
    if (result.intent === row.intent) this.intentRight++;
    if (result.team === (this.expectations.team_by_intent[row.intent] ?? this.expectations.default_team)) this.teamRight++;
    const expectedReason = this.expectations.escalate_on_first_message[row.intent];
    if (expectedReason) {
      this.mustEscalate++;
      if (result.escalate) this.escalated++;
      if (result.reason === expectedReason) this.rightReason++;
    } else {
      this.shouldNot++;
      if (result.escalate) this.falselyEscalated++;
    }
  }

  figures(): TriageFigures {
    const ratio = (a: number, b: number) => (b === 0 ? null : a / b);
    return {
      utterances: this.total,
      intentAccuracy: ratio(this.intentRight, this.total),
      teamAccuracy: ratio(this.teamRight, this.total),
      escalationRecall: ratio(this.escalated, this.mustEscalate),
      expectedReasonRate: ratio(this.rightReason, this.mustEscalate),
      falseEscalationRate: ratio(this.falselyEscalated, this.shouldNot),
    };
  }
}

export interface TriageEvaluation {
  overall: TriageTally;
  byIntent: Map<string, TriageTally>;
  /** By the data set's language-variation tag letters (Q colloquial, Z typos, W offensive…). */
  byTag: Map<string, TriageTally>;
}

/** Triage every labelled first message as `warmline triage` would, and tally it against the expectations. */
export async function evaluateTriage(
  assistant: Assistant,
  config: WarmlineConfig,
  rows: readonly CorpusExample[],
  expectations: TriageExpectations,
): Promise<TriageEvaluation> {
  const evaluation: TriageEvaluation = { overall: new TriageTally(expectations), byIntent: new Map(), byTag: new Map() };
  const slice = (map: Map<string, TriageTally>, key: string) => {
    if (!map.has(key)) map.set(key, new TriageTally(expectations));
    return map.get(key)!;
  };
  for (const row of rows) {
    const result = await triageOne(assistant, config, null, row.text);
    evaluation.overall.add(row, result);
    slice(evaluation.byIntent, row.intent).add(row, result);
    for (const tag of new Set((row.tags ?? "").split("").filter(Boolean))) slice(evaluation.byTag, tag).add(row, result);
  }
  return evaluation;
}

/** The quality bars; training on a user's own corpus must reach a higher intent accuracy. */
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
