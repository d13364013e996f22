import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { WarmlineError } from "../domain/errors.js";
import { PACKAGE_ROOT } from "../paths.js";
import { readLanguageJson } from "./read-json.js";

/**
 * The languages Warmline knows, as data: one folder per language under data/languages/<code>/,
 * each with a language.json naming it, beside the files that hold what we know of it (escalation
 * signals, replies to the customer, intent examples). Code never names a language; it reads these.
 */
export const LANGUAGES_DIR = join(PACKAGE_ROOT, "data", "languages");

/** ISO 15924 codes Warmline can tell apart in a text (see text-script.ts). */
export const KNOWN_SCRIPTS = ["Latn", "Cyrl", "Arab", "Deva", "Beng", "Thai", "Kore", "Jpan", "Hans", "Hant"] as const;
export type KnownScript = (typeof KNOWN_SCRIPTS)[number];
const script = z.enum(KNOWN_SCRIPTS, { error: `use one of the ISO 15924 codes ${KNOWN_SCRIPTS.join(", ")}` });

/** A word customers of this language (or variant) write that other catalog languages don't: lower case, no spaces. */
const cueWord = z
  .string()
  .regex(/^[\p{Ll}\p{Lo}\p{N}']+$/u, "write a cue as one lower-case word without spaces or punctuation")
  .describe("cue word");

const cuePattern = z
  .string()
  .refine((pattern) => {
    try {
      new RegExp(pattern, "u");
      return true;
    } catch {
      return false;
    }
  }, "write a JavaScript regular expression matching one lower-case word")
  .describe("Regular expression: a word matching it counts as one cue");

const variantSchema = z.strictObject({
  /** For the card: "Hinglish (romanized Hindi)", "Nigerian Pidgin". */
  name: z.string().min(1),
  /** One of the language's scripts; a romanized variant is Latn. */
  script,
  /** Words only this variant uses; two in one message identify it (libraries don't know these forms). */
  cues: z.array(cueWord).min(1),
  cuePattern: cuePattern.optional(),
  /** Languages whose cues overlap this variant's (romanized Urdu and Hinglish): on a tie of shared words, this one. */
  preferredOver: z.array(z.string()).optional(),
});

const languageInfoSchema = z.strictObject({
  /** ISO 639-1 code, also the folder's name. */
  code: z.string().regex(/^[a-z]{2,3}$/, "use the ISO 639-1 code, e.g. pt"),
  /** English name, for the card: "writes in Portuguese". */
  name: z.string().min(1),
  nativeName: z.string().min(1),
  /**
   * ISO 15924 scripts customers write it in, the usual one first (the one the identification library
   * knows it in); a later Latn is a romanized form (Hinglish, Arabizi), recognised by a variant's cues.
   */
  scripts: z.array(script).min(1),
  note: z.string().optional(),
  /** Words typical of the language as customers write it, for what the library lacks or confuses (two identify it). */
  cues: z.array(cueWord).optional(),
  cuePattern: cuePattern.optional(),
  /** The catalog language the library reports this one as (it has no model of it); cues then tell the two apart. */
  detectedAs: z.string().optional(),
  /** Named forms written differently (romanized Hindi, Nigerian Pidgin), each recognised by its cues. */
  variants: z.array(variantSchema).optional(),
});

export type LanguageInfo = z.infer<typeof languageInfoSchema>;

/** Reads and validates every data/languages/<code>/language.json; a bad file names itself and the fix. */
export function loadLanguageCatalog(dir: string = LANGUAGES_DIR): LanguageInfo[] {
  if (!existsSync(dir))
    throw new WarmlineError("config_invalid", `Cannot find the language data folder ${dir}: reinstall Warmline or restore data/languages.`);
  const codes = readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  const catalog = codes.map((code) => {
    const file = join(dir, code, "language.json");
    const raw = readLanguageJson(file, "every language folder needs a language.json with code, name, nativeName and scripts.");
    const parsed = languageInfoSchema.safeParse(raw);
    if (!parsed.success) throw new WarmlineError("config_invalid", `${file} is invalid:\n${z.prettifyError(parsed.error)}`);
    if (parsed.data.code !== code)
      throw new WarmlineError(
        "config_invalid",
        `${file} says code "${parsed.data.code}" but sits in folder "${code}": rename one to match the other.`,
      );
    for (const [index, variant] of (parsed.data.variants ?? []).entries())
      if (!parsed.data.scripts.includes(variant.script))
        throw new WarmlineError(
          "config_invalid",
          `${file}: variants[${index}] ("${variant.name}") is written in ${variant.script}, which is not among the language's scripts: add it to "scripts" or fix the variant's script.`,
        );
    return parsed.data;
  });
  const known = new Set(catalog.map((language) => language.code));
  for (const language of catalog) {
    const named = [
      ...(language.detectedAs === undefined ? [] : [["detectedAs", language.detectedAs]]),
      ...(language.variants ?? []).flatMap((variant, i) =>
        (variant.preferredOver ?? []).map((code) => [`variants[${i}].preferredOver`, code]),
      ),
    ];
    for (const [field, code] of named)
      if (!known.has(code!) || code === language.code)
        throw new WarmlineError(
          "config_invalid",
          `${join(dir, language.code, "language.json")}: ${field} "${code}" is not another catalog language: use one of ${[...known].filter((other) => other !== language.code).join(", ")}, or remove it.`,
        );
  }
  return catalog;
}
