// node --import tsx scripts/compare-language-id.ts
// Compares offline language-identification libraries on short WhatsApp-style messages written for
// this comparison (scripts/language-id-messages.tsv), restricted to the 24 catalog languages, and
// Warmline's identifyLanguage (the chosen library plus script and cue-word rules from data/languages).
// Only the chosen library is a dependency; to rerun the others: npm install --no-save tinyld franc-min
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { identifyLanguage } from "../src/languages/identify-language.js";
import { loadLanguageCatalog } from "../src/languages/language-catalog.js";

interface Sample {
  code: string;
  form: string;
  text: string;
}

/** A library under test: guesses a catalog code (or nothing) for a text. */
interface Candidate {
  name: string;
  /** Packages on disk it needs, for the size column. */
  packages: string[];
  loadMs: number;
  guess(text: string): string | undefined;
}

const MESSAGES_FILE = join(import.meta.dirname, "language-id-messages.tsv");
const SPEED_ROUNDS = 20;
const catalogCodes = loadLanguageCatalog().map((language) => language.code);

const samples: Sample[] = readFileSync(MESSAGES_FILE, "utf8")
  .split("\n")
  .filter((line) => line.trim() !== "" && !line.startsWith("#"))
  .map((line) => {
    const [code, form, text] = line.split("\t");
    if (!code || !form || !text) throw new Error(`${MESSAGES_FILE}: expected code<TAB>form<TAB>text, got "${line}"`);
    return { code, form, text };
  });

// franc speaks ISO 639-3; only this comparison needs the mapping.
const ISO3: Record<string, string> = {
  en: "eng",
  es: "spa",
  pt: "por",
  fr: "fra",
  de: "deu",
  it: "ita",
  nl: "nld",
  pl: "pol",
  ru: "rus",
  uk: "ukr",
  tr: "tur",
  ar: "arb",
  hi: "hin",
  bn: "ben",
  ur: "urd",
  id: "ind",
  ms: "zlm",
  tl: "tgl",
  vi: "vie",
  th: "tha",
  ja: "jpn",
  ko: "kor",
  zh: "cmn",
  sw: "swh",
};

/** Milliseconds to import `specifier` in a fresh Node process (this one has eld loaded already). */
function importMs(specifier: string): number {
  const script = `const t = performance.now(); await import(${JSON.stringify(specifier)}); console.log(performance.now() - t);`;
  return Number(execFileSync(process.execPath, ["--input-type=module", "-e", script], { cwd: import.meta.dirname, encoding: "utf8" }));
}

