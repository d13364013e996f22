import { describe, expect, it } from "vitest";
import { type CodeLine, codeLines, tsFiles } from "../helpers/source-scan.js";

/** The product's code: what ships and runs (tests and scripts choose their own servers and settings). */
const PRODUCT_FOLDERS = ["src", "channels", "routing", "bin"];
const productLines = () => codeLines(PRODUCT_FOLDERS.flatMap((folder) => tsFiles(folder)));
const inside = (file: string, places: string[]) => places.some((place) => file === place || file.startsWith(place));

/** Lines of `lines` outside `allowed` where `pattern` appears, as "file:line code" with the fix. */
function offences(lines: CodeLine[], pattern: RegExp, allowed: string[], fix: string): string[] {
  return lines
    .filter(({ file, code }) => pattern.test(code) && !inside(file, allowed))
    .map(({ file, line, code }) => `${file}:${line} ${code.trim()}: ${fix}`);
}

/** process.env, Node's .env loader, and `env` imported from node:process. */
const READS_ENVIRONMENT =
  /\bprocess\s*(?:\.\s*env\b|\[\s*["']env["']\s*\]|\.\s*loadEnvFile\b)|\bparseEnv\s*\(|import\s*\{[^}]*\benv\b[^}]*\}\s*from\s*["'](?:node:)?process["']/;

describe("src/config is the only reader of the environment", () => {
  it("finds no environment read anywhere else", () => {
    const found = offences(
      productLines(),
      READS_ENVIRONMENT,
      ["src/config/"],
      "take the settings as a parameter, read once by readEnvironment() (src/config/environment.ts)",
    );
    expect(found, found.join("\n")).toEqual([]);
  });

  it("recognises every way of reading it", () => {
    const reads = [
      "const url = process.env.REDIS_URL;",
      'const env = process["env"];',
      'process.loadEnvFile(".env");',
      "const parsed = util.parseEnv(text);",
      'import { env } from "node:process";',
    ];
    const lines = reads.map((code, index) => ({ file: "src/cli/example.ts", line: index + 1, code }));
    expect(offences(lines, READS_ENVIRONMENT, ["src/config/"], "fix")).toHaveLength(reads.length);
    expect(
      offences([{ file: "src/cli/example.ts", line: 1, code: "const env = readEnvironment();" }], READS_ENVIRONMENT, [], "fix"),
    ).toEqual([]);
  });
});

/**
 * Who constructs what. src/main.ts builds the service's SDK clients and, through the one store
 * factory, its store; the offline commands (src/cli) open the same store through that factory, and the
 * doctor's read-only Slack probe has its own WebClient. keyv and Redis clients exist only inside src/store.
 */
const CONSTRUCTIONS: { what: string; pattern: RegExp; allowed: string[] }[] = [
  { what: "Bolt's App", pattern: /\bnew\s+App\s*\(/, allowed: ["src/main.ts"] },
  { what: "whatsapp-web.js's Client", pattern: /\bnew\s+(?:\w+\.)?Client\s*\(/, allowed: ["src/main.ts"] },
  { what: "a Socket Mode client", pattern: /\bnew\s+SocketModeClient\s*\(/, allowed: [] },
  { what: "a Slack WebClient", pattern: /\bnew\s+WebClient\s*\(/, allowed: ["src/main.ts", "channels/slack/slack-doctor.ts"] },
  // The keep-alive connections the Slack transport sends over (closed when the service stops).
  { what: "an undici dispatcher", pattern: /\bnew\s+(?:undici\.)?(?:Agent|Pool|Client)\s*\(/, allowed: ["src/main.ts"] },
  { what: "keyv or a keyv adapter", pattern: /\bnew\s+Keyv\w*\s*\(/, allowed: ["src/store/"] },
  { what: "a Redis client", pattern: /\bcreateClient\s*\(/, allowed: ["src/store/redis-store.ts"] },
  { what: "a store backend", pattern: /\bcreate(?:Memory|Sqlite|Redis)Store\s*\(/, allowed: ["src/store/"] },
  {
    what: "the configured store",
    pattern: /\bopenConversationStore\s*\(/,
    allowed: ["src/main.ts", "src/cli/", "src/store/open-store.ts"],
  },
];

describe("src/main.ts constructs the SDK clients and the store", () => {
  for (const { what, pattern, allowed } of CONSTRUCTIONS) {
    it(`constructs ${what} only in ${allowed.length > 0 ? allowed.join(", ") : "no product file"}`, () => {
      const where = allowed.length > 0 ? allowed.join(" or ") : "src/main.ts";
      const found = offences(productLines(), pattern, allowed, `construct ${what} in ${where} and pass it in`);
      expect(found, found.join("\n")).toEqual([]);
    });
  }

  it("recognises a construction in code but not in a comment", () => {
    const lines = codeLines(tsFiles("channels/whatsapp")).filter(({ file }) => file === "channels/whatsapp/client-options.ts");
    expect(lines.length).toBeGreaterThan(0);
    // client-options.ts says "`new wweb.Client(options)`" only in its doc comment.
    const client = CONSTRUCTIONS.find(({ what }) => what === "whatsapp-web.js's Client")!;
    expect(offences(lines, client.pattern, [], "fix")).toEqual([]);
    const code = [{ file: "src/cli/doctor.ts", line: 3, code: "  const client = new wweb.Client(options);" }];
    expect(offences(code, client.pattern, client.allowed, "fix")).toEqual([
      "src/cli/doctor.ts:3 const client = new wweb.Client(options);: fix",
    ]);
  });
});
