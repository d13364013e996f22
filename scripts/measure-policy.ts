/**
 * Measures the escalation policy's text detectors on Bitext's dev set (first messages):
 *   npx tsx scripts/measure-policy.ts [path/to/dev.csv]
 * For each intent, with the true intent known at confidence 0.9, it prints the hit rate of the
 * explicit-request, always-human-topic, negative-sentiment and noise detectors, then the policy's
 * false-escalation rate on intents that must not escalate and its recall on the six that must.
 * Sentiment is unknown in the data, so the sentiment detector runs twice: neutral (0) and the
 * worst case (-1, an assistant that scores every message as furious).
 */
import { readFileSync } from "node:fs";
import { parseConfig } from "../src/config/load-config.js";
import { matchAlwaysHumanTopic } from "../routing/always-human-topics.js";
import { decideEscalation, firstMessageSignals, type PolicySignals } from "../routing/escalation-policy.js";
import { detectSignals } from "../routing/escalation-signals.js";
import { loadSignalLexicon } from "../src/languages/signal-lexicons.js";
import { detectNegativeSentiment } from "../routing/negative-sentiment.js";
import { detectNoise } from "../routing/noise.js";
import { textSimilarity } from "../routing/text-similarity.js";

const DEV_CSV = process.argv[2] ?? "/work/shared/data/bitext/dev.csv";
const EXPECTATIONS = new URL("expectations.json", `file://${DEV_CSV}`).pathname;
const ASSUMED_CONFIDENCE = 0.9;
const SIMILARITY_PAIRS = 20_000;

interface Row {
  text: string;
  intent: string;
  tags: string;
}

/** RFC 4180 enough for Bitext: quoted fields with doubled quotes, no embedded newlines. */
function parseCsvLine(line: string): string[] {
  const fields: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const char = line[i]!;
    if (quoted) {
      if (char === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ",") {
      fields.push(field);
      field = "";
    } else field += char;
  }
  fields.push(field);
  return fields;
}

function readRows(file: string): Row[] {
  const [header, ...lines] = readFileSync(file, "utf8")
    .split(/\r?\n/)
    .filter((line) => line.trim() !== "");
  const columns = parseCsvLine(header!);
  const at = (name: string) => columns.indexOf(name);
  return lines.map((line) => {
    const fields = parseCsvLine(line);
    return { text: fields[at("text")]!, intent: fields[at("intent")]!, tags: fields[at("tags")] ?? "" };
  });
}

const percent = (hits: number, total: number) => (total === 0 ? "   -  " : `${((100 * hits) / total).toFixed(1).padStart(5)}%`);

const config = parseConfig(JSON.parse(readFileSync("warmline.config.json", "utf8")), "warmline.config.json");
const expectations = JSON.parse(readFileSync(EXPECTATIONS, "utf8")) as {
  escalate_on_first_message: Record<string, string>;
  team_by_intent: Record<string, string>;
  default_team: string;
};
const mustEscalate = expectations.escalate_on_first_message;
const rows = readRows(DEV_CSV);

function firstMessage(row: Row, sentiment: number): PolicySignals {
  return firstMessageSignals(row.text, { intent: row.intent, confidence: ASSUMED_CONFIDENCE, sentiment, entities: {} });
}

interface Tally {
  n: number;
  explicit: number;
  topic: number;
  negNeutral: number;
  negWorst: number;
  noise: number;
  escalated: number;
  right: number;
  team: number;
}
const byIntent = new Map<string, Tally>();
const profane = { n: 0, escalated: 0 };
const falseEscalations = new Map<string, number>();

for (const row of rows) {
  const tally = byIntent.get(row.intent) ?? {
    n: 0,
    explicit: 0,
    topic: 0,
    negNeutral: 0,
    negWorst: 0,
    noise: 0,
    escalated: 0,
    right: 0,
    team: 0,
  };
  byIntent.set(row.intent, tally);
  tally.n++;
  const { policy } = config;
  const lexicon = loadSignalLexicon(policy);
  if (detectSignals(row.text, lexicon).some((match) => match.category === "human_request")) tally.explicit++;
  if (matchAlwaysHumanTopic(row.text, policy.alwaysHumanTopics)) tally.topic++;
  const sentimentInput = { text: row.text, previousCustomerTexts: [], threshold: policy.negativeSentimentThreshold };
  if (detectNegativeSentiment({ ...sentimentInput, sentiment: 0 })) tally.negNeutral++;
  if (detectNegativeSentiment({ ...sentimentInput, sentiment: -1 })) tally.negWorst++;
  if (detectNoise(row.text)) tally.noise++;

  const decision = decideEscalation(firstMessage(row, 0), { ...config, lexicon });
  const worst = decideEscalation(firstMessage(row, -1), { ...config, lexicon });
  if (decision.escalate) tally.escalated++;
  const expected = mustEscalate[row.intent];
  if (expected === undefined ? !decision.escalate : decision.reason === expected) tally.right++;
  if (decision.team === (expectations.team_by_intent[row.intent] ?? expectations.default_team)) tally.team++;
  if (expected === undefined && worst.escalate) falseEscalations.set(worst.reason!, (falseEscalations.get(worst.reason!) ?? 0) + 1);
  if (expected === undefined && row.tags.includes("W")) {
    profane.n++;
    if (worst.escalate) profane.escalated++;
  }
}