/** Imports an optional package by a name tsc does not resolve, so the script compiles without it. */
async function importOptional(name: string): Promise<Record<string, unknown> | undefined> {
  try {
    return (await import(name)) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

interface EldLike {
  setLanguageSubset(languages: string[]): unknown;
  detect(text: string): { language: string };
}

async function eldCandidate(size: "extrasmall" | "small" | "large"): Promise<Candidate | undefined> {
  const eld = (await importOptional(`eld/${size}`))?.eld as EldLike | undefined;
  if (!eld) return undefined;
  const loadMs = importMs(`eld/${size}`);
  eld.setLanguageSubset(catalogCodes);
  return { name: `eld ${size}`, packages: ["eld"], loadMs, guess: (text) => eld.detect(text).language || undefined };
}

async function tinyldCandidate(variant: "" | "/heavy"): Promise<Candidate | undefined> {
  const detect = (await importOptional(`tinyld${variant}`))?.detect as ((text: string, options: { only: string[] }) => string) | undefined;
  if (!detect) return undefined;
  const loadMs = importMs(`tinyld${variant}`);
  return {
    name: `tinyld${variant === "" ? "" : " heavy"}`,
    packages: ["tinyld"],
    loadMs,
    guess: (text) => detect(text, { only: catalogCodes }) || undefined,
  };
}

async function francCandidate(): Promise<Candidate | undefined> {
  const franc = (await importOptional("franc-min"))?.franc as
    | ((text: string, options: { only: string[]; minLength: number }) => string)
    | undefined;
  if (!franc) return undefined;
  const loadMs = importMs("franc-min");
  const fromIso3 = new Map(Object.entries(ISO3).map(([two, three]) => [three, two]));
  const only = catalogCodes.map((code) => ISO3[code]).filter((code): code is string => code !== undefined);
  return {
    name: "franc-min",
    packages: ["franc-min", "trigram-utils", "n-gram", "collapse-white-space"],
    loadMs,
    guess: (text) => fromIso3.get(franc(text, { only, minLength: 1 })),
  };
}

/** eld small plus the catalog's scripts and cue words; its load time adds building those to eld's import. */
function warmlineCandidate(): Candidate {
  const started = performance.now();
  identifyLanguage("builds the identifier");
  const loadMs = importMs("eld/small") + performance.now() - started;
  return { name: "Warmline identifyLanguage (eld small + cues)", packages: ["eld"], loadMs, guess: (text) => identifyLanguage(text)?.code };
}

const NODE_MODULES = join(import.meta.dirname, "..", "node_modules");
function diskKb(packages: string[]): number | undefined {
  if (packages.length === 0) return undefined;
  const dirs = packages.map((name) => join(NODE_MODULES, name, "/"));
  const out = execFileSync("du", ["-sk", ...dirs], { encoding: "utf8" });
  return out
    .trim()
    .split("\n")
    .reduce((sum, line) => sum + Number(line.split("\t")[0]), 0);
}

function accuracy(candidate: Candidate, form: (sample: Sample) => boolean): string {
  const chosen = samples.filter(form);
  const right = chosen.filter((sample) => candidate.guess(sample.text) === (sample.code === "-" ? undefined : sample.code)).length;
  return `${((100 * right) / chosen.length).toFixed(0)}% (${right}/${chosen.length})`;
}

function microsPerMessage(candidate: Candidate): number {
  const started = performance.now();
  for (let round = 0; round < SPEED_ROUNDS; round += 1) for (const sample of samples) candidate.guess(sample.text);
  return ((performance.now() - started) * 1000) / (SPEED_ROUNDS * samples.length);
}

const loaded = [
  await eldCandidate("extrasmall"),
  await eldCandidate("small"),
  await eldCandidate("large"),
  await tinyldCandidate(""),
  await tinyldCandidate("/heavy"),
  await francCandidate(),
  warmlineCandidate(),
];
const candidates = loaded.filter((candidate): candidate is Candidate => candidate !== undefined);
const native = (sample: Sample) => sample.form === "native";
const romanized = (sample: Sample) => sample.form === "romanized" || sample.form === "pidgin";
const undetermined = (sample: Sample) => sample.form === "undetermined";

console.log(`${samples.length} messages, ${new Set(samples.map((s) => s.code)).size - 1} languages (${MESSAGES_FILE})\n`);
console.log("| library | native script | romanized and Pidgin | too short (no guess) | all | µs/message | load ms | size on disk |");
console.log("|---|---|---|---|---|---|---|---|");
for (const candidate of candidates) {
  const kb = diskKb(candidate.packages);
  console.log(
    `| ${candidate.name} | ${accuracy(candidate, native)} | ${accuracy(candidate, romanized)} | ${accuracy(candidate, undetermined)} | ${accuracy(candidate, () => true)} | ${microsPerMessage(candidate).toFixed(0)} | ${candidate.loadMs.toFixed(0)} | ${kb === undefined ? "—" : `${(kb / 1024).toFixed(1)} MB`} |`,
  );
}

const best = candidates.at(-1)!;
const misses = samples.filter((sample) => best.guess(sample.text) !== (sample.code === "-" ? undefined : sample.code));
if (misses.length > 0) {
  console.log(`\n${best.name} misses:`);
  for (const sample of misses) console.log(`  ${sample.code} ${sample.form}: "${sample.text}" → ${best.guess(sample.text) ?? "undefined"}`);
}
