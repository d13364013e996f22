// npm run eval [-- --set bitext|hint3|wild|holdout] [--data FILE.csv] [--expectations FILE.json] [--corpus TRAIN.csv] [--holdout] [--examples] [--json]
//                [--assistant offline|openai-compatible]
// First-message triage quality (escalate or not, and to which team) on four sets, each broken down by slice:
//   bitext: ../shared/data/bitext/dev.csv against its expectations.json, per intent and language-variation tag;
//   hint3:  ../shared/data/hint3/*_train.csv with mapping.json, per bot, label and mapping status;
//   wild:   eval/wild/<language>.csv, the project's own WhatsApp-style set, per language, category and variety;
//   holdout: eval/holdout/<language>.csv, read and reported like wild but report-only: its bars never set the exit
//            code and its failing texts are never listed, so that nobody tunes on it (eval/README.md).
// ../shared is optional: a set that is absent is reported as skipped. --data, --expectations and --holdout apply to
// bitext (--holdout trains on four fifths of --data as a user's own corpus and scores the other fifth); --corpus
// trains the assistant used for every set. --examples lists the first failing texts of each slice. --repeats
// measures policy.repeatSimilarity on bitext: how often same-intent and different-intent pairs count as a repeat.
// --assistant openai-compatible runs every set through the model path: the model at LLM_BASE_URL (LLM_MODEL, LLM_API_KEY),
// or without LLM_BASE_URL the sandbox's fake server, whose figures measure the plumbing, not a model (src/cli/eval-model-path.ts).
// Exits 1 when a quality bar of bitext, hint3 or wild is missed; speed is reported only (a busy machine must not fail it).
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { loadCorpus, type CorpusExample } from "../src/assistant/corpus.js";
import { createAssistantFromConfig } from "../src/assistant/from-config.js";
import { csvField } from "../src/cli/csv.js";
import { barLine, exampleLines, falseReasonsLine, sliceTable, slicesJson } from "../src/cli/eval-report.js";
import { HOLDOUT_DIR, readHint3Set, readWildSet, SHARED_DATA_DIR, WILD_DIR, wildMessages } from "../src/cli/eval-sets.js";
import {
  bitextMessages,
  checkHint3Targets,
  checkTriageTargets,
  checkWildTargets,
  evaluateMessages,
  HINT3_TARGETS,
  type LabelledMessage,
  loadExpectations,
  type MessageEvaluation,
  triageTargets,
  WILD_TARGETS,
  wildShortfalls,
} from "../src/cli/evaluate-triage.js";
import { measureRepeatSimilarity, type RepeatRates } from "../src/cli/measure-repeats.js";
import { DOT_ENV_FILE, readEnvironment } from "../src/config/environment.js";
import { loadConfigFile } from "../src/config/load-config.js";
import { type ModelPath, modelCallFigures, modelCallLines, openModelPath } from "../src/cli/eval-model-path.js";
import { isWarmlineError } from "../src/domain/errors.js";
import { PACKAGE_ROOT, SHIPPED_CONFIG_FILE } from "../src/paths.js";

const USAGE =
  "Usage: npm run eval [-- --set bitext|hint3|wild|holdout] [--data FILE.csv] [--expectations FILE.json] [--corpus TRAIN.csv] [--holdout] [--examples] [--repeats] [--json] [--assistant offline|openai-compatible]";
const ASSISTANTS = ["offline", "openai-compatible"] as const;
const SETS = ["bitext", "hint3", "wild", "holdout"] as const;
type SetName = (typeof SETS)[number];
/** Sets whose bars are shown but never change the exit code: measured, never tuned on. */
const REPORT_ONLY: ReadonlySet<SetName> = new Set(["holdout"]);
/** `warmline triage` is timed as a fresh process on this many utterances, start-up and training included. */
const CLI_UTTERANCES = 2000;
const DEFAULT_BITEXT = join(SHARED_DATA_DIR, "bitext", "dev.csv");
const HINT3_DIR = join(SHARED_DATA_DIR, "hint3");

/** A problem the user can fix: its message and the usage, no stack trace. */
function fail(message: string, exitCode = 1): never {
  console.error(exitCode === 2 ? `${message}\n\n${USAGE}` : message);
  process.exit(exitCode);
}

/** Runs a step that reads the user's files; a WarmlineError (bad corpus, bad expectations) ends the run with its message. */
async function step<T>(work: () => T | Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isWarmlineError(error)) fail(error.message);
    throw error;
  }
}

