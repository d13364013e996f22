import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { csvRecords } from "../../src/assistant/corpus.js";
import { createAssistantFromConfig } from "../../src/assistant/from-config.js";
import { readWildSet, WILD_CATEGORIES, wildMessages } from "../../src/cli/eval-sets.js";
import { evaluateMessages, WILD_TARGETS, wildShortfalls } from "../../src/cli/evaluate-triage.js";
import { loadConfigFile } from "../../src/config/load-config.js";
import { loadLanguageCatalog } from "../../src/languages/language-catalog.js";
import { PACKAGE_ROOT, SHIPPED_CONFIG_FILE } from "../../src/paths.js";

const MIN_ROWS_PER_LANGUAGE = 34;
const MIN_ROWS = 800;
const MAX_TEXT_LENGTH = 300;
/**
 * A text of at least this many words (or characters, in scripts written without spaces) is a sentence.
 * Shorter ones are stock phrases ("where is my order", "scam") that any lexicon or corpus holds.
 */
const SENTENCE_WORDS = 4;
const SENTENCE_CHARS_UNSPACED = 12;
/** Scripts written without spaces between words. */
const UNSPACED_SCRIPT = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}]/u;

const rows = readWildSet();
const byLanguage = new Map<string, typeof rows>();
for (const row of rows) byLanguage.set(row.language, [...(byLanguage.get(row.language) ?? []), row]);

/** Case, width, punctuation, emoji and spacing removed: the text as a leak check compares it. */
function normalize(text: string): string {
  return text
    .normalize("NFKC")
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\s]/gu, " ")
    .replace(/\s+/g, " ")
    .trim();
}

const where = (row: { file: string; line: number; text: string }) => `${row.file.slice(PACKAGE_ROOT.length)}:${row.line} "${row.text}"`;

describe("the wild evaluation set is well-formed", () => {
  it("has a file for every language of the catalog, and none for another", () => {
    const codes = loadLanguageCatalog().map((language) => language.code);
    expect([...byLanguage.keys()].sort()).toEqual([...codes].sort());
    expect(rows.length).toBeGreaterThanOrEqual(MIN_ROWS);
  });

  it(`has at least ${MIN_ROWS_PER_LANGUAGE} rows, every category and a majority of must-escalate rows in each language`, () => {
    const problems = [...byLanguage].flatMap(([language, languageRows]) => {
      const categories = new Set(languageRows.map((row) => row.category));
      const missing = Object.keys(WILD_CATEGORIES).filter((category) => !categories.has(category));
      const escalateShare = languageRows.filter((row) => row.escalate).length / languageRows.length;
      return [
        ...(languageRows.length < MIN_ROWS_PER_LANGUAGE ? [`${language}: ${languageRows.length} rows`] : []),
        ...(missing.length > 0 ? [`${language} lacks ${missing.join(", ")}`] : []),
        ...(escalateShare < 0.5 || escalateShare > 0.7 ? [`${language}: ${escalateShare.toFixed(2)} must escalate, want 0.5-0.7`] : []),
      ];
    });
    expect(problems, "write more rows in those languages").toEqual([]);
  });

  it("names known categories, with escalate and team matching the category", () => {
    const problems = rows.flatMap((row) => {
      const rule = (WILD_CATEGORIES as Record<string, { escalate: boolean; team: string | null }>)[row.category];
      if (!rule) return [`${where(row)}: unknown category ${row.category}`];
      return rule.escalate === row.escalate && rule.team === row.team
        ? []
        : [`${where(row)}: ${row.category} needs escalate=${rule.escalate ? "yes" : "no"} team=${rule.team ?? "(empty)"}`];
    });
    expect(problems).toEqual([]);
  });

  it(`has no duplicate text and no text over ${MAX_TEXT_LENGTH} characters`, () => {
    const seen = new Map<string, string>();
    const problems = rows.flatMap((row) => {
      const key = normalize(row.text);
      const first = seen.get(key);
      seen.set(key, where(row));
      return [
        ...(first ? [`${where(row)} repeats ${first}`] : []),
        ...(row.text.length > MAX_TEXT_LENGTH ? [`${where(row)} is ${row.text.length} characters`] : []),
        ...(row.text.trim() === "" ? [`${where(row)} is empty`] : []),
      ];
    });
    expect(problems).toEqual([]);
  });
});

