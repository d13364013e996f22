// npm run bench [-- --scenario relay-100 --scenario handoffs --seconds 10 --rate 200 --quick]
// The open-loop relay benchmark: Warmline (SQLite, memory, Redis) against a bare-Bolt floor on the
// same fakes, interleaved in one run. scripts/bench/ holds the parts; the README's "Benchmark"
// section says what each figure means.
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { readEnvironment } from "../src/config/environment.js";
import { formatLoad, formatTable } from "./bench/report.js";
import type { BenchTarget } from "./bench/protocol.js";
import { type BenchRecord, runBench, SCENARIOS, type ScenarioName, TARGETS } from "./bench/scenarios.js";

const USAGE = `Usage: npm run bench [-- --scenario <name> --target <name> --rate <msg/s> (all repeatable; default all, each scenario's own rate) --seconds 10 --quick]
Scenarios: ${SCENARIOS.join(", ")}
Targets: ${TARGETS.join(", ")} (redis needs REDIS_URL)`;

function fail(message: string): never {
  console.error(`${message}\n\n${USAGE}`);
  process.exit(2);
}

let parsed;
try {
  parsed = parseArgs({
    options: {
      scenario: { type: "string", multiple: true },
      target: { type: "string", multiple: true },
      seconds: { type: "string" },
      rate: { type: "string", multiple: true },
      quick: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
} catch (error) {
  fail((error as Error).message.replace(/\. To specify a positional argument.*$/s, "."));
}
const { values } = parsed;
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
/** Names not in `known`, refused rather than guessed: a bench that quietly ran something else would report the wrong figures. */
function refuseUnknown(what: string, given: string[] | undefined, known: readonly string[]): void {
  const unknown = (given ?? []).filter((name) => !known.includes(name));
  if (unknown.length > 0) fail(`Unknown ${what} ${unknown.map((n) => `"${n}"`).join(", ")}: pick from the list below`);
}
refuseUnknown("scenario", values.scenario, SCENARIOS);
refuseUnknown("target", values.target, TARGETS);
const seconds = Number(values.seconds ?? (values.quick ? "1" : "10"));
if (!(seconds > 0 && seconds <= 600)) fail(`--seconds must be a number above 0 and at most 600, e.g. 10 (got "${values.seconds}")`);
const rates = (values.rate ?? []).map(Number);
if (rates.some((rate) => !(rate > 0 && rate <= 10_000))) {
  fail(`--rate must be msg/s above 0 and at most 10000, e.g. 200 (got ${(values.rate ?? []).map((r) => `"${r}"`).join(", ")})`);
}

const redisUrl = readEnvironment().REDIS_URL || undefined;
const records: BenchRecord[] = [];
const loadAtStart = loadavg();
console.error(`bench: load average ${formatLoad(loadAtStart)} at start${values.quick ? " (quick: tiny sizes)" : ""}`);
try {
  await runBench({
    scenarios: (values.scenario as ScenarioName[] | undefined) ?? [...SCENARIOS],
    targets: TARGETS.filter((target) => (values.target as BenchTarget[] | undefined)?.includes(target) ?? true),
    seconds,
    ...(rates.length > 0 ? { rates } : {}),
    quick: values.quick,
    ...(redisUrl ? { redisUrl } : {}),
    onRecord(record) {
      records.push(record);
      console.log(JSON.stringify(record));
    },
    onNote: (note) => console.error(`bench: ${note}`),
  });
} catch (error) {
  console.error(`bench: failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
}
console.log(`\n${formatTable(records)}\n`);
console.log(`load average (1, 5, 15 min): ${formatLoad(loadAtStart)} at start, ${formatLoad(loadavg())} at end`);