let parsed;
try {
  parsed = parseArgs({
    options: {
      set: { type: "string" },
      data: { type: "string" },
      expectations: { type: "string" },
      corpus: { type: "string" },
      holdout: { type: "boolean", default: false },
      examples: { type: "boolean", default: false },
      repeats: { type: "boolean", default: false },
      json: { type: "boolean", default: false },
      assistant: { type: "string", default: "offline" },
    },
  });
} catch (error) {
  fail((error as Error).message.replace(/\. To specify a positional argument.*$/s, "."), 2);
}
const { values } = parsed;
if (values.set !== undefined && !(SETS as readonly string[]).includes(values.set))
  fail(`--set must be one of ${SETS.join(", ")} (got "${values.set}").`, 2);
if (!(ASSISTANTS as readonly string[]).includes(values.assistant))
  fail(`--assistant must be one of ${ASSISTANTS.join(", ")} (got "${values.assistant}").`, 2);
if (values.holdout && values.corpus)
  fail("--holdout trains on part of --data, so it can't be combined with --corpus: pass one or the other.", 2);
const bitextOptions = values.holdout || values.data !== undefined || values.expectations !== undefined;
if (bitextOptions && values.set !== undefined && values.set !== "bitext")
  fail("--data, --expectations and --holdout apply to the bitext set: drop them or use --set bitext.", 2);
// Options about the bitext file mean the user is measuring that file (or a corpus trained from it): run it alone.
const sets: readonly SetName[] = values.set ? [values.set as SetName] : bitextOptions ? ["bitext"] : SETS;

const config = loadConfigFile(SHIPPED_CONFIG_FILE);
const skipped = new Map<SetName, string>();
const messages = new Map<SetName, LabelledMessage[]>();
let repeats: RepeatRates | undefined;
let tempDir: string | undefined;

if (sets.includes("bitext")) {
  const dataFile = values.data ?? DEFAULT_BITEXT;
  const expectationsFile = values.expectations ?? join(dataFile, "..", "expectations.json");
  const missing = [dataFile, expectationsFile].filter((file) => !existsSync(file));
  if (missing.length > 0 && (values.data !== undefined || values.expectations !== undefined || values.set === "bitext"))
    fail(`Cannot find ${missing.join(" or ")}: put ../shared beside the repository or pass --data and --expectations.`);
  if (missing.length > 0) skipped.set("bitext", `${missing.join(" and ")} absent (put ../shared beside the repository)`);
  else {
    const expectations = await step(() => loadExpectations(expectationsFile));
    let rows: CorpusExample[] = await step(() => loadCorpus(dataFile));
    if (values.holdout) {
      const seen = new Map<string, number>();
      const heldOut: CorpusExample[] = [];
      const training: CorpusExample[] = [];
      for (const row of rows) {
        const n = (seen.get(row.intent) ?? 0) + 1;
        seen.set(row.intent, n);
        (n % 5 === 0 ? heldOut : training).push(row);
      }
      tempDir = mkdtempSync(join(tmpdir(), "warmline-eval-"));
      values.corpus = join(tempDir, "training.csv");
      writeFileSync(values.corpus, ["text,intent", ...training.map((r) => `${csvField(r.text)},${csvField(r.intent)}`)].join("\n"));
      rows = heldOut;
    }
    messages.set("bitext", bitextMessages(rows, expectations));
    if (values.repeats) repeats = measureRepeatSimilarity(rows, config.policy.repeatSimilarity);
  }
}
if (sets.includes("hint3")) {
  if (existsSync(join(HINT3_DIR, "mapping.json"))) messages.set("hint3", await step(() => readHint3Set(HINT3_DIR)));
  else if (values.set === "hint3") fail(`Cannot find ${join(HINT3_DIR, "mapping.json")}: put ../shared beside the repository.`);
  else skipped.set("hint3", `${HINT3_DIR} absent (put ../shared beside the repository)`);
}
for (const [name, dir] of [
  ["wild", WILD_DIR],
  ["holdout", HOLDOUT_DIR],
] as const)
  if (sets.includes(name)) messages.set(name, wildMessages(await step(() => readWildSet(dir))));

if (values.corpus) await step(() => loadCorpus(values.corpus!)); // fail early with the corpus's own error message
const trainStart = performance.now();
const offline = await createAssistantFromConfig(config, { corpusFile: values.corpus });
const trainMs = performance.now() - trainStart;
// The model path: the model at LLM_BASE_URL, or the sandbox's fake server over the offline classifier.
const modelPath: ModelPath | undefined =
  values.assistant === "openai-compatible"
    ? await step(() => openModelPath(config, { offline, corpusFile: values.corpus, env: readEnvironment({ dotEnvFile: DOT_ENV_FILE }) }))
    : undefined;
