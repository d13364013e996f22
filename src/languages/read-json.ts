import { readFileSync } from "node:fs";
import { WarmlineError } from "../domain/errors.js";

/** Parses a language data file; unreadable or broken JSON is a config_invalid error naming the file and `fix`. */
export function readLanguageJson(file: string, fix: string): unknown {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch (cause) {
    throw new WarmlineError("config_invalid", `Cannot read ${file} (${(cause as Error).message}): ${fix}`, cause);
  }
}
