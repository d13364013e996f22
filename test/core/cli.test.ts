import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DEFAULT_CORPUS_FILE } from "../../src/assistant/paths.js";
import { PACKAGE_ROOT, SHIPPED_CONFIG_FILE } from "../../src/paths.js";

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
const cli = (args: string[], input = "") =>
  spawnSync(process.execPath, [BIN, ...args], { cwd: PACKAGE_ROOT, input, encoding: "utf8", timeout: 60_000 });
/** A stack trace in stderr means a bad input crashed the command instead of being explained. */
const STACK_FRAME = /^\s+at .+\(.*:\d+:\d+\)$/m;
const lines = (stdout: string) =>
  stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe("warmline triage", () => {
  it("answers one JSON line per input line with the fixed fields, and exits 0", () => {
    const input = [
      { id: "a", text: "let me talk to an actual human" },
      { id: "b", text: "I'd like to cancel order 100311" },
      { id: "c", text: "which payment methods do you take?" },
      { id: "d", text: "" },
    ]
      .map((l) => JSON.stringify(l))
      .join("\n");
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

  it("refuses lines whose shape would make the answer wrong or unmatchable: arrays, and ids that can't be echoed", () => {
    const result = cli(["triage"], '[{"id":"1","text":"hi"}]\n{"id":{"n":2},"text":"refund please"}\n{"id":7,"text":"hello"}\n');
    expect(result.status).toBe(0);
    const out = lines(result.stdout);
    expect(out).toHaveLength(3);
    expect(out[0]!.error).toMatch(/line 1 is not a JSON object/);
    expect(out[1]).toMatchObject({
      id: null,
      intent: "none",
      error: expect.stringMatching(/line 2 has an "id" that is neither a string nor a number/),
    });
    expect(out[2]).toMatchObject({ id: "7", intent: "greeting" });
  });

  // util-linux `script` runs the command on a pseudo-terminal, as when a user types `warmline triage`.
  it.skipIf(!existsSync("/usr/bin/script"))("says what it is waiting for when stdin is a terminal, and stays quiet when piped", () => {
    const tty = spawnSync("script", ["-qec", `"${process.execPath}" "${BIN}" triage`, "/dev/null"], {
      cwd: PACKAGE_ROOT,
      input: "",
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(tty.stdout).toMatch(/Reading JSON Lines from the terminal: .*Ctrl-D to finish/);
    expect(cli(["triage"], "").stderr).toBe("");
  });

  /** A user's own corpus, of food orders and taxi rides (and `extraRows`), none of the shipped intents. */
  const foodAndRideCorpus = (extraRows: string[] = []) => {
    const corpus = join(tempDir("warmline-corpus-"), "mine.csv");
    const rows = ["text,intent"];
    for (const w of ["pizza", "pasta", "lasagne", "risotto", "gnocchi"])
      rows.push(`I want a ${w},order_food`, `a ${w} for dinner please,order_food`);
    for (const w of ["taxi", "cab", "ride", "car", "lift"]) rows.push(`book me a ${w},book_ride`, `I need a ${w} to the airport,book_ride`);
    writeFileSync(corpus, [...rows, ...extraRows].join("\n"));
    return corpus;
  };

  it("trains on --corpus FILE.csv instead of the shipped corpus", () => {
    const corpus = foodAndRideCorpus();
    const result = cli(["triage", "--corpus", corpus], '{"id":"1","text":"can I get a pizza"}\n{"id":"2","text":"get me a taxi"}\n');
    expect(result.status).toBe(0);
    expect(lines(result.stdout).map((o) => o.intent)).toEqual(["order_food", "book_ride"]);
  });

  it("still answers every line with exit 0 when --corpus lacks the config's intents, warning about them on stderr", () => {
    const corpus = foodAndRideCorpus(["I want to cancel my order,cancel_ordr", "please cancel the order,cancel_ordr"]);
    const result = cli(
      ["triage", "--corpus", corpus],
      '{"id":"1","text":"can I get a pizza"}\nnot json\n{"id":"3","text":"get me a taxi"}\n',
    );
    expect(result.status).toBe(0);
    expect(lines(result.stdout).map((o) => o.id)).toEqual(["1", null, "3"]);
    const stderr = result.stderr.trim().split("\n");
    expect(stderr.every((line) => line.startsWith("warning: "))).toBe(true);
    expect(stderr).toContain(
      `warning: policy.priorityIntents[0]: "cancel_order" is not an intent of the corpus ${corpus}; did you mean "cancel_ordr"? (policy.priorityIntents is the default "cancel_order", "delete_account", "payment_issue": set it to intents of this corpus, or to [] for none)`,
    );
    expect(stderr).toContain(
      `warning: routing.intentTeams: the key "payment_issue" is not an intent of the corpus ${corpus}; fix the spelling, remove it, or add examples of it to the corpus`,
    );
    expect(result.stderr).toMatch(
      /warning: the corpus .*mine\.csv has 3 intents with no answer \("book_ride", "cancel_ordr", "order_food"\)/,
    );
    expect(result.stderr).not.toMatch(STACK_FRAME);
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

  it("names each wrong turn and what it should be, refusing typos and half-written turns before anything plays", () => {
    const dir = tempDir("warmline-sim-");
    const file = join(dir, "typos.json");
    writeFileSync(
      file,
      JSON.stringify({
        turns: [{ cusomer: "hi" }, { customer: "hi", agent: "claim" }, { agent: "reply", name: "Sam" }, { agent: "claim", name: 5 }],
      }),
    );
    const result = cli(["simulate", file]);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(/turns\.0: unknown key "cusomer"/);
    expect(result.stderr).toMatch(/turns\.1: a turn has either "customer" or "agent" \(it has both\)/);
    expect(result.stderr).toMatch(/turns\.2\.text: an agent reply needs "text"/);
    expect(result.stderr).toMatch(/turns\.3\.name: .*expected string/);
    expect(result.stderr).not.toMatch(/Invalid input$|config\.schema/m);
    expect(result.stderr).toMatch(/examples\/cancellation\.json/);
  });

  it("refuses a transfer to a team the config lacks before playing, instead of stopping halfway", () => {
    const dir = tempDir("warmline-sim-");
    const file = join(dir, "transfer.json");
    writeFileSync(
      file,
      JSON.stringify({ turns: [{ customer: "cancel order 100311" }, { agent: "claim" }, { agent: "transfer", team: "nobody" }] }),
    );
    const result = cli(["simulate", file]);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(/turns\.2\.team: team "nobody" is not in the config: use one of support, /);
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

describe("warmline start", () => {
  it("exits 1 before anything starts when the config names intents the corpus lacks, listing each with the intent meant", () => {
    const dir = tempDir("warmline-start-");
    const config = JSON.parse(readFileSync(SHIPPED_CONFIG_FILE, "utf8")) as {
      policy: { priorityIntents: string[]; alwaysHumanIntents: string[] };
    };
    config.policy.priorityIntents = ["cancel_ordr", "delete_account", "payment_issue"];
    config.policy.alwaysHumanIntents = ["complaints"];
    const configFile = join(dir, "warmline.config.json");
    writeFileSync(configFile, JSON.stringify(config));
    // No .env and no secrets: the intents are reported first, as config problems.
    const result = spawnSync(process.execPath, [BIN, "start", "--config", configFile], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? "" },
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(
      `${configFile} has 2 problems: intents the assistant is not trained on, so routing never matches them:`,
    );
    expect(result.stderr).toContain(
      '  - policy.priorityIntents[0]: "cancel_ordr" is not an intent of the corpus data/corpus.csv; did you mean "cancel_order"?',
    );
    expect(result.stderr).toContain(
      '  - policy.alwaysHumanIntents[0]: "complaints" is not an intent of the corpus data/corpus.csv; did you mean "complaint"?',
    );
    expect(result.stderr).not.toMatch(STACK_FRAME);
  });
});

describe("warmline arguments", () => {
  it("takes -h, and options before the command", () => {
    const help = cli(["-h"]);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^Usage: warmline/);
    const triage = cli(["--config", SHIPPED_CONFIG_FILE, "triage"], '{"id":"1","text":"hello"}\n');
    expect(triage.status).toBe(0);
    expect(lines(triage.stdout)[0]).toMatchObject({ id: "1", intent: "greeting" });
  });

  it("refuses an option the command would ignore, a stray argument and an unknown option, saying what it takes", () => {
    const ignored = cli(["triage", "--out", "decisions.jsonl"], '{"id":"1","text":"hello"}\n');
    expect(ignored.status).toBe(2);
    expect(ignored.stdout).toBe("");
    expect(ignored.stderr).toMatch(/warmline triage does not use --out: it takes --config, --corpus\./);
    const stray = cli(["report", "since", "7d"]);
    expect(stray.status).toBe(2);
    expect(stray.stderr).toMatch(/warmline report takes no arguments, but was given "since", "7d".*--format, not format/);
    const twoScripts = cli(["simulate", "examples/cancellation.json", "examples/refund-over-limit.json"]);
    expect(twoScripts.status).toBe(2);
    expect(twoScripts.stdout).toBe("");
    expect(twoScripts.stderr).toMatch(/takes one FILE\.json, but was also given "examples\/refund-over-limit\.json": run it once per file/);
    const unknown = cli(["triage", "--bogus"]);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/^Unknown option "--bogus": see the options below\./);
  });
});

describe("warmline report and export-feedback", () => {
  it("checks --since and --format before looking for the store, and never crashes on a huge window", () => {
    const empty = tempDir("warmline-nostore-");
    const format = cli(["report", "--format", "xml", "--data-dir", empty]);
    expect(format.status).toBe(1);
    expect(format.stderr).toMatch(/Unknown report format "xml": use --format table/);
    const since = cli(["report", "--since", "7x", "--data-dir", empty]);
    expect(since.stderr).toMatch(/"7x" is not a time window/);
    const huge = cli(["report", "--since", "99999999999d", "--data-dir", empty]);
    expect(huge.status).toBe(1);
    expect(huge.stderr).toMatch(/--since 99999999999d reaches back before 1970: use a shorter window/);
    expect(huge.stderr).not.toMatch(STACK_FRAME);
  });

  it("explains an --out it can't write, and refuses to overwrite the corpus the assistant trains on", () => {
    const empty = tempDir("warmline-nostore-");
    const missingDir = cli(["export-feedback", "--out", join(empty, "no", "such", "dir", "f.csv"), "--data-dir", empty]);
    expect(missingDir.status).toBe(1);
    expect(missingDir.stderr).toMatch(/the directory .*dir does not exist; create it or choose another --out/);
    expect(missingDir.stderr).not.toMatch(STACK_FRAME);
    const directory = cli(["export-feedback", "--out", empty, "--data-dir", empty]);
    expect(directory.stderr).toMatch(/is a directory: give a file name/);
    const before = readFileSync(DEFAULT_CORPUS_FILE, "utf8");
    const corpus = cli(["export-feedback", "--out", DEFAULT_CORPUS_FILE, "--data-dir", empty]);
    expect(corpus.status).toBe(1);
    expect(corpus.stderr).toMatch(/is the corpus the assistant trains on, and the export would replace it/);
    expect(readFileSync(DEFAULT_CORPUS_FILE, "utf8")).toBe(before);
  });

  it("--sandbox: report shows the demo story's figures, --since 7d counted back from the story's own clock", () => {
    const result = cli(["report", "--sandbox", "--since", "7d", "--format", "json"]);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/^Sandbox: the demo story \(npm run demo\) played in a throwaway store/);
    const figures = JSON.parse(result.stdout) as {
      until: number;
      conversations: number;
      teams: Record<string, { escalations: number; outcomes: { resolved: number }; survey: { responses: number } }>;
    };
    expect(new Date(figures.until).toISOString()).toMatch(/^2026-11-17T09:/);
    expect(figures.conversations).toBe(1);
    expect(figures.teams.retention).toMatchObject({ escalations: 1, outcomes: { resolved: 1 }, survey: { responses: 1 } });
  });

  it('--sandbox: export-feedback writes the story\'s "bot should have handled this" as a corpus row; it refuses --data-dir', () => {
    const out = join(tempDir("warmline-sandbox-export-"), "feedback.csv");
    const result = cli(["export-feedback", "--sandbox", "--out", out]);
    expect(result.status, result.stderr).toBe(0);
    // One row: the conversation's first customer message (export-feedback's rule), labelled with Sam's pick.
    expect(readFileSync(out, "utf8")).toMatch(/^text,intent\n[^\n]+,cancel_order\n$/);
    const mixed = cli(["report", "--sandbox", "--data-dir", tempDir("warmline-nostore-")]);
    expect(mixed.status).toBe(2);
    expect(mixed.stderr).toMatch(
      /^warmline report --sandbox reads the demo's throwaway store with the shipped config: drop --config and --data-dir/,
    );
  });
});

describe("npm run eval", () => {
  const evalScript = (args: string[]) =>
    spawnSync(process.execPath, ["--import", "tsx", join(PACKAGE_ROOT, "scripts", "eval.ts"), ...args], {
      cwd: PACKAGE_ROOT,
      encoding: "utf8",
      timeout: 60_000,
    });

  it("explains a bad option, a missing corpus and broken expectations without a stack trace", () => {
    const bogus = evalScript(["--bogus"]);
    expect(bogus.status).toBe(2);
    expect(bogus.stderr).toMatch(/Unknown option '--bogus'[\s\S]*Usage: npm run eval/);
    expect(bogus.stderr).not.toMatch(STACK_FRAME);

    const dir = tempDir("warmline-eval-");
    const data = join(dir, "dev.csv");
    const expectations = join(dir, "expectations.json");
    writeFileSync(data, "text,intent\nhello,greeting\nthanks,thanks\n");
    writeFileSync(expectations, JSON.stringify({ escalate_on_first_message: {}, team_by_intent: {}, default_team: "support" }));
    const corpus = evalScript(["--data", data, "--expectations", expectations, "--corpus", "/nonexistent.csv"]);
    expect(corpus.status).toBe(1);
    expect(corpus.stderr).toMatch(/^\/nonexistent\.csv: cannot read the file/);
    expect(corpus.stderr).not.toMatch(STACK_FRAME);

    writeFileSync(expectations, "{ broken");
    const broken = evalScript(["--data", data, "--expectations", expectations]);
    expect(broken.status).toBe(1);
    expect(broken.stderr).toMatch(/Cannot read expectations .*expectations\.json .*pass --expectations/);
    expect(broken.stderr).not.toMatch(STACK_FRAME);

    const unknownSet = evalScript(["--set", "bitxet"]);
    expect(unknownSet.status).toBe(2);
    expect(unknownSet.stderr).toMatch(/--set must be one of bitext, hint3, wild, holdout \(got "bitxet"\)/);

    const both = evalScript(["--holdout", "--corpus", data]);
    expect(both.status).toBe(2);
    expect(both.stderr).toMatch(/can't be combined with --corpus/);
  });
});