/** data/corpus.csv and every CSV or JSON under data/languages/: the files the product learns or matches from. */
function trainingFiles(): string[] {
  const languages = join(PACKAGE_ROOT, "data", "languages");
  const nested = readdirSync(languages, { recursive: true, encoding: "utf8" })
    .filter((path) => path.endsWith(".csv") || path.endsWith(".json"))
    .map((path) => join(languages, path));
  return [join(PACKAGE_ROOT, "data", "corpus.csv"), ...nested];
}

/** Every string a training file holds: CSV fields, JSON values and keys. */
function trainingStrings(file: string): string[] {
  const text = readFileSync(file, "utf8");
  if (file.endsWith(".csv")) return [...csvRecords(text, file)].flatMap((record) => record.fields);
  const strings: string[] = [];
  const walk = (value: unknown): void => {
    if (typeof value === "string") strings.push(value);
    else if (Array.isArray(value)) value.forEach(walk);
    else if (typeof value === "object" && value !== null)
      for (const [key, inner] of Object.entries(value)) {
        strings.push(key);
        walk(inner);
      }
  };
  walk(JSON.parse(text));
  return strings;
}

describe("the wild evaluation set is apart from every training file", () => {
  // A bare word or stock phrase ("arnaque", "转人工") is the language's own: any lexicon must hold it. A sentence must not be there.
  const isSentence = (text: string) =>
    text.split(" ").length >= SENTENCE_WORDS ||
    (UNSPACED_SCRIPT.test(text) && !text.includes(" ") && text.length >= SENTENCE_CHARS_UNSPACED);

  it("no wild sentence appears in data/corpus.csv or data/languages, whole or inside a longer phrase", () => {
    const training = trainingFiles().flatMap((file) => trainingStrings(file).map((text) => ({ file, text: ` ${normalize(text)} ` })));
    const exact = new Map(training.map(({ file, text }) => [text.trim(), file]));
    const leaks = rows.flatMap((row) => {
      const text = normalize(row.text);
      if (!isSentence(text)) return [];
      if (exact.has(text)) return [`${where(row)} is in ${exact.get(text)!.slice(PACKAGE_ROOT.length)}`];
      // Scripts without spaces have no word boundary to anchor on; spaced scripts match whole words only.
      const inside = training.find((t) => t.text.includes(text.includes(" ") ? ` ${text} ` : text));
      return inside ? [`${where(row)} is inside "${inside.text.trim()}" in ${inside.file.slice(PACKAGE_ROOT.length)}`] : [];
    });
    expect(leaks, "reword the training phrase: the evaluation set must stay unseen (eval/README.md)").toEqual([]);
  });
});

describe("first-message triage on the wild set", () => {
  it(`meets recall >= ${WILD_TARGETS.recall} and false escalation <= ${WILD_TARGETS.falseEscalation} in every language, and recall >= ${WILD_TARGETS.categoryRecall} per must-escalate category`, async () => {
    const config = loadConfigFile(SHIPPED_CONFIG_FILE);
    const assistant = await createAssistantFromConfig(config);
    const evaluation = await evaluateMessages(assistant, config, wildMessages(rows));
    const shortfalls = wildShortfalls(evaluation).map(
      (s) => `${s.slice} ${s.figure} ${s.value.toFixed(3)}, e.g. ${s.examples.map((text) => `"${text}"`).join("; ")}`,
    );
    expect(shortfalls, `wild set bars missed (npm run eval -- --set wild --examples for more):\n${shortfalls.join("\n")}`).toEqual([]);
  });
});
