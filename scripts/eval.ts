// npm run eval [-- --data FILE.csv] [--expectations FILE.json] [--corpus TRAIN.csv] [--holdout] [--json]
// --holdout: train on four fifths of --data as a user's own corpus and score the other fifth
// (every fifth row of each intent), the way a user's corpus would be checked on unseen messages.
// Triage quality against Bitext's labelled utterances: escalation recall, false escalations,
// team and intent accuracy, per intent and per language-variation tag, and throughput.
// Exits 1 when a quality target is missed; speed is reported only (a busy machine must not fail it).
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { loadCorpus, type CorpusExample } from "../src/assistant/corpus.js";
import { csvField } from "../src/cli/csv.js";
import { createAssistantFromConfig } from "../src/assistant/from-config.js";
import { checkTriageTargets, evaluateTriage, loadExpectations, triageTargets, type TriageTally } from "../src/cli/evaluate-triage.js";
import { loadConfigFile } from "../src/config/load-config.js";
import { isWarmlineError } from "../src/domain/errors.js";
import { PACKAGE_ROOT, SHIPPED_CONFIG_FILE } from "../src/paths.js";

const USAGE = "Usage: npm run eval [-- --data FILE.csv] [--expectations FILE.json] [--corpus TRAIN.csv] [--holdout] [--json]";

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
      data: { type: "string", default: join(PACKAGE_ROOT, "..", "shared", "data", "bitext", "dev.csv") },
      expectations: { type: "string" },
      corpus: { type: "string" },
      holdout: { type: "boolean", default: false },
      json: { type: "boolean", default: false },
    },
  });
} catch (error) {
  fail((error as Error).message.replace(/\. To specify a positional argument.*$/s, "."), 2);
}
const { values } = parsed;
if (values.holdout && values.corpus)
  fail("--holdout trains on part of --data, so it can't be combined with --corpus: pass one or the other.", 2);
const dataFile = values.data!;
const expectationsFile = values.expectations ?? join(dataFile, "..", "expectations.json");
const missingFiles = [dataFile, expectationsFile].filter((file) => !existsSync(file));
if (missingFiles.length > 0) {
  fail(`Cannot find ${missingFiles.join(" or ")}: put ../shared beside the repository or pass --data and --expectations.`);
}

const config = loadConfigFile(SHIPPED_CONFIG_FILE);
const expectations = await step(() => loadExpectations(expectationsFile));
let rows: CorpusExample[] = await step(() => loadCorpus(dataFile));
let tempDir: string | undefined;
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
if (values.corpus) await step(() => loadCorpus(values.corpus!)); // fail early with the corpus's own error message
const trainStart = performance.now();
const assistant = await createAssistantFromConfig(config, { corpusFile: values.corpus });
const trainMs = performance.now() - trainStart;
const classifyStart = performance.now();
const evaluation = await evaluateTriage(assistant, config, rows, expectations);
const classifyMs = performance.now() - classifyStart;

// The contract's own figure: `warmline triage` as a fresh process on 2,000 utterances, start-up and training included.
const cliRows = rows.slice(0, 2000);
const cliInput = `${cliRows.map((row, i) => JSON.stringify({ id: String(i), text: row.text })).join("\n")}\n`;
const cliStart = performance.now();
const cli = spawnSync(
  process.execPath,
  [join(PACKAGE_ROOT, "bin", "warmline.js"), "triage", ...(values.corpus ? ["--corpus", values.corpus] : [])],
  { input: cliInput, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
);
const cliMs = Math.round(performance.now() - cliStart);
const cliOk = cli.status === 0 && cli.stdout.trim().split("\n").length === cliRows.length;
const throughput = {
  trainMs: Math.round(trainMs),
  triageMs: Math.round(classifyMs),
  utterancesPerSecond: Math.round(rows.length / (classifyMs / 1000)),
  cliMsFor2000: cliOk ? cliMs : null,
};

if (tempDir) rmSync(tempDir, { recursive: true, force: true });
const userCorpus = values.corpus !== undefined;
const figures = evaluation.overall.figures();
const checks = checkTriageTargets(figures, userCorpus);
process.exitCode = Object.values(checks).every(Boolean) ? 0 : 1;

const slices = (map: Map<string, TriageTally>) => Object.fromEntries([...map].sort().map(([key, tally]) => [key, tally.figures()]));
if (values.json) {
  console.log(
    JSON.stringify(
      { overall: figures, targetsMet: checks, throughput, byIntent: slices(evaluation.byIntent), byTag: slices(evaluation.byTag) },
      null,
      2,
    ),
  );
} else {
  const targets = triageTargets(userCorpus);
  const mark = (ok: boolean) => (ok ? "ok" : "MISSED");
  const pct = (value: number | null) => (value === null ? "   -  " : value.toFixed(3).padStart(6));
  const row = (tally: TriageTally) => {
    const f = tally.figures();
    return `${String(f.utterances).padStart(5)}  intent ${pct(f.intentAccuracy)}  team ${pct(f.teamAccuracy)}  recall ${pct(f.escalationRecall)}  false-esc ${pct(f.falseEscalationRate)}`;
  };
  const corpusName = values.holdout
    ? `four fifths of ${dataFile} (scored on the other fifth)`
    : (values.corpus ?? "shipped data/corpus.csv");
  console.log(`Triage on ${dataFile} (${rows.length} utterances), corpus: ${corpusName}\n`);
  console.log(
    `escalation recall (must-escalate intents)  ${figures.escalationRecall?.toFixed(3)}   target >= ${targets.recall}  ${mark(checks.recall)}`,
  );
  console.log(`expected reason on those                   ${figures.expectedReasonRate?.toFixed(3)}`);
  console.log(
    `false escalation (all other intents)       ${figures.falseEscalationRate?.toFixed(3)}   target <= ${targets.falseEscalation}  ${mark(checks.falseEscalation)}`,
  );
  console.log(
    `team accuracy                              ${figures.teamAccuracy?.toFixed(3)}   target >= ${targets.team}  ${mark(checks.team)}`,
  );
  console.log(
    `intent accuracy                            ${figures.intentAccuracy?.toFixed(3)}   target >= ${targets.intent}  ${mark(checks.intent)}`,
  );
  console.log(`\nthroughput: trained in ${throughput.trainMs} ms; ${throughput.utterancesPerSecond} utterances/s in process`);
  console.log(
    `warmline triage, fresh process, ${cliRows.length} utterances incl. start-up and training: ${cliMs} ms (target < 5000)${cliOk ? "" : ` — FAILED: ${cli.stderr}`}`,
  );
  console.log("\nper intent:");
  for (const [intent, tally] of [...evaluation.byIntent].sort()) console.log(`  ${intent.padEnd(26)} ${row(tally)}`);
  console.log("\nper language-variation tag:");
  for (const [tag, tally] of [...evaluation.byTag].sort()) console.log(`  ${tag.padEnd(26)} ${row(tally)}`);
}
