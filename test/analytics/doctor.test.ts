import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { findBrowser } from "../../channels/whatsapp/browser-path.js";
import { WHATSAPP_SESSION_DIR } from "../../channels/whatsapp/whatsapp-session.js";
import { manifestBotScopes, runDoctor } from "../../src/cli/doctor.js";
import { createSqliteStore } from "../../src/store/sqlite-store.js";
import { type FakeSlackApi, type FakeSlackApiOptions, startFakeSlackApi } from "../../src/sandbox/fake-slack-api.js";
import { HARNESS_CHANNELS } from "../helpers/slack-harness.js";
import { startLocalSmtpServer } from "../helpers/fallback-receivers.js";

const GOOD_TOKEN = "xoxb-doctor-good-token";
const root = new URL("../../", import.meta.url).pathname;
let dir: string;
let api: FakeSlackApi | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "warmline-doctor-"));
});
afterEach(async () => {
  await api?.close();
  api = undefined;
  rmSync(dir, { recursive: true, force: true });
});

/** A healthy install: valid config, a paired WhatsApp session, a store, a Slack app with every scope in every channel. */
async function healthy(
  slack: Partial<FakeSlackApiOptions> = {},
): Promise<{ configFile: string; dataDir: string; env: Record<string, string> }> {
  api = await startFakeSlackApi({
    channels: structuredClone(HARNESS_CHANNELS),
    grantedScopes: manifestBotScopes(),
    validTokens: [GOOD_TOKEN],
    ...slack,
  });
  const configFile = join(dir, "warmline.config.json");
  writeFileSync(configFile, readFileSync(join(root, "warmline.config.json"), "utf8"));
  const dataDir = join(dir, "data");
  mkdirSync(join(dataDir, WHATSAPP_SESSION_DIR, "session"), { recursive: true });
  const store = await createSqliteStore({ file: join(dataDir, "warmline.sqlite") });
  await store.close();
  // A stand-in browser executable: the check is about finding one, not running it.
  const browser = join(dir, "chromium");
  writeFileSync(browser, "");
  const env = {
    CHROME_PATH: browser,
    SLACK_BOT_TOKEN: GOOD_TOKEN,
    SLACK_SIGNING_SECRET: "doctor-secret",
    SLACK_APP_TOKEN: "xapp-doctor",
    SLACK_API_URL: api.url,
  };
  return { configFile, dataDir, env };
}

async function doctor(
  setup: {
    configFile: string;
    dataDir: string;
    env: Record<string, string>;
  },
  overrides?: Parameters<typeof runDoctor>[0]["overrides"],
): Promise<{ code: number; text: string }> {
  let text = "";
  const output = new Writable({ write: (chunk, _enc, done) => void ((text += String(chunk)), done()) });
  const code = await runDoctor({ ...setup, output, overrides });
  return { code, text };
}

