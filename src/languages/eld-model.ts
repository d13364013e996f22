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
/** A single-quoted string (eld escapes only quotes in them), or a bare key: an identifier or a number before ":". */
const LITERAL_TOKEN = /'((?:[^'\\]|\\.)*)'|([A-Za-z_$][\w$]*|\d+)(?=:)/g;

/** The model's object literal, read as JSON: its strings double-quoted, its bare keys quoted. */
export function parseEldModel(source: string): EldModel {
  const start = source.indexOf(MODEL_START);
  const end = source.lastIndexOf("}");
  const json =
    start < 0 || end < start
      ? ""
      : source
          .slice(start + MODEL_START.length, end + 1)
          .replace(LITERAL_TOKEN, (_, text: string | undefined, key: string | undefined) =>
            text !== undefined ? JSON.stringify(text.replace(/\\(.)/g, "$1")) : `"${key}"`,
          );
  let model: Partial<EldModel> | undefined;
  try {
    model = JSON.parse(json) as Partial<EldModel>;
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
