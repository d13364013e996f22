import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { detectSignals } from "../../routing/escalation-signals.js";
import { SIGNAL_CATEGORIES } from "../../src/domain/escalation.js";
import { policySchema } from "../../src/config/schema.js";
import { loadLanguageCatalog, LANGUAGES_DIR } from "../../src/languages/language-catalog.js";
import {
  configSignalSource,
  loadSignalLexicon,
  loadSignalSources,
  readSignalsFile,
  SIGNALS_FILE,
} from "../../src/languages/signal-lexicons.js";

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A languages folder holding one language whose signals.json is `content`. */
function languagesWith(content: string): string {
  const dir = mkdtempSync(join(tmpdir(), "warmline-signals-"));
  dirs.push(dir);
  mkdirSync(join(dir, "xx"));
  writeFileSync(join(dir, "xx", SIGNALS_FILE), content);
  return dir;
}

describe("shipped signals.json files", () => {
  it("all validate", () => {
    expect(() => loadSignalSources()).not.toThrow();
  });

  // Fails until every language's file is written (the world-languages branch adds the other 17).
  it.each(loadLanguageCatalog().map((language) => language.code))("%s has a signals.json with every category", (code) => {
    const file = join(LANGUAGES_DIR, code, SIGNALS_FILE);
    expect(existsSync(file), `${file} is missing`).toBe(true);
    const { signals } = readSignalsFile(file, code);
    const empty = SIGNAL_CATEGORIES.filter((category) => {
      const rules = signals[category];
      return (rules?.phrases?.length ?? 0) + (rules?.combos?.length ?? 0) === 0;
    });
    expect(empty, `${code}: categories without phrases or combos`).toEqual([]);
  });
});

describe("signals.json validation", () => {
  it("names the file, the path and the known categories for an unknown category", () => {
    const dir = languagesWith(JSON.stringify({ signals: { refund_request: { phrases: ["money back"] } } }));
    expect(() => loadSignalSources(dir)).toThrow(/xx[/\\]signals\.json is invalid/);
    expect(() => loadSignalSources(dir)).toThrow(/unknown category "refund_request": use one of human_request, cancellation/);
    expect(() => loadSignalSources(dir)).toThrow(/→ at signals\.refund_request/);
  });

  it("rejects a combo with one group and an empty phrase, with their paths", () => {
    const dir = languagesWith(JSON.stringify({ signals: { cancellation: { phrases: [" "], combos: [[["cancel"]]] } } }));
    expect(() => loadSignalSources(dir)).toThrow(/signals\.cancellation\.phrases\[0\]/);
    expect(() => loadSignalSources(dir)).toThrow(/a combo needs two or more groups/);
  });

  it("reports broken JSON with the file and the fix", () => {
    const dir = languagesWith("{ signals: ");
    expect(() => loadSignalSources(dir)).toThrow(/Cannot read .*xx[/\\]signals\.json .*fix the JSON/);
  });

  it("skips a language folder without a signals.json", () => {
    const dir = mkdtempSync(join(tmpdir(), "warmline-signals-"));
    dirs.push(dir);
    mkdirSync(join(dir, "yy"));
    expect(loadSignalSources(dir)).toEqual([]);
  });
});

describe("the config extends the lexicons without code", () => {
  it("adds policy.signalPhrases to their categories", () => {
    const policy = policySchema.parse({ signalPhrases: { human_request: ["put me through to accounts"], fraud: ["daylight robbery"] } });
    const lexicon = loadSignalLexicon(policy);
    expect(detectSignals("please put me through to accounts", lexicon).map((m) => m.category)).toEqual(["human_request"]);
    expect(detectSignals("daylight robbery!", lexicon)[0]).toMatchObject({ category: "fraud", source: expect.any(String) });
  });

  it("keeps humanRequestPhrases and humanWords as requests for a person", () => {
    const source = configSignalSource(policySchema.parse({ humanRequestPhrases: ["put me through"], humanWords: ["kundenberater"] }));
    expect(source.signals.human_request?.phrases).toEqual(["put me through", "kundenberater"]);
    expect(source.contactWords).toEqual(["kundenberater"]);
  });

  it("refuses an unknown category in policy.signalPhrases, naming the known ones", () => {
    expect(() => policySchema.parse({ signalPhrases: { refunds: ["x"] } })).toThrow(
      /unknown signal category \\?"refunds\\?": use human_request/,
    );
  });

  it("compiles once per policy", () => {
    const policy = policySchema.parse({});
    expect(loadSignalLexicon(policy)).toBe(loadSignalLexicon(policy));
  });
});
