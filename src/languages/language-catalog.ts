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

const languageInfoSchema = z.strictObject({
  /** ISO 639-1 code, also the folder's name. */
  code: z.string().regex(/^[a-z]{2,3}$/, "use the ISO 639-1 code, e.g. pt"),
  /** English name, for the card: "writes in Portuguese". */
  name: z.string().min(1),
  nativeName: z.string().min(1),
  /** ISO 15924 scripts customers write it in; Latn for a romanized form (Hinglish, Arabizi). */
  scripts: z.array(z.string().regex(/^[A-Z][a-z]{3}$/)).min(1),
  note: z.string().optional(),
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
  return codes.map((code) => {
    const file = join(dir, code, "language.json");
    const raw = readLanguageJson(file, "every language folder needs a language.json with code, name, nativeName and scripts.");
    const parsed = languageInfoSchema.safeParse(raw);
    if (!parsed.success) throw new WarmlineError("config_invalid", `${file} is invalid:\n${z.prettifyError(parsed.error)}`);
    if (parsed.data.code !== code)
      throw new WarmlineError(
        "config_invalid",
        `${file} says code "${parsed.data.code}" but sits in folder "${code}": rename one to match the other.`,
      );
    return parsed.data;
  });
}
