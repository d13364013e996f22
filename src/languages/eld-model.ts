/**
 * eld's language detector with its "small" n-gram model (the one `eld/small` loads), read as data.
 * eld ships the model as a 1.6 MB JavaScript object literal; compiling that literal grows the
 * process by about 150 MB of RSS that it never gives back, against about 45 MB for the same model
 * parsed as JSON (`node --expose-gc --import tsx scripts/profile-relay.ts --idle-memory`). So the
 * file is read as text, its literal rewritten as JSON, and the result handed to eld's own detector:
 * the same model and the same code, so the same answers (test/languages/eld-model.test.ts).
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { WarmlineError } from "../domain/errors.js";

/** What eld's detect() answers; see eld's index.d.ts. */
export interface EldDetector {
  detect(text: string): { language: string; getScores(): Record<string, number>; isReliable(): boolean };
}

interface EldModel {
  type: string;
  languages: Record<string, string>;
  ngrams: Record<string, Record<string, number>>;
}

/** eld's entry point; its detector factory and model files sit beside it in the package. */
const ELD_ENTRY = import.meta.resolve("eld");
export const ELD_SMALL_MODEL_URL = new URL("../ngrams/small.js", ELD_ENTRY);
const ELD_DETECTOR_URL = new URL("../languageDetector.js", ELD_ENTRY);

const MODEL_START = "export const ngramsData = ";
const NGRAMS_START = "ngrams:{";
/** A single-quoted string (eld escapes only quotes in them), or a bare key: an identifier or a number before ":". */
const LITERAL_TOKEN = /'((?:[^'\\]|\\.)*)'|([A-Za-z_$][\w$]*|\d+)(?=:)/g;
/** One n-gram (quoted, or bare as LITERAL_TOKEN's keys) and its scores: `'<ngram>':{<language>:<score>,...}`. */
const NGRAM_ENTRY = /(?:'((?:[^'\\]|\\.)*)'|([A-Za-z_$][\w$]*|\d+)):\{([\d:,]*)\}[,}]/y;

/** A small object literal read as JSON: its strings double-quoted, its bare keys quoted. */
function literalAsJson(literal: string): unknown {
  return JSON.parse(
    literal.replace(LITERAL_TOKEN, (_, text: string | undefined, key: string | undefined) =>
      text !== undefined ? JSON.stringify(text.replace(/\\(.)/g, "$1")) : `"${key}"`,
    ),
  );
}

/**
 * The model's object literal, read as data. Its head (type, languages) is small and read as JSON;
 * its 81,206 n-grams are read one by one, straight into the model, and n-grams with equal scores
 * (only 17,885 distinct: most name one language) share one frozen score map, which eld only reads.
 * Rewriting the whole 1.6 MB literal as JSON instead held 26 MB of heap and its parse grew RSS by
 * about 100 MB; this holds 12 MB.
 */
export function parseEldModel(source: string): EldModel {
  const start = source.indexOf(MODEL_START);
  const ngramsAt = source.indexOf(NGRAMS_START, start);
  let model: Partial<EldModel> | undefined;
  try {
    if (start < 0 || ngramsAt < 0) throw new SyntaxError("no model literal");
    const head = literalAsJson(`${source.slice(start + MODEL_START.length, ngramsAt)}ngrams:{}}`) as Partial<EldModel>;
    head.ngrams = readNgrams(source, ngramsAt + NGRAMS_START.length);
    model = head;
  } catch {
    model = undefined;
  }
  if (typeof model?.type !== "string" || typeof model.languages !== "object" || typeof model.ngrams !== "object") {
    throw new WarmlineError(
      "config_invalid",
      `Cannot read eld's language model ${fileURLToPath(ELD_SMALL_MODEL_URL)}: its format changed. Install the eld version package-lock.json names (npm ci), or update src/languages/eld-model.ts for the new one.`,
    );
  }
  return model as EldModel;
}

/** The n-grams from `from` to the end of their literal; throws at anything else. */
function readNgrams(source: string, from: number): EldModel["ngrams"] {
  const ngrams: EldModel["ngrams"] = {};
  const shared = new Map<string, Record<string, number>>();
  NGRAM_ENTRY.lastIndex = from;
  for (;;) {
    const entry = NGRAM_ENTRY.exec(source);
    if (entry === null) throw new SyntaxError(`unexpected text at ${NGRAM_ENTRY.lastIndex}`);
    const [whole, quoted, bare, literal] = entry as unknown as [string, string | undefined, string | undefined, string];
    let scores = shared.get(literal);
    if (scores === undefined) {
      // Through JSON.parse, which sizes the object for its few language keys (filling `{}` key by key
      // reserved room up to the highest language index: about 6 MB more over the model).
      scores = JSON.parse(`{${literal.replace(/(\d+):/g, '"$1":')}}`) as Record<string, number>;
      shared.set(literal, Object.freeze(scores));
    }
    ngrams[quoted !== undefined ? quoted.replace(/\\(.)/g, "$1") : bare!] = scores;
    if (whole.endsWith("}}")) return ngrams;
  }
}

const { createEld } = (await import(ELD_DETECTOR_URL.href)) as {
  createEld(): { instance: EldDetector; loadData(model: EldModel): string };
};

/** eld's detector over its small model (eld/small's `eld`), loaded from the model file as JSON. */
export function createEldDetector(): EldDetector {
  const { instance, loadData } = createEld();
  loadData(parseEldModel(readFileSync(ELD_SMALL_MODEL_URL, "utf8")));
  return instance;
}

let shared: EldDetector | undefined;

/** One detector for the process, loaded on first use: its model is the largest thing Warmline holds. */
export function sharedEldDetector(): EldDetector {
  shared ??= createEldDetector();
  return shared;
}
