import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";

/** Reads the product's sources so a house rule can fail with the file and line that breaks it. */
export const ROOT = new URL("../../", import.meta.url).pathname;

/** Every .ts file under `folder` (relative to the root), recursively. */
export function tsFiles(folder: string): string[] {
  return readdirSync(join(ROOT, folder), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.[cm]?[jt]s$/.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name));
}

export interface CodeLine {
  /** The file relative to the root, e.g. "src/cli/main.ts". */
  file: string;
  line: number;
  /** The line without its comment, so a comment that mentions a rule doesn't break it. */
  code: string;
}

/** The code lines of `files`: comment lines and trailing `//` comments left out. */
export function codeLines(files: string[]): CodeLine[] {
  return files.flatMap((path) => {
    const file = relative(ROOT, path);
    let inBlock = false;
    return readFileSync(path, "utf8")
      .split("\n")
      .flatMap((text, index): CodeLine[] => {
        const trimmed = text.trim();
        if (inBlock) {
          inBlock = !trimmed.includes("*/");
          return [];
        }
        if (trimmed.startsWith("/*")) {
          inBlock = !trimmed.includes("*/");
          return [];
        }
        if (trimmed.startsWith("//") || trimmed.startsWith("*")) return [];
        return [{ file, line: index + 1, code: text.replace(/(^|\s)\/\/.*$/, "") }];
      });
  });
}
