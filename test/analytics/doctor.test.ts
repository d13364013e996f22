import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { WHATSAPP_SESSION_DIR } from "../../channels/whatsapp/whatsapp-session.js";
import { manifestBotScopes, runDoctor } from "../../src/cli/doctor.js";
import { createSqliteStore } from "../../src/store/sqlite-store.js";
import { type FakeSlackApi, type FakeSlackApiOptions, startFakeSlackApi } from "../helpers/fake-slack-api.js";
import { HARNESS_CHANNELS } from "../helpers/slack-harness.js";

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
async function healthy(slack: Partial<FakeSlackApiOptions> = {}): Promise<{ configFile: string; dataDir: string; env: Record<string, string> }> {
  api = await startFakeSlackApi({ channels: structuredClone(HARNESS_CHANNELS), grantedScopes: manifestBotScopes(), validTokens: [GOOD_TOKEN], ...slack });
  const configFile = join(dir, "warmline.config.json");
  writeFileSync(configFile, readFileSync(join(root, "warmline.config.json"), "utf8"));
  const dataDir = join(dir, "data");
  mkdirSync(join(dataDir, WHATSAPP_SESSION_DIR, "session"), { recursive: true });
  const store = await createSqliteStore({ file: join(dataDir, "warmline.sqlite") });
  await store.close();
  const env = { SLACK_BOT_TOKEN: GOOD_TOKEN, SLACK_SIGNING_SECRET: "doctor-secret", SLACK_APP_TOKEN: "xapp-doctor", SLACK_API_URL: api.url };
  return { configFile, dataDir, env };
}

async function doctor(setup: { configFile: string; dataDir: string; env: Record<string, string> }): Promise<{ code: number; text: string }> {
  let text = "";
  const output = new Writable({ write: (chunk, _enc, done) => void ((text += String(chunk)), done()) });
  const code = await runDoctor({ ...setup, output });
  return { code, text };
}

describe("warmline doctor", () => {
  it("passes a healthy install and exits 0", async () => {
    const { code, text } = await doctor(await healthy());
    expect(text).toContain("All checks passed.");
    expect(text).not.toContain("FAIL");
    for (const check of ["config", "environment", "slack token", "slack scopes", "slack channels", "whatsapp session", "store"]) expect(text).toContain(`ok   ${check}:`);
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

  it("finds a team channel the bot is not in", async () => {
    const channels = structuredClone(HARNESS_CHANNELS).map((c) => (c.id === "C0RETENT1" ? { ...c, is_member: false } : c));
    const { code, text } = await doctor(await healthy({ channels }));
    expect(code).toBe(1);
    expect(text).toContain("FAIL slack channels: 1 channel problem");
    expect(text).toContain("fix: the app is not in #retention (team \"retention\"): invite the app with /invite @Warmline in #retention.");
  });

  it("finds a broken config and lists every problem with its path", async () => {
    const setup = await healthy();
    const config = JSON.parse(readFileSync(setup.configFile, "utf8")) as { routing: { defaultTeam: string }; teams: { support: { claimWithinMinutes: number } } };
    config.routing.defaultTeam = "nobody";
    config.teams.support.claimWithinMinutes = -3;
    writeFileSync(setup.configFile, JSON.stringify(config));
    const { code, text } = await doctor(setup);
    expect(code).toBe(1);
    expect(text).toContain(`FAIL config: ${setup.configFile} is not usable`);
    expect(text).toMatch(/fix: routing\.defaultTeam: team "nobody" is not defined/);
    expect(text).toMatch(/fix: teams\.support\.claimWithinMinutes: /);
    expect(text).toContain("FAIL slack token: not checked");
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
    const run = promisify(execFile)(process.execPath, [join(root, "bin/warmline.js"), "doctor", "--config", setup.configFile, "--data-dir", setup.dataDir], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? "", ...setup.env, SLACK_BOT_TOKEN: "xoxb-wrong" },
    });
    const failure = await run.then(() => undefined, (error: { code: number; stdout: string }) => error);
    expect(failure?.code).toBe(1);
    expect(failure?.stdout).toContain("FAIL slack token: auth.test failed with invalid_auth");
    expect(failure?.stdout).toContain("fix: SLACK_BOT_TOKEN is wrong");
  });
});
