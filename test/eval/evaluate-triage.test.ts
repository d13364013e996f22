import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readHint3Set, readWildSet } from "../../src/cli/eval-sets.js";
import {
  checkWildTargets,
  type LabelledMessage,
  type MessageEvaluation,
  TriageTally,
  wildShortfalls,
} from "../../src/cli/evaluate-triage.js";
import type { TriageResult } from "../../src/cli/triage.js";

const result = (escalate: boolean, team = "support", reason: string | null = escalate ? "explicit_request" : null): TriageResult => ({
  id: null,
  intent: "none",
  confidence: 0.5,
  escalate,
  reason,
  team,
});
const message = (text: string, escalate: boolean | null, team: string | null = null): LabelledMessage => ({
  text,
  expected: { escalate, team },
  slices: {},
});

describe("TriageTally", () => {
  it("scores recall on must-escalate rows, false escalation on must-not rows, and team only where one is expected", () => {
    const tally = new TriageTally();
    tally.add(message("stop my plan", true, "retention"), result(true, "retention"));
    tally.add(message("close it all", true, "retention"), result(false, "support"));
    tally.add(message("get me a person", true), result(true, "support"));
    tally.add(message("which size fits me", false), result(true, "support", "priority_intent"));
    tally.add(message("hello there", false), result(false));
    tally.add(message("what can you do", null), result(true));
    expect(tally.figures()).toEqual({
      utterances: 6,
      intentAccuracy: null,
      teamAccuracy: 0.5,
      escalationRecall: 2 / 3,
      expectedReasonRate: null,
      falseEscalationRate: 0.5,
      reportOnlyEscalationRate: 1,
    });
    expect(tally.missed).toEqual(["close it all"]);
    expect(tally.falseAlarms).toEqual(["which size fits me (priority_intent)"]);
    expect(Object.fromEntries(tally.falseReasons)).toEqual({ priority_intent: 1 });
  });
});

describe("wild bars", () => {
  it("names each language and category under its bar, with the failing texts", () => {
    const tallies = (entries: [string, [boolean | null, boolean][]][]) =>
      new Map(
        entries.map(([key, rows]) => {
          const tally = new TriageTally();
          rows.forEach(([expected, escalated], i) => tally.add(message(`${key} ${i}`, expected), result(escalated)));
          return [key, tally];
        }),
      );
    const evaluation: MessageEvaluation = {
      overall: new TriageTally(),
      slices: new Map([
        [
          "language",
          tallies([
            ["xx", Array.from({ length: 20 }, (_, i) => [true, i > 0] as [boolean, boolean])], // recall 0.95: met
            [
              "yy",
              [
                [true, false],
                [true, true],
                [false, true],
              ],
            ], // recall 0.5, false 1
          ]),
        ],
        [
          "category",
          tallies([
            [
              "fraud",
              [
                [true, false],
                [true, true],
              ],
            ],
          ]),
        ],
      ]),
    };
    expect(wildShortfalls(evaluation)).toEqual([
      { slice: "language yy", figure: "recall", value: 0.5, examples: ["yy 0"] },
      { slice: "language yy", figure: "falseEscalation", value: 1, examples: ["yy 2 (explicit_request)"] },
      { slice: "category fraud", figure: "recall", value: 0.5, examples: ["fraud 0"] },
    ]);
    expect(checkWildTargets(evaluation)).toEqual({ "language xx": true, "language yy": false, categories: false });
  });
});

describe("evaluation set readers", () => {
  const dirs: string[] = [];
  const tempDir = (prefix: string) => {
    dirs.push(mkdtempSync(join(tmpdir(), prefix)));
    return dirs.at(-1)!;
  };
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it("read HINT3-shaped files with their mapping: team null is any team, unlisted labels are report-only", () => {
    const dir = tempDir("warmline-hint3-");
    writeFileSync(
      join(dir, "mapping.json"),
      JSON.stringify({ must_escalate: { HUMAN: null, STOP: "retention" }, must_not_escalate: ["PRICE"], report_only: ["OTHER"] }),
    );
    writeFileSync(
      join(dir, "shop_train.csv"),
      'sentence,label\nget me a person,HUMAN\n"stop it, now",STOP\nhow much,PRICE\nhmm,OTHER\nwho,NEW\n',
    );
    expect(readHint3Set(dir)).toEqual([
      { text: "get me a person", expected: { escalate: true, team: null }, slices: { bot: ["shop"], label: ["HUMAN"], status: ["must"] } },
      {
        text: "stop it, now",
        expected: { escalate: true, team: "retention" },
        slices: { bot: ["shop"], label: ["STOP"], status: ["must"], team: ["retention"] },
      },
      { text: "how much", expected: { escalate: false, team: null }, slices: { bot: ["shop"], label: ["PRICE"], status: ["must-not"] } },
      { text: "hmm", expected: { escalate: null, team: null }, slices: { bot: ["shop"], label: ["OTHER"], status: ["report-only"] } },
      { text: "who", expected: { escalate: null, team: null }, slices: { bot: ["shop"], label: ["NEW"], status: ["unmapped"] } },
    ]);
  });

  it("refuse a wild row whose escalate is neither yes nor no, naming the file and line", () => {
    const dir = tempDir("warmline-wild-");
    writeFileSync(join(dir, "xx.csv"), "text,category,escalate,team,note\nhello,greeting,no,,\nstop it,cancellation,maybe,retention,\n");
    expect(() => readWildSet(dir)).toThrow(/xx\.csv line 3: escalate is "maybe"; write yes or no/);
  });

  it("refuse a file whose header lacks a column, saying which", () => {
    const dir = tempDir("warmline-wild-");
    writeFileSync(join(dir, "xx.csv"), "text,category,escalate\nhello,greeting,no\n");
    expect(() => readWildSet(dir)).toThrow(/xx\.csv line 1: the header lacks team, note\. Columns are text,category,escalate,team,note/);
  });
});
