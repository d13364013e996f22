import { readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, tsFiles } from "../helpers/source-scan.js";

/**
 * routing/ and the domain are pure: no SDK, no library, no node: builtin. Every import must be
 * relative. The other core folders (engine, analytics, config) have their own, wider, rules below.
 * Reads the source so a violation fails here with its file and line.
 */
const PURE_FOLDERS = ["routing", "src/domain"];
/**
 * Pure libraries a pure folder may use: data and computation only, no I/O. The domain reads phone
 * numbers with libphonenumber-js (its metadata for every region) rather than hand-written patterns.
 */
const PURE_LIBRARIES: Record<string, RegExp> = { "src/domain": /^libphonenumber-js(?:\/|$)/ };

/** `import … from "x"`, `export … from "x"`, `import "x"`, `import("x")`, `require("x")`. */
const IMPORT_PATTERNS = [
  /^\s*(?:import|export)\s[^'"]*?\sfrom\s*['"]([^'"]+)['"]/,
  /^\s*import\s*['"]([^'"]+)['"]/,
  /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/,
  /\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/,
];

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

/** The file a relative import reaches, from the root: "src/ports/clock.ts". */
const targetOf = (file: string, found: FoundImport) => relative(ROOT, resolve(dirname(file), found.specifier)).replace(/\.js$/, ".ts");

function leavesPureCode(file: string, found: FoundImport): boolean {
  const target = targetOf(file, found);
  return !(found.typeOnly ? TYPES_ALLOWED : RUNTIME_ALLOWED).some((allowed) => target.startsWith(allowed));
}

/** The platform SDKs and the storage library: only adapters (channels/) and src/store may import them. */
const SDK_PACKAGES = /^(?:@slack\/|whatsapp-web\.js$|keyv$|@keyv\/)/;

interface CoreBoundary {
  folder: string;
  /** Packages it may import: exact names, or prefixes ending in ":" or "/". */
  packages: string[];
  /** Where its relative imports may lead (folders end in "/"). */
  reaches: string[];
  /** Further places it may import types from (import type). */
  typesFrom: string[];
  why: string;
}

const CORE_BOUNDARIES: CoreBoundary[] = [
  {
    folder: "src/engine",
    packages: ["node:"],
    // src/languages: the shipped language data (signals, replies) the engine reads once at construction.
    reaches: ["src/engine/", "src/ports/", "src/domain/", "routing/", "src/languages/"],
    typesFrom: ["src/config/schema.ts"],
    why: "the engine works through ports; SDKs belong in channels/, storage in src/store, and the config arrives built",
  },
  {
    folder: "src/analytics",
    // prom-client is the metrics exposition format, not a platform SDK.
    packages: ["node:", "prom-client"],
    reaches: ["src/analytics/", "src/ports/", "src/domain/", "routing/", "src/config/", "src/assistant/", "src/engine/context-package.ts"],
    typesFrom: [],
    why: "analytics reads conversations through the store port and answers Slack through channels/slack, never an SDK or a backend",
  },
  {
    folder: "src/ports",
    packages: [],
    reaches: ["src/ports/", "src/domain/"],
    typesFrom: ["src/config/schema.ts"],
    why: "ports are the core's interfaces: types of the domain, nothing an adapter would bring in",
  },
  {
    folder: "src/languages",
    // eld is the language identifier whose model ships inside its package (README: Language identification).
    packages: ["node:", "zod", "eld/"],
    reaches: ["src/languages/", "src/domain/", "src/ports/", "src/config/", "src/paths.ts", "routing/"],
    typesFrom: [],
    why: "the language data and its loaders feed routing and the engine; they know no platform",
  },
  {
    folder: "src/assistant",
    // ai and @ai-sdk/: the model's client, in src/assistant/model only (see AI_SDK below).
    packages: ["node:", "zod", "@nlpjs/", "ai", "@ai-sdk/"],
    reaches: ["src/assistant/", "src/domain/", "src/ports/", "src/config/", "src/languages/", "src/paths.ts", "routing/"],
    typesFrom: [],
    why: "the assistants implement the Assistant port with NLP.js and (optionally) a model; Slack and WhatsApp are not their business",
  },
  {
    folder: "src/store",
    // better-sqlite3: the SQLite driver where Node has no node:sqlite (src/store/sqlite-driver.ts).
    packages: ["node:", "keyv", "@keyv/", "better-sqlite3"],
    reaches: ["src/store/", "src/ports/", "src/domain/", "src/config/"],
    typesFrom: [],
    why: "storage backends implement the ConversationStore port; the engine and channels never reach them directly",
  },
  {
    folder: "src/config",
    packages: ["node:", "zod"],
    reaches: ["src/config/", "src/domain/"],
    typesFrom: [],
    why: "everything depends on the config, so it depends only on zod and the domain",
  },
];

const packageAllowed = (specifier: string, packages: string[]) =>
  packages.some((name) => (/[:/]$/.test(name) ? specifier.startsWith(name) : specifier === name || specifier.startsWith(`${name}/`)));

