import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type ControlKeyword, matchControlKeyword } from "../../routing/customer-keywords.js";
import { normalizeText } from "../../routing/text-normalize.js";
import { loadCorpus } from "../../src/assistant/corpus.js";
import { loadConfigFile } from "../../src/config/load-config.js";
import type { KeywordsConfig } from "../../src/config/schema.js";
import { LANGUAGES_DIR } from "../../src/languages/language-catalog.js";
import { PACKAGE_ROOT, SHIPPED_CONFIG_FILE } from "../../src/paths.js";

/**
 * Checks the shipped per-language data (data/languages/<code>/replies.json and intents.csv) against the
 * English config it translates, so a translation can't silently drop a message, rename a placeholder,
 * or give a control word two meanings. The runtime loader validates shapes; this checks the content.
 */

const KINDS: readonly ControlKeyword[] = ["human", "bot", "cancel", "callback", "wait"];
const REQUIRED_INTENTS = ["cancel_order", "get_refund", "track_order", "payment_issue", "complaint", "greeting", "thanks"];
const MIN_EXAMPLES_PER_INTENT = 25;

interface RepliesFile {
  messages: Record<string, string>;
  messagesLatn?: Record<string, string>;
  keywords: Record<ControlKeyword, string[]>;
  survey: { yes: string[]; no: string[] };
}

const english = loadConfigFile(SHIPPED_CONFIG_FILE);
const codes = readdirSync(LANGUAGES_DIR).sort();
const shippedReplies = codes
  .filter((code) => existsSync(join(LANGUAGES_DIR, code, "replies.json")))
  .map((code) => ({ code, replies: JSON.parse(readFileSync(join(LANGUAGES_DIR, code, "replies.json"), "utf8")) as RepliesFile }));
const shippedIntentFiles = codes.filter((code) => existsSync(join(LANGUAGES_DIR, code, "intents.csv")));

const placeholders = (text: string): string[] => [...new Set([...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!))].sort();
const surveyWord = (word: string): string => normalizeText(word).trim().replace(/\s+/g, " ");

it("ships replies and intent examples to check", () => {
  expect(shippedReplies.length).toBeGreaterThan(0);
  expect(shippedIntentFiles.length).toBeGreaterThan(0);
});

describe.each(shippedReplies)("data/languages/$code/replies.json", ({ replies }) => {
  const variants = Object.entries({ messages: replies.messages, messagesLatn: replies.messagesLatn }).filter(
    (entry): entry is [string, Record<string, string>] => entry[1] !== undefined,
  );

  it.each(variants)("%s has exactly the English message keys", (_, messages) => {
    expect(Object.keys(messages).sort()).toEqual(Object.keys(english.messages).sort());
  });

  it.each(variants)("%s keeps every English message's placeholders, no more and no fewer", (_, messages) => {
    for (const [key, englishText] of Object.entries(english.messages)) {
      const translated = messages[key] ?? "";
      expect(translated.trim(), key).not.toBe("");
      expect(placeholders(translated), key).toEqual(placeholders(englishText));
    }
  });

  it("writes its romanized variant in Latin script only", () => {
    for (const text of Object.values(replies.messagesLatn ?? {})) expect(text).not.toMatch(/(?!\p{Script=Latin})\p{L}/u);
  });

  it("lists at least one non-blank control keyword of every kind", () => {
    for (const kind of KINDS) {
      expect(replies.keywords[kind]?.length, kind).toBeGreaterThan(0);
      for (const word of replies.keywords[kind]) expect(word.replace(/[^\p{L}\p{N}]/gu, ""), kind).not.toBe("");
    }
  });

  it("has survey words for yes and for no, none meaning both", () => {
    expect(replies.survey.yes.length).toBeGreaterThan(0);
    expect(replies.survey.no.length).toBeGreaterThan(0);
    const yes = new Set(replies.survey.yes.map(surveyWord));
    expect(replies.survey.no.map(surveyWord).filter((word) => yes.has(word))).toEqual([]);
  });
});

describe("control keywords across languages", () => {
  // The engine accepts any configured language's words, so one word must mean one thing everywhere.
  const everyLanguage: KeywordsConfig = {
    ...english.keywords,
    ...Object.fromEntries(shippedReplies.map(({ code, replies }) => [`data:${code}`, replies.keywords])),
  };
  const words = Object.entries(everyLanguage).flatMap(([language, byKind]) =>
    KINDS.flatMap((kind) => byKind[kind].map((word) => ({ language, kind, word }))),
  );

  it.each(words)("$language $word means $kind in every language", ({ word, kind }) => {
    expect(matchControlKeyword(word, everyLanguage)).toBe(kind);
  });
});

describe("survey words across languages", () => {
  it("never use one language's yes as another's no", () => {
    const yes = new Set(shippedReplies.flatMap(({ replies }) => replies.survey.yes.map(surveyWord)));
    const clashes = shippedReplies.flatMap(({ code, replies }) =>
      replies.survey.no.filter((word) => yes.has(surveyWord(word))).map((word) => `${code}: ${word}`),
    );
    expect(clashes).toEqual([]);
  });
});

describe.each(shippedIntentFiles)("data/languages/%s/intents.csv", (code) => {
  it(`parses and uses only intents of data/corpus.csv, with ≥ ${MIN_EXAMPLES_PER_INTENT} examples of each core intent`, async () => {
    const known = new Set((await loadCorpus(join(PACKAGE_ROOT, "data", "corpus.csv"))).map((example) => example.intent));
    const examples = await loadCorpus(join(LANGUAGES_DIR, code, "intents.csv"));
    expect(examples.filter((example) => !known.has(example.intent)).map((example) => example.intent)).toEqual([]);
    const counts = new Map<string, number>();
    for (const { intent } of examples) counts.set(intent, (counts.get(intent) ?? 0) + 1);
    for (const intent of REQUIRED_INTENTS) expect(counts.get(intent) ?? 0, intent).toBeGreaterThanOrEqual(MIN_EXAMPLES_PER_INTENT);
  });

  it("repeats no example", async () => {
    const examples = await loadCorpus(join(LANGUAGES_DIR, code, "intents.csv"));
    const seen = new Set<string>();
    const repeated = examples.map((example) => normalizeText(example.text)).filter((text) => seen.has(text) || !seen.add(text));
    expect(repeated).toEqual([]);
  });
});
