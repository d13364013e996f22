import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * routing/ and the domain are pure: no SDK, no library, no node: builtin. Every import must be
 * relative. Reads the source so a violation fails here with its file and line.
 */
const ROOT = new URL("../../", import.meta.url).pathname;
const PURE_FOLDERS = ["routing", "src/domain"];

/** `import … from "x"`, `export … from "x"`, `import "x"`, `import("x")`, `require("x")`. */
const IMPORT_PATTERNS = [
  /^\s*(?:import|export)\s[^'"]*?\sfrom\s*['"]([^'"]+)['"]/,
  /^\s*import\s*['"]([^'"]+)['"]/,
  /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/,
  /\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/,
];

function tsFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".ts"))
    .map((entry) => join(entry.parentPath, entry.name));
}

interface FoundImport {
  line: number;
  specifier: string;
  text: string;
  typeOnly: boolean;
}

function findImports(source: string): FoundImport[] {
  // Join multi-line import lists onto the line where the statement starts, keeping line numbers.
  const lines = source.split("\n");
  const found: FoundImport[] = [];
  for (let i = 0; i < lines.length; i++) {
    let statement = lines[i]!;
    if (/^\s*(import|export)\b/.test(statement) && !/['"]\s*\)?;?\s*$/.test(statement)) {
      for (let j = i + 1; j < lines.length && j < i + 50; j++) {
        statement += ` ${lines[j]!.trim()}`;
        if (/['"]\s*;?\s*$/.test(lines[j]!)) break;
      }
    }
    for (const pattern of IMPORT_PATTERNS) {
      const specifier = pattern.exec(statement)?.[1];
      if (specifier !== undefined)
        found.push({ line: i + 1, specifier, text: lines[i]!.trim(), typeOnly: /^\s*(import|export)\s+type\b/.test(statement) });
    }
  }
  return found;
}

const isRelative = (specifier: string) => specifier.startsWith("./") || specifier.startsWith("../");

function findPackageImports(source: string): FoundImport[] {
  return findImports(source).filter((found) => !isRelative(found.specifier));
}

/**
 * Relative imports may not reach into code that pulls in an SDK (channels/, src/store/, …).
 * Pure code may use the domain and routing at run time, and only the types of config and ports.
 */
const RUNTIME_ALLOWED = ["routing/", "src/domain/"];
const TYPES_ALLOWED = [...RUNTIME_ALLOWED, "src/config/schema.ts", "src/ports/"];

function leavesPureCode(file: string, found: FoundImport): boolean {
  const target = relative(ROOT, resolve(dirname(file), found.specifier)).replace(/\.js$/, ".ts");
  return !(found.typeOnly ? TYPES_ALLOWED : RUNTIME_ALLOWED).some((allowed) => target.startsWith(allowed));
}

describe("import boundary", () => {
  it("catches package, node: and multi-line imports", () => {
    const source = [
      'import { z } from "zod";',
      "import type {",
      "  Client,",
      '} from "whatsapp-web.js";',
      'import "./ok.js";',
      'const fs = await import("node:fs");',
    ].join("\n");
    expect(findPackageImports(source).map(({ line, specifier }) => `${line}:${specifier}`)).toEqual([
      "1:zod",
      "2:whatsapp-web.js",
      "6:node:fs",
    ]);
  });

  for (const folder of PURE_FOLDERS) {
    it(`${folder}/ imports only relative files`, () => {
      const files = tsFiles(join(ROOT, folder));
      expect(files.length).toBeGreaterThan(0);
      const offences = files.flatMap((file) =>
        findPackageImports(readFileSync(file, "utf8")).map(
          ({ line, specifier, text }) =>
            `${relative(ROOT, file)}:${line} imports "${specifier}" (${text}); ${folder}/ must stay pure, move this to an adapter`,
        ),
      );
      expect(offences, offences.join("\n")).toEqual([]);
    });

    it(`${folder}/ reaches only pure code through relative imports (config and ports as types only)`, () => {
      const offences = tsFiles(join(ROOT, folder)).flatMap((file) =>
        findImports(readFileSync(file, "utf8"))
          .filter((found) => isRelative(found.specifier) && leavesPureCode(file, found))
          .map(
            ({ line, text }) =>
              `${relative(ROOT, file)}:${line} ${text}: import only routing/ and src/domain/ (or config and port types with "import type")`,
          ),
      );
      expect(offences, offences.join("\n")).toEqual([]);
    });
  }

  it("flags a relative import that would pull an adapter into pure code", () => {
    const file = join(ROOT, "routing", "example.ts");
    const [adapter, types, value] = findImports(
      [
        'import { x } from "../channels/slack/escape.js";',
        'import type { PolicyConfig } from "../src/config/schema.js";',
        'import { parseConfig } from "../src/config/load-config.js";',
      ].join("\n"),
    );
    expect(leavesPureCode(file, adapter!)).toBe(true);
    expect(leavesPureCode(file, types!)).toBe(false);
    expect(leavesPureCode(file, value!)).toBe(true);
  });
});