const assistant = modelPath?.assistant ?? offline;
const userCorpus = values.corpus !== undefined;

interface SetResult {
  evaluation: MessageEvaluation;
  /** Bar → met. */
  checks: Record<string, boolean>;
  ms: number;
}
const results = new Map<SetName, SetResult>();
for (const [name, rows] of messages) {
  const start = performance.now();
  const evaluation = await evaluateMessages(assistant, config, rows);
  const ms = performance.now() - start;
  const checks: Record<string, boolean> =
    name === "bitext"
      ? checkTriageTargets(evaluation.overall.figures(), userCorpus)
      : name === "hint3"
        ? checkHint3Targets(evaluation)
        : checkWildTargets(evaluation);
  results.set(name, { evaluation, checks, ms });
}

// The contract's own figure: `warmline triage` as a fresh process on 2,000 utterances, start-up and training included.
const pool = [...messages.values()].flat();
const cliTexts = Array.from({ length: Math.min(CLI_UTTERANCES, pool.length * CLI_UTTERANCES) }, (_, i) => pool[i % pool.length]!.text);
const cliStart = performance.now();
// The fresh-process figure is the offline assistant's start-up: the model path is measured in process only.
const cli = modelPath
  ? { status: null, stdout: "", stderr: "not run with --assistant openai-compatible (the model path is measured in process)" }
  : spawnSync(
      process.execPath,
      [join(PACKAGE_ROOT, "bin", "warmline.js"), "triage", ...(values.corpus ? ["--corpus", values.corpus] : [])],
      {
        input: `${cliTexts.map((text, i) => JSON.stringify({ id: String(i), text })).join("\n")}\n`,
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
      },
    );
const cliMs = Math.round(performance.now() - cliStart);
const cliOk = cli.status === 0 && cli.stdout.trim().split("\n").length === cliTexts.length;
const classified = [...results.values()].reduce((sum, r) => sum + r.evaluation.overall.figures().utterances, 0);
const classifyMs = [...results.values()].reduce((sum, r) => sum + r.ms, 0);
const throughput = {
  trainMs: Math.round(trainMs),
  triageMs: Math.round(classifyMs),
  utterancesPerSecond: Math.round(classified / (classifyMs / 1000)),
  cliMsFor2000: cliOk ? cliMs : null,
};
if (tempDir) rmSync(tempDir, { recursive: true, force: true });
await modelPath?.close();

const barred = [...results].filter(([name]) => !REPORT_ONLY.has(name));
const allMet = barred.every(([, r]) => Object.values(r.checks).every(Boolean));
process.exitCode = allMet ? 0 : 1;

