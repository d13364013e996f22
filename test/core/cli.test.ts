import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PACKAGE_ROOT } from "../../src/paths.js";

const BIN = join(PACKAGE_ROOT, "bin", "warmline.js");
const tempDirs: string[] = [];
const tempDir = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});
const cli = (args: string[], input = "") => spawnSync(process.execPath, [BIN, ...args], { cwd: PACKAGE_ROOT, input, encoding: "utf8", timeout: 60_000 });
const lines = (stdout: string) => stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);

describe("warmline triage", () => {
  it("answers one JSON line per input line with the fixed fields, and exits 0", () => {
    const input = [
      { id: "a", text: "let me talk to an actual human" },
      { id: "b", text: "I'd like to cancel order 100311" },
      { id: "c", text: "which payment methods do you take?" },
      { id: "d", text: "" },
    ].map((l) => JSON.stringify(l)).join("\n");
    const result = cli(["triage"], input);
    expect(result.status).toBe(0);
    const out = lines(result.stdout);
    expect(out.map((o) => Object.keys(o).sort())).toEqual(Array(4).fill(["confidence", "escalate", "id", "intent", "reason", "team"]));
    expect(out[0]).toMatchObject({ id: "a", escalate: true, reason: "explicit_request", team: "support" });
    expect(out[1]).toMatchObject({ id: "b", intent: "cancel_order", escalate: true, reason: "priority_intent", team: "retention" });
    expect(out[2]).toMatchObject({ id: "c", intent: "check_payment_methods", escalate: false, reason: null, team: "billing" });
    expect(out[3]).toMatchObject({ id: "d", escalate: false, reason: null });
  });

  it("keeps going past malformed lines, answering each with an error that says how to fix it", () => {
    const result = cli(["triage"], 'not json\n{"id":"x"}\n{"id":"y","text":"hello"}\n');
    expect(result.status).toBe(0);
    const out = lines(result.stdout);
    expect(out).toHaveLength(3);
    expect(out[0]!.error).toMatch(/line 1 is not JSON/);
    expect(out[1]).toMatchObject({ id: "x", error: expect.stringMatching(/no "text"/) });
    expect(out[2]).toMatchObject({ id: "y", escalate: false });
  });

  it("trains on --corpus FILE.csv instead of the shipped corpus", () => {
    const dir = tempDir("warmline-corpus-");
    const corpus = join(dir, "mine.csv");
    const rows = ["text,intent"];
    for (const w of ["pizza", "pasta", "lasagne", "risotto", "gnocchi"]) rows.push(`I want a ${w},order_food`, `a ${w} for dinner please,order_food`);
    for (const w of ["taxi", "cab", "ride", "car", "lift"]) rows.push(`book me a ${w},book_ride`, `I need a ${w} to the airport,book_ride`);
    writeFileSync(corpus, rows.join("\n"));
    const result = cli(["triage", "--corpus", corpus], '{"id":"1","text":"can I get a pizza"}\n{"id":"2","text":"get me a taxi"}\n');
    expect(result.status).toBe(0);
    expect(lines(result.stdout).map((o) => o.intent)).toEqual(["order_food", "book_ride"]);
  });

  it("explains a broken corpus and exits non-zero", () => {
    const dir = tempDir("warmline-corpus-");
    const corpus = join(dir, "broken.csv");
    writeFileSync(corpus, "words,label\nhello,greeting\n");
    const result = cli(["triage", "--corpus", corpus], '{"id":"1","text":"hi"}\n');
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/broken\.csv/);
    expect(result.stderr).toMatch(/text.*intent/);
  });
});

describe("warmline simulate", () => {
  it("plays a scripted conversation through the engine, printing replies and decisions", () => {
    const result = cli(["simulate", "examples/refund-over-limit.json"]);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/decision +\| intent=get_refund .*escalate=true reason=money_threshold team=billing/);
    expect(result.stdout).toMatch(/\$250\.00 refund, above the assistant's \$100\.00 limit/);
  });

  it("prints each turn's effects before the next turn, on a fixed clock whatever the hour", () => {
    const result = cli(["simulate", "examples/cancellation.json"]);
    expect(result.status).toBe(0);
    const lines = result.stdout.split("\n");
    const at = (pattern: RegExp) => lines.findIndex((line) => pattern.test(line));
    expect(at(/customer sees +\| .*colleague from our Customer Care team/)).toBeGreaterThan(at(/^customer: I'd like to cancel/));
    expect(at(/customer sees +\| Sam from our Customer Care team has joined/)).toBeLessThan(at(/^agent Sam: reply "Hi Dana/));
    expect(at(/customer sees +\| Hi Dana, I can see order/)).toBeLessThan(at(/^customer: just cancel it please/));
    expect(at(/customer sees +\| How satisfied are you/)).toBeLessThan(at(/^customer: 5$/));
    expect(result.stdout).not.toMatch(/away right now/);
  });

  it("reports a malformed script with its path and fix", () => {
    const dir = tempDir("warmline-sim-");
    const file = join(dir, "bad.json");
    writeFileSync(file, JSON.stringify({ turns: [] }));
    const result = cli(["simulate", file]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/turns: add at least one turn/);
  });
});