/** Every import in `source` (the text of `file`) that breaks the boundary's rule, as "file:line …" with what to do. */
function offencesIn(boundary: CoreBoundary, file: string, source: string): string[] {
  return findImports(source).flatMap((found) => {
    const at = `${relative(ROOT, file)}:${found.line} ${found.text}`;
    if (!isRelative(found.specifier)) {
      if (packageAllowed(found.specifier, boundary.packages)) return [];
      const kind = SDK_PACKAGES.test(found.specifier) ? "an SDK" : "a package";
      return [`${at}: ${kind} ${boundary.folder}/ may not import (it takes ${boundary.packages.join(", ")}): ${boundary.why}`];
    }
    const allowed = found.typeOnly ? [...boundary.reaches, ...boundary.typesFrom] : boundary.reaches;
    if (allowed.some((place) => targetOf(file, found).startsWith(place))) return [];
    const types = boundary.typesFrom.length > 0 ? ` (and types from ${boundary.typesFrom.join(", ")})` : "";
    return [`${at}: ${boundary.folder}/ reaches only ${boundary.reaches.join(", ")}${types}: ${boundary.why}`];
  });
}

/** The model's client (Vercel AI SDK): only src/assistant/model may import it, so nothing else knows a model is there. */
const AI_SDK = /^(?:ai(?:\/|$)|@ai-sdk\/)/;
const AI_SDK_HOME = "src/assistant/model/";

/** Imports of the AI SDK outside src/assistant/model, as "file:line …". */
function aiSdkOffences(file: string, source: string): string[] {
  if (relative(ROOT, file).startsWith(AI_SDK_HOME)) return [];
  return findPackageImports(source)
    .filter((found) => AI_SDK.test(found.specifier))
    .map(({ line, text }) => `${relative(ROOT, file)}:${line} ${text}: the AI SDK belongs in ${AI_SDK_HOME}, behind the Assistant port`);
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
      const files = tsFiles(folder);
      expect(files.length).toBeGreaterThan(0);
      const offences = files.flatMap((file) =>
        findPackageImports(readFileSync(file, "utf8"))
          .filter(({ specifier }) => !PURE_LIBRARIES[folder]?.test(specifier))
          .map(
            ({ line, specifier, text }) =>
              `${relative(ROOT, file)}:${line} imports "${specifier}" (${text}); ${folder}/ must stay pure, move this to an adapter`,
          ),
      );
      expect(offences, offences.join("\n")).toEqual([]);
    });

    it(`${folder}/ reaches only pure code through relative imports (config and ports as types only)`, () => {
      const offences = tsFiles(folder).flatMap((file) =>
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

  for (const boundary of CORE_BOUNDARIES) {
    it(`${boundary.folder}/ imports no SDK and reaches only ${boundary.reaches.join(", ")}`, () => {
      expect(tsFiles(boundary.folder).length).toBeGreaterThan(0);
      const offences = tsFiles(boundary.folder).flatMap((file) => offencesIn(boundary, file, readFileSync(file, "utf8")));
      expect(offences, offences.join("\n")).toEqual([]);
    });
  }

  it(`only ${AI_SDK_HOME} imports the AI SDK`, () => {
    const files = ["src", "channels", "routing", "scripts"].flatMap((folder) => tsFiles(folder));
    expect(files.some((file) => relative(ROOT, file).startsWith(AI_SDK_HOME))).toBe(true);
    const offences = files.flatMap((file) => aiSdkOffences(file, readFileSync(file, "utf8")));
    expect(offences, offences.join("\n")).toEqual([]);
  });

  it("flags the AI SDK imported outside its home, and not ai-like names", () => {
    const source = [
      'import { generateText } from "ai";',
      'import { createOpenAICompatible } from "@ai-sdk/openai-compatible";',
      'import { x } from "aio";',
      'import { y } from "ai/rsc";',
    ].join("\n");
    const found = aiSdkOffences(join(ROOT, "src", "engine", "example.ts"), source);
    expect(found.map((offence) => offence.split(" ")[0])).toEqual([
      "src/engine/example.ts:1",
      "src/engine/example.ts:2",
      "src/engine/example.ts:4",
    ]);
    expect(aiSdkOffences(join(ROOT, "src", "assistant", "model", "example.ts"), source)).toEqual([]);
  });

  it("names an SDK, a backend and a runtime config import in the engine with file and line", () => {
    const engine = CORE_BOUNDARIES.find(({ folder }) => folder === "src/engine")!;
    const source = [
      'import { randomUUID } from "node:crypto";',
      'import type { WebClient } from "@slack/web-api";',
      'import { createSqliteStore } from "../store/sqlite-store.js";',
      'import type { WarmlineConfig } from "../config/schema.js";',
      'import { configSchema } from "../config/schema.js";',
      'import { decideEscalation } from "../../routing/escalation-policy.js";',
    ].join("\n");
    const found = offencesIn(engine, join(ROOT, "src", "engine", "example.ts"), source);
    expect(found.map((offence) => offence.split(" ")[0])).toEqual([
      "src/engine/example.ts:2",
      "src/engine/example.ts:3",
      "src/engine/example.ts:5",
    ]);
    expect(found[0]).toMatch(/: an SDK src\/engine\/ may not import \(it takes node:\)/);
  });
});