console.log(`Bitext dev: ${rows.length} first messages, ${byIntent.size} intents; intent known, confidence ${ASSUMED_CONFIDENCE}.\n`);
console.log(`${"intent".padEnd(26)} ${"n".padStart(4)}  explicit  topic  neg(0)  neg(-1)  noise  escalate  correct  team`);
const sum = { no: { n: 0, esc: 0, explicit: 0, topic: 0, negNeutral: 0, negWorst: 0, noise: 0 }, yes: { n: 0, right: 0, explicit: 0 } };
let teamRight = 0;
for (const [intent, t] of [...byIntent].sort(([a], [b]) => a.localeCompare(b))) {
  const mark = mustEscalate[intent] !== undefined ? "*" : " ";
  console.log(
    `${(intent + mark).padEnd(26)} ${String(t.n).padStart(4)}  ${percent(t.explicit, t.n)}  ${percent(t.topic, t.n)} ${percent(t.negNeutral, t.n)}  ${percent(t.negWorst, t.n)} ${percent(t.noise, t.n)}   ${percent(t.escalated, t.n)}  ${percent(t.right, t.n)} ${percent(t.team, t.n)}`,
  );
  teamRight += t.team;
  if (mustEscalate[intent] === undefined) {
    sum.no.n += t.n;
    sum.no.esc += t.escalated;
    sum.no.explicit += t.explicit;
    sum.no.topic += t.topic;
    sum.no.negNeutral += t.negNeutral;
    sum.no.negWorst += t.negWorst;
    sum.no.noise += t.noise;
  } else {
    sum.yes.n += t.n;
    sum.yes.right += t.right;
    if (mustEscalate[intent] === "explicit_request") sum.yes.explicit += t.explicit;
  }
}
const humanRows = [...byIntent].filter(([intent]) => mustEscalate[intent] === "explicit_request").reduce((n, [, t]) => n + t.n, 0);
console.log("\n* = must escalate on the first message.");
console.log(`Non-escalating intents (${sum.no.n} rows): false-escalation rate ${percent(sum.no.esc, sum.no.n)} (sentiment 0).`);
console.log(
  `  by detector: explicit ${percent(sum.no.explicit, sum.no.n)}, topic ${percent(sum.no.topic, sum.no.n)}, negative(0) ${percent(sum.no.negNeutral, sum.no.n)}, negative(-1) ${percent(sum.no.negWorst, sum.no.n)}, noise ${percent(sum.no.noise, sum.no.n)}`,
);
console.log(`  worst case (sentiment -1) escalations by reason: ${JSON.stringify(Object.fromEntries(falseEscalations))}`);
console.log(
  `  offensive-language rows (tag W) among them: ${profane.n}, escalated at sentiment -1: ${percent(profane.escalated, profane.n)}`,
);
console.log(`Escalating intents (${sum.yes.n} rows): recall with the expected reason ${percent(sum.yes.right, sum.yes.n)}.`);
console.log(`  explicit-request text detector alone on contact_* rows: ${percent(sum.yes.explicit, humanRows)}`);
console.log(`Team routing matches expectations: ${percent(teamRight, rows.length)}.`);

// Repeat detection: how often two messages of the same intent / different intents reach repeatSimilarity.
let seed = 42;
const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
const pick = () => rows[Math.floor(random() * rows.length)]!;
const pairs = { same: 0, sameHit: 0, different: 0, differentHit: 0 };
for (let i = 0; i < SIMILARITY_PAIRS; i++) {
  const a = pick();
  const b = pick();
  if (a === b) continue;
  const hit = textSimilarity(a.text, b.text) >= config.policy.repeatSimilarity;
  if (a.intent === b.intent) {
    pairs.same++;
    if (hit) pairs.sameHit++;
  } else {
    pairs.different++;
    if (hit) pairs.differentHit++;
  }
}
const sameIntentPairs = rows.flatMap((a, i) =>
  i % 7 === 0 ? rows.filter((b, j) => j > i && j % 5 === 0 && b.intent === a.intent).map((b) => [a, b] as const) : [],
);
const sameHits = sameIntentPairs.filter(([a, b]) => textSimilarity(a.text, b.text) >= config.policy.repeatSimilarity).length;
console.log(
  `Similarity >= ${config.policy.repeatSimilarity}: same-intent pairs ${percent(sameHits, sameIntentPairs.length)} (${sameIntentPairs.length} pairs), different-intent pairs ${percent(pairs.differentHit, pairs.different)} (${pairs.different} random pairs).`,
);