if (values.json) {
  const sets = Object.fromEntries([
    ...[...skipped].map(([name, reason]) => [name, { skipped: reason }]),
    ...[...results].map(([name, r]) => [
      name,
      {
        overall: r.evaluation.overall.figures(),
        targetsMet: r.checks,
        ...(REPORT_ONLY.has(name) ? { reportOnly: true } : {}),
        slices: slicesJson(r.evaluation),
      },
    ]),
  ]);
  console.log(
    JSON.stringify(
      {
        sets,
        throughput,
        ...(repeats ? { repeats } : {}),
        ...(modelPath ? { assistant: modelPath.description, model: modelCallFigures(modelPath.tally) } : {}),
      },
      null,
      2,
    ),
  );
} else {
  const corpusName = values.holdout
    ? "four fifths of the bitext data (scored on the other fifth)"
    : (values.corpus ?? "shipped data/corpus.csv");
  const out: string[] = [`Corpus: ${corpusName}`, ...(modelPath ? [`Assistant: ${modelPath.description}`] : [])];
  for (const [name, reason] of skipped) out.push("", `== ${name}: skipped, ${reason}`);
  for (const [name, { evaluation, checks }] of results) {
    const f = evaluation.overall.figures();
    out.push("", `== ${name} (${f.utterances} first messages)`);
    if (REPORT_ONLY.has(name)) out.push("report only: never used for tuning (its bars do not change the exit code)");
    if (name === "bitext") {
      const targets = triageTargets(userCorpus);
      out.push(
        barLine("escalation recall (must-escalate intents)", f.escalationRecall, `>= ${targets.recall}`, checks.recall!),
        `${"expected reason on those".padEnd(44)} ${f.expectedReasonRate?.toFixed(3).padStart(6)}`,
        barLine("false escalation (all other intents)", f.falseEscalationRate, `<= ${targets.falseEscalation}`, checks.falseEscalation!),
        barLine("team accuracy", f.teamAccuracy, `>= ${targets.team}`, checks.team!),
        barLine("intent accuracy", f.intentAccuracy, `>= ${targets.intent}`, checks.intent!),
        falseReasonsLine(evaluation),
        ...(repeats
          ? [
              `repeat similarity >= ${repeats.threshold}: same-intent pairs ${pct(repeats.sameIntentHitRate)} (${repeats.sameIntentPairs}), different-intent pairs ${pct(repeats.differentIntentHitRate)} (${repeats.differentIntentPairs})`,
            ]
          : []),
        ...sliceTable("per intent", evaluation.slices.get("intent")),
        ...sliceTable("per language-variation tag", evaluation.slices.get("tag")),
      );
    } else if (name === "hint3") {
      const retention = evaluation.slices.get("team")?.get("retention")?.figures().teamAccuracy ?? null;
      out.push(
        barLine("escalation recall (must_escalate labels)", f.escalationRecall, `>= ${HINT3_TARGETS.recall}`, checks.recall!),
        barLine(
          "false escalation (must_not_escalate labels)",
          f.falseEscalationRate,
          `<= ${HINT3_TARGETS.falseEscalation}`,
          checks.falseEscalation!,
        ),
        barLine("cancellations routed to retention", retention, `>= ${HINT3_TARGETS.retentionTeam}`, checks.retentionTeam!),
        falseReasonsLine(evaluation),
        ...sliceTable("per bot", evaluation.slices.get("bot")),
        ...sliceTable("per mapping status (report-only and unmapped labels: escalation rate only)", evaluation.slices.get("status")),
        ...sliceTable("per expected team", evaluation.slices.get("team")),
        ...sliceTable("per label (report-only and unmapped labels left out)", scoredLabels(evaluation)),
      );
    } else {
      const shortfalls = wildShortfalls(evaluation);
      const languages = evaluation.slices.get("language")?.size ?? 0;
      const languagesMet = Object.entries(checks).filter(([key, ok]) => key.startsWith("language ") && ok).length;
      out.push(
        barLine(
          "escalation recall, all languages",
          f.escalationRecall,
          `>= ${WILD_TARGETS.recall}`,
          f.escalationRecall! >= WILD_TARGETS.recall,
        ),
        barLine(
          "false escalation, all languages",
          f.falseEscalationRate,
          `<= ${WILD_TARGETS.falseEscalation}`,
          f.falseEscalationRate! <= WILD_TARGETS.falseEscalation,
        ),
        `languages meeting recall >= ${WILD_TARGETS.recall} and false <= ${WILD_TARGETS.falseEscalation}: ${languagesMet} of ${languages}  ${languagesMet === languages ? "ok" : "MISSED"}`,
        `must-escalate categories meeting recall >= ${WILD_TARGETS.categoryRecall}: ${checks.categories ? "all  ok" : "MISSED"}`,
        falseReasonsLine(evaluation),
        ...sliceTable("per language (! = under a bar)", evaluation.slices.get("language"), (key) => !checks[`language ${key}`]),
        ...sliceTable("per category (! = under a bar)", evaluation.slices.get("category"), (key) =>
          shortfalls.some((s) => s.slice === `category ${key}`),
        ),
        ...sliceTable("per variety (from the note column)", evaluation.slices.get("variety")),
      );
    }
    if (values.examples && REPORT_ONLY.has(name)) out.push("failing texts not listed: this set is never looked at while tuning");
    else if (values.examples) {
      const kind = name === "wild" ? "language" : name === "hint3" ? "label" : "intent";
      out.push(`first failing texts per ${kind}:`, ...exampleLines(evaluation.slices.get(kind)));
    }
  }
  out.push(
    "",
    `throughput: trained in ${throughput.trainMs} ms; ${throughput.utterancesPerSecond} utterances/s in process`,
    modelPath
      ? `warmline triage, fresh process: ${cli.stderr}`
      : `warmline triage, fresh process, ${cliTexts.length} utterances incl. start-up and training: ${cliMs} ms (target < 5000)${cliOk ? "" : ` — FAILED: ${cli.stderr}`}`,
    ...(modelPath ? modelCallLines(modelPath.tally) : []),
    `bars: ${barred.length === 0 ? "none checked (report-only sets)" : allMet ? "all met" : "MISSED (see above)"}`,
  );
  console.log(out.join("\n"));
}

function pct(value: number | null): string {
  return value === null ? "-" : value.toFixed(3);
}

/** HINT3's labels that carry a bar (must or must-not escalate). */
function scoredLabels(evaluation: MessageEvaluation) {
  const labels = evaluation.slices.get("label") ?? new Map();
  return new Map([...labels].filter(([, tally]) => tally.figures().reportOnlyEscalationRate === null));
}
