import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { compileSignalLexicon, type NegationRules, type SignalLexicon, type SignalLexiconSource } from "../../routing/signal-lexicon.js";
import { SIGNAL_CATEGORIES } from "../domain/escalation.js";
import type { PolicyConfig } from "../config/schema.js";
import { isNegatable } from "../config/signal-actions.js";
import { WarmlineError } from "../domain/errors.js";
import { LANGUAGES_DIR } from "./language-catalog.js";
import { readLanguageJson } from "./read-json.js";

/**
 * Escalation signals per language: data/languages/<code>/signals.json, validated here at start-up and
 * merged with the config's own phrases (policy.signalPhrases). Routing gets the compiled lexicon as
 * data; it never reads a file.
 */
export const SIGNALS_FILE = "signals.json";
/** Optional beside it: how the language negates a signal ("dont cancel"). */
export const NEGATION_FILE = "negation.json";

const phrase = z.string().trim().min(1, "write a word or phrase, not an empty string");
const rulesSchema = z.strictObject({
  phrases: z.array(phrase).optional(),
  combos: z
    .array(z.array(z.array(phrase).min(1, "a combo group needs at least one word")).min(2, "a combo needs two or more groups"))
    .optional(),
  unless: z.array(phrase).optional(),
});

const categoryKeys = SIGNAL_CATEGORIES.join(", ");
const signalsFileSchema = z.strictObject({
  signals: z.record(z.string(), rulesSchema).superRefine((signals, ctx) => {
    for (const key of Object.keys(signals)) {
      if (!(SIGNAL_CATEGORIES as readonly string[]).includes(key))
        ctx.addIssue({ code: "custom", path: [key], message: `unknown category "${key}": use one of ${categoryKeys}` });
    }
  }),
  commonWords: z.array(phrase).optional(),
  contactWords: z.array(phrase).optional(),
});

const negationFileSchema = z.strictObject({
  before: z.array(phrase).default([]),
  after: z.array(phrase).default([]),
  reassurance: z.array(phrase).default([]),
  inability: z.array(phrase).default([]),
});

/** Reads and validates one negation.json (before, after, reassurance, inability: lists of phrases). */
export function readNegationFile(file: string): NegationRules {
  const raw = readLanguageJson(file, "fix the JSON, or delete the file to run without this language's negation words.");
  const parsed = negationFileSchema.safeParse(raw);
  if (!parsed.success) {
    throw new WarmlineError(
      "config_invalid",
      `${file} is invalid (keys are before, after, reassurance, inability; each a list of words or phrases):\n${z.prettifyError(parsed.error)}`,
    );
  }
  return parsed.data;
}

/** Reads and validates one signals.json; a broken file names itself, the path inside it and the fix. */
export function readSignalsFile(file: string, source: string): SignalLexiconSource {
  const raw = readLanguageJson(file, "fix the JSON, or delete the file to run without this language's signals.");
  const parsed = signalsFileSchema.safeParse(raw);
  if (!parsed.success) {
    throw new WarmlineError(
      "config_invalid",
      `${file} is invalid (categories are ${categoryKeys}; each holds phrases, combos, unless; beside signals: commonWords, contactWords):\n${z.prettifyError(parsed.error)}`,
    );
  }
  return { source, ...(parsed.data as Omit<SignalLexiconSource, "source">) };
}

/** Every data/languages/<code>/signals.json, in folder order; a folder without one contributes nothing. */
export function loadSignalSources(dir: string = LANGUAGES_DIR): SignalLexiconSource[] {
  if (!existsSync(dir))
    throw new WarmlineError("config_invalid", `Cannot find the language data folder ${dir}: reinstall Warmline or restore data/languages.`);
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(dir, entry.name, SIGNALS_FILE)))
    .map((entry) => entry.name)
    .sort()
    .map((code) => {
      const source = readSignalsFile(join(dir, code, SIGNALS_FILE), code);
      const negation = join(dir, code, NEGATION_FILE);
      return existsSync(negation) ? { ...source, negation: readNegationFile(negation) } : source;
    });
}

/** The config's extensions as one more source: policy.signalPhrases, and the older humanRequestPhrases / humanWords. */
export function configSignalSource(
  policy: Pick<PolicyConfig, "signalPhrases" | "humanRequestPhrases" | "humanWords">,
): SignalLexiconSource {
  const signals: SignalLexiconSource["signals"] = {};
  for (const [category, phrases] of Object.entries(policy.signalPhrases)) {
    signals[category as keyof typeof signals] = { phrases };
  }
  const humanPhrases = [...policy.humanRequestPhrases, ...policy.humanWords];
  if (humanPhrases.length > 0) {
    signals.human_request = { phrases: [...(signals.human_request?.phrases ?? []), ...humanPhrases] };
  }
  return { source: "config", signals, contactWords: policy.humanWords };
}

const compiled = new WeakMap<object, SignalLexicon>();
/** The files are read once per folder; each policy object only adds its own phrases. */
const sourcesByDir = new Map<string, SignalLexiconSource[]>();

/**
 * The compiled lexicon for this policy: every language's file plus the config's phrases. Compiled
 * once per policy object (start-up, or each config the tests build), never per message.
 */
export function loadSignalLexicon(policy: PolicyConfig, dir: string = LANGUAGES_DIR): SignalLexicon {
  const cached = dir === LANGUAGES_DIR ? compiled.get(policy) : undefined;
  if (cached) return cached;
  let sources = sourcesByDir.get(dir);
  if (!sources) {
    sources = loadSignalSources(dir);
    sourcesByDir.set(dir, sources);
  }
  const negatable = SIGNAL_CATEGORIES.filter((category) => isNegatable(category, policy.signalActions[category]));
  const lexicon = compileSignalLexicon([...sources, configSignalSource(policy)], { negatable });
  if (dir === LANGUAGES_DIR) compiled.set(policy, lexicon);
  return lexicon;
}