describe("warmline doctor", () => {
  it("passes a healthy install and exits 0", async () => {
    const { code, text } = await doctor(await healthy());
    expect(text).toContain("All checks passed.");
    expect(text).not.toContain("FAIL");
    for (const check of [
      "config",
      "assistant intents",
      "environment",
      "slack token",
      "slack scopes",
      "slack channels",
      "whatsapp session",
      "whatsapp browser",
      "store",
    ])
      expect(text).toContain(`ok   ${check}:`);
    expect(code).toBe(0);
  });

  it("finds a bad token (invalid_auth) and says where to get the right one", async () => {
    const setup = await healthy();
    const { code, text } = await doctor({ ...setup, env: { ...setup.env, SLACK_BOT_TOKEN: "xoxb-revoked-or-mistyped" } });
    expect(code).toBe(1);
    expect(text).toContain("FAIL slack token: auth.test failed with invalid_auth");
    expect(text).toMatch(/fix: SLACK_BOT_TOKEN is wrong: copy the Bot User OAuth Token/);
  });

  it("finds a scope the token lacks, compared with manifest.json", async () => {
    const setup = await healthy({ grantedScopes: manifestBotScopes().filter((s) => s !== "reactions:write") });
    const { code, text } = await doctor(setup);
    expect(code).toBe(1);
    expect(text).toContain("FAIL slack scopes: the token lacks reactions:write");
    expect(text).toMatch(/fix: Add the bot scope reactions:write under OAuth & Permissions.*reinstall the app/);
  });

  it("lists every missing scope in one fix (one reinstall grants them all)", async () => {
    const lacking = ["reactions:write", "files:read", "chat:write"];
    const setup = await healthy({ grantedScopes: manifestBotScopes().filter((s) => !lacking.includes(s)) });
    const { code, text } = await doctor(setup);
    expect(code).toBe(1);
    const missing = manifestBotScopes().filter((s) => lacking.includes(s));
    expect(missing).toHaveLength(3);
    expect(text).toContain(`FAIL slack scopes: the token lacks ${missing.join(", ")}`);
    const fixes = text.split("\n").filter((line) => /fix: Add the bot scope/.test(line));
    expect(fixes).toEqual([expect.stringContaining(`Add the bot scopes ${missing.join(", ")} under OAuth & Permissions`)]);
  });

  it("finds a team channel the bot is not in", async () => {
    const channels = structuredClone(HARNESS_CHANNELS).map((c) => (c.id === "C0RETENT1" ? { ...c, is_member: false } : c));
    const { code, text } = await doctor(await healthy({ channels }));
    expect(code).toBe(1);
    expect(text).toContain("FAIL slack channels: 1 channel problem");
    expect(text).toContain('fix: the app is not in #retention (team "retention"): invite the app with /invite @Warmline in #retention.');
  });

  it("finds a broken config and lists every problem with its path", async () => {
    const setup = await healthy();
    const config = JSON.parse(readFileSync(setup.configFile, "utf8")) as {
      routing: { defaultTeam: string };
      teams: { support: { claimWithinMinutes: number } };
    };
    config.routing.defaultTeam = "nobody";
    config.teams.support.claimWithinMinutes = -3;
    writeFileSync(setup.configFile, JSON.stringify(config));
    const { code, text } = await doctor(setup);
    expect(code).toBe(1);
    expect(text).toContain(`FAIL config: ${setup.configFile} is not usable`);
    expect(text).toMatch(/fix: routing\.defaultTeam: team "nobody" is not defined/);
    expect(text).toMatch(/fix: teams\.support\.claimWithinMinutes: /);
    expect(text).toContain("skip slack token: not checked");
    // A check skipped because of an earlier failure is counted apart, not as a failure.
    const failed = text.split("\n").filter((line) => line.startsWith("FAIL ")).length;
    const skipped = text.split("\n").filter((line) => line.startsWith("skip ")).length;
    expect(skipped).toBeGreaterThan(0);
    expect(text).toContain(`${failed} check${failed === 1 ? "" : "s"} failed, ${skipped} not checked until`);
  });

  it("still checks the environment when the config is broken, for the slack.mode it names", async () => {
    const setup = await healthy();
    const config = JSON.parse(readFileSync(setup.configFile, "utf8")) as { routing: { defaultTeam: string }; slack: { mode: string } };
    config.routing.defaultTeam = "nobody";
    config.slack.mode = "http";
    writeFileSync(setup.configFile, JSON.stringify(config));
    const { code, text } = await doctor({ ...setup, env: { ...setup.env, SLACK_SIGNING_SECRET: "" } });
    expect(code).toBe(1);
    expect(text).toContain("FAIL config: ");
    expect(text).toContain(
      'FAIL environment: settings are missing from .env or the environment (for slack.mode "http" and store.kind "sqlite", as far as the broken config shows)',
    );
    expect(text).toMatch(/fix: SLACK_SIGNING_SECRET is missing: set it to the Signing Secret/);
    expect(text).toMatch(/fix: PORT is missing: /);
    // The broken config's intents are still checked, as far as it shows them.
    expect(text).toContain("ok   assistant intents: every intent");
    expect(text).toContain("(as far as the broken config shows)");
  });

  it("checks the environment for the default slack.mode when the config can't be read at all", async () => {
    const setup = await healthy();
    writeFileSync(setup.configFile, "{ not json");
    const { SLACK_APP_TOKEN: _, ...env } = setup.env;
    const { code, text } = await doctor({ ...setup, env });
    expect(code).toBe(1);
    expect(text).toMatch(/FAIL config: .* is not usable\n\s+fix: .* is not valid JSON/);
    expect(text).toContain(
      'FAIL environment: settings are missing from .env or the environment (for slack.mode "socket" and store.kind "sqlite", as far as the broken config shows)',
    );
    expect(text).toMatch(/fix: SLACK_APP_TOKEN is missing: /);
  });

  it("finds intents the config names that the corpus lacks, with the intent meant", async () => {
    const setup = await healthy();
    const config = JSON.parse(readFileSync(setup.configFile, "utf8")) as {
      policy: { priorityIntents: string[] };
      routing: { intentTeams: Record<string, string> };
    };
    config.policy.priorityIntents = ["cancel_ordr", "delete_account"];
    config.routing.intentTeams = { paymnt_issue: "billing", refund_stuff: "billing" };
    writeFileSync(setup.configFile, JSON.stringify(config));
    const { code, text } = await doctor(setup);
    expect(code).toBe(1);
    expect(text).toContain(`ok   config: ${setup.configFile} is valid`);
    expect(text).toContain(
      `FAIL assistant intents: 3 intents in ${setup.configFile} are not in the corpus data/corpus.csv, so routing never matches them`,
    );
    expect(text).toContain(
      'fix: policy.priorityIntents[0]: "cancel_ordr" is not an intent of the corpus data/corpus.csv; did you mean "cancel_order"?',
    );
    expect(text).toContain(
      'fix: routing.intentTeams: the key "paymnt_issue" is not an intent of the corpus data/corpus.csv; did you mean "payment_issue"?',
    );
    expect(text).toContain(
      'fix: routing.intentTeams: the key "refund_stuff" is not an intent of the corpus data/corpus.csv; fix the spelling, remove it, or add examples of it to the corpus',
    );
    // The other checks still run.
    expect(text).toContain("ok   slack token: ");
  });

  it("checks a broken config's intents too, so a misspelt key and a misspelt intent show in one run", async () => {
    const setup = await healthy();
    const config = JSON.parse(readFileSync(setup.configFile, "utf8"));
    config.polcy = {};
    config.policy.priorityIntents = ["cancel_ordr"];
    writeFileSync(setup.configFile, JSON.stringify(config));
    const { code, text } = await doctor(setup);
    expect(code).toBe(1);
    expect(text).toContain('fix: (top level): unknown key "polcy": did you mean "policy"?');
    expect(text).toContain(
      `FAIL assistant intents: 1 intent in ${setup.configFile} is not in the corpus data/corpus.csv, so routing never matches it (as far as the broken config shows)`,
    );
    expect(text).toContain(
      'fix: policy.priorityIntents[0]: "cancel_ordr" is not an intent of the corpus data/corpus.csv; did you mean "cancel_order"?',
    );
  });

  it("warns about a corpus intent with no answer, and still passes", async () => {
    const setup = await healthy();
    const corpus = join(dir, "corpus.csv");
    writeFileSync(
      corpus,
      `${readFileSync(join(root, "data/corpus.csv"), "utf8").trimEnd()}\nwrap it as a gift please,gift_wrap\ncan you gift wrap it,gift_wrap\n`,
    );
    const config = JSON.parse(readFileSync(setup.configFile, "utf8")) as { assistant: { corpus?: string } };
    config.assistant.corpus = corpus;
    writeFileSync(setup.configFile, JSON.stringify(config));
    const { code, text } = await doctor(setup);
    expect(code).toBe(0);
    expect(text).toContain(`warn assistant intents: every intent ${setup.configFile} names is in the corpus ${corpus}`);
    expect(text).toContain(
      `warning: the corpus ${corpus} has 1 intent with no answer ("gift_wrap"): customers asking it get the clarifying reply`,
    );
    expect(text).toContain("All checks passed, 1 with warnings above.");
  });

  it("finds a missing WhatsApp session and an unreadable store", async () => {
    const setup = await healthy();
    rmSync(join(setup.dataDir, WHATSAPP_SESSION_DIR), { recursive: true });
    rmSync(join(setup.dataDir, "warmline.sqlite"));
    const { code, text } = await doctor(setup);
    expect(code).toBe(1);
    expect(text).toMatch(/FAIL whatsapp session: no WhatsApp session in .*\n\s+fix: Run `npm start` and scan the QR code/);
    expect(text).toMatch(/FAIL store: the sqlite store did not answer\n\s+fix: No Warmline store at .*: pass --data-dir/);
  });

  it("`warmline doctor` exits non-zero with the fixes printed", async () => {
    const setup = await healthy();
    const run = promisify(execFile)(
      process.execPath,
      [join(root, "bin/warmline.js"), "doctor", "--config", setup.configFile, "--data-dir", setup.dataDir],
      {
        cwd: dir,
        env: { PATH: process.env.PATH ?? "", ...setup.env, SLACK_BOT_TOKEN: "xoxb-wrong" },
      },
    );
    const failure = await run.then(
      () => undefined,
      (error: { code: number; stdout: string }) => error,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stdout).toContain("FAIL slack token: auth.test failed with invalid_auth");
    expect(failure?.stdout).toContain("fix: SLACK_BOT_TOKEN is wrong");
  });

  it("finds no Chrome/Chromium, says where it looked and how to install one, and still exits after every check", async () => {
    const base = await healthy();
    const { CHROME_PATH: _, ...env } = base.env;
    const setup = { ...base, env };
    // A machine with no browser anywhere: the real resolution, over an empty file system.
    const { code, text } = await doctor(setup, {
      findBrowser: (configured) => findBrowser({ configured, env: {}, exists: () => false, platform: "linux" }),
    });
    expect(code).toBe(1);
    expect(text).toContain("FAIL whatsapp browser: no Chrome or Chromium for WhatsApp Web");
    expect(text).toMatch(/fix: No Chrome or Chromium found for WhatsApp Web \(looked in \/usr\/bin\/chromium, .*\/snap\/bin\/chromium\)/);
    expect(text).toContain("sudo apt-get install chromium");
    expect(text).toMatch(/set whatsapp\.browserPath in warmline\.config\.json or CHROME_PATH/);
    expect(text).toContain("ok   store: ");
    expect(text).toContain("1 check failed: apply the fixes above");
  });

  it("reports a whatsapp.browserPath that points nowhere", async () => {
    const setup = await healthy();
    const config = JSON.parse(readFileSync(setup.configFile, "utf8")) as { whatsapp?: { browserPath?: string } };
    config.whatsapp = { ...config.whatsapp, browserPath: join(dir, "no-such-chrome") };
    writeFileSync(setup.configFile, JSON.stringify(config));
    const { code, text } = await doctor(setup);
    expect(code).toBe(1);
    expect(text).toContain(`fix: whatsapp.browserPath is "${join(dir, "no-such-chrome")}", but no file exists there`);
  });
  it("reports a broken fallback route: a webhook without its secret, an SMTP server that does not answer", async () => {
    const setup = await healthy();
    const smtp = await startLocalSmtpServer();
    const withFallback = (fallback: unknown) => {
      const config = JSON.parse(readFileSync(setup.configFile, "utf8")) as Record<string, unknown>;
      writeFileSync(setup.configFile, JSON.stringify({ ...config, fallback }));
    };
    try {
      expect((await doctor(setup)).text).toMatch(/ok {3}fallback: off: while Slack is down, customers waiting for a person are not told/);

      withFallback({ webhook: { url: "https://helpdesk.example/hooks/warmline" } });
      const missing = await doctor(setup);
      expect(missing.code).toBe(1);
      expect(missing.text).toMatch(
        /FAIL fallback: webhook https:\/\/helpdesk\.example\/hooks\/warmline can't be used\n\s+fix: FALLBACK_WEBHOOK_SECRET is missing/,
      );

      withFallback({ email: { smtpUrl: smtp.url, from: "warmline@shop.example", to: ["support@shop.example"] } });
      const answering = await doctor(setup);
      expect(answering.text).toContain(
        "ok   fallback: after 10 min without a card, cases go by e-mail to support@shop.example (the SMTP server answers)",
      );
      expect(answering.code).toBe(0);
      expect(smtp.mails).toEqual([]);

      await smtp.close();
      const down = await doctor(setup);
      expect(down.code).toBe(1);
      expect(down.text).toMatch(
        /FAIL fallback: e-mail to support@shop\.example: 1 problem\n\s+fix: The SMTP server smtp:\/\/127\.0\.0\.1:\d+ did not accept a connection/,
      );
    } finally {
      await smtp.close().catch(() => undefined);
    }
  });
});
