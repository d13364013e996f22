import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfigFile, loadEnv, parseConfig } from "../../src/config/load-config.js";
import { isWarmlineError } from "../../src/domain/errors.js";
import { SHIPPED_CONFIG_FILE } from "../../src/paths.js";

const shipped = () => JSON.parse(readFileSync(SHIPPED_CONFIG_FILE, "utf8"));

function problemsOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (isWarmlineError(error)) return error.message;
    throw error;
  }
  throw new Error("expected a WarmlineError");
}

describe("config", () => {
  it("ships a valid config with support, retention, billing and a VIP priority lane", () => {
    const config = loadConfigFile(SHIPPED_CONFIG_FILE);
    expect(Object.keys(config.teams)).toEqual(expect.arrayContaining(["support", "retention", "billing", "priority"]));
    expect(config.routing.vipTeam).toBe("priority");
    expect(config.routing.intentTeams.cancel_order).toBe("retention");
    expect(config.routing.intentTeams.payment_issue).toBe("billing");
  });

  it("checks the languages teams serve and the alternates routing may prefer", () => {
    const raw = shipped();
    raw.teams.retention.languages = ["es", "Portuguese"];
    raw.teams.retention.rotaLanguages = { alex: ["es"] };
    raw.routing.alternateTeams = { retention: ["retention_latam"] };
    const message = problemsOf(() => parseConfig(raw, "warmline.config.json"));
    expect(message).toMatch(/teams\.retention\.languages\.1: use an ISO 639-1 code/);
    expect(message).toMatch(/teams\.retention\.rotaLanguages.*U0123ABCD/);
    expect(message).toMatch(/routing\.alternateTeams\.retention\.0: team "retention_latam" is not defined/);
  });

  it("lists every problem at once, each with its path and a fix", () => {
    const raw = shipped();
    raw.teams.billing.channel = "billing escalations";
    raw.teams.retention.businessHours.open = "9am";
    raw.teams.support.businessHours.timezone = "Mars/Olympus";
    raw.routing.defaultTeam = "nobody";
    raw.policy.confidenceThreshold = 3;
    const message = problemsOf(() => parseConfig(raw, "warmline.config.json"));
    expect(message).toMatch(/5 problems/);
    expect(message).toMatch(/teams\.billing\.channel: .*#support-escalations/);
    expect(message).toMatch(/teams\.retention\.businessHours\.open: use 24-hour HH:MM/);
    expect(message).toMatch(/teams\.support\.businessHours\.timezone: use an IANA time zone/);
    expect(message).toMatch(/routing\.defaultTeam: team "nobody" is not defined/);
    expect(message).toMatch(/policy\.confidenceThreshold/);
  });

  it("reports misspelled settings instead of silently using their defaults", () => {
    const raw = shipped();
    raw.polcy = { refundLimit: 5 };
    raw.policy.refundLimt = 5;
    raw.teams.billing.businessHours.tz = "Europe/Paris";
    raw.policy.priorityByReason.negative_sentimnt = "high";
    const message = problemsOf(() => parseConfig(raw, "warmline.config.json"));
    expect(message).toMatch(/4 problems/);
    expect(message).toContain('(top level): unknown key "polcy": did you mean "policy"?');
    expect(message).toContain('policy: unknown key "refundLimt": did you mean "refundLimit"?');
    // Nothing allowed there is close: no guess, the general fix.
    expect(message).toContain('teams.billing.businessHours: unknown key "tz": check the spelling (it may belong elsewhere), or remove it');
    expect(message).toMatch(
      /policy\.priorityByReason: unknown escalation reason "negative_sentimnt": use explicit_request, .*negative_sentiment/,
    );
  });

  it("suggests the setting meant for each misspelt key, one problem per key", () => {
    const raw = shipped();
    raw.teams.support.claimWithinMinute = raw.teams.support.claimWithinMinutes;
    delete raw.teams.support.claimWithinMinutes;
    raw.teams.support.displayname = raw.teams.support.displayName;
    raw.slack.opsChanel = "#warmline-ops";
    const message = problemsOf(() => parseConfig(raw, "warmline.config.json"));
    expect(message).toContain('teams.support: unknown key "claimWithinMinute": did you mean "claimWithinMinutes"?');
    expect(message).toContain('teams.support: unknown key "displayname": did you mean "displayName"?');
    expect(message).toContain('slack: unknown key "opsChanel": did you mean "opsChannel"?');
    expect(message).not.toMatch(/Unrecognized key/);
  });

  it("lists unknown teams in routing even when other settings are also wrong, and explains bad team keys", () => {
    const raw = shipped();
    raw.slack.mode = "sockets";
    raw.teams.support.claimWithinMinutes = "10";
    raw.routing.intentTeams.cancel_order = "retenton";
    raw.routing.rules = [{ when: { keyword: "refund" }, team: "nobody" }];
    raw.teams.Sales = raw.teams.support;
    const message = problemsOf(() => parseConfig(raw, "warmline.config.json"));
    expect(message).toMatch(/5 problems/);
    expect(message).toMatch(/slack\.mode/);
    expect(message).toMatch(/teams\.support\.claimWithinMinutes/);
    expect(message).toMatch(/routing\.intentTeams\.cancel_order: team "retenton" is not defined/);
    expect(message).toMatch(/routing\.rules\.0\.team: team "nobody" is not defined/);
    expect(message).toMatch(/teams\.Sales: key not allowed: team keys are lower-case words/);
  });

  it("explains unreadable and non-JSON files", () => {
    const dir = mkdtempSync(join(tmpdir(), "warmline-config-"));
    const broken = join(dir, "broken.json");
    writeFileSync(broken, '{ "teams": ');
    expect(problemsOf(() => loadConfigFile(broken))).toBe(
      `${broken}:1:12 is not valid JSON (Unexpected end of JSON input): fix the syntax there, e.g. a missing comma or quote.`,
    );
    // A missing comma on line 3: reported where the editor should jump, not as a byte offset.
    writeFileSync(broken, '{\n  "business": { "name": "Acme" }\n  "teams": {}\n}\n');
    const message = problemsOf(() => loadConfigFile(broken));
    expect(message.startsWith(`${broken}:3:3 is not valid JSON (`), message).toBe(true);
    expect(message).not.toMatch(/position/);
    expect(problemsOf(() => loadConfigFile(join(dir, "missing.json")))).toMatch(/Cannot read config file .*--config/);
  });

  it("names every missing secret with where to get it", () => {
    const config = loadConfigFile(SHIPPED_CONFIG_FILE);
    const message = problemsOf(() => loadEnv({}, config));
    expect(message).toMatch(/SLACK_BOT_TOKEN is missing: .*OAuth & Permissions/);
    expect(message).toMatch(/SLACK_SIGNING_SECRET is missing: .*Basic Information/);
    expect(message).toMatch(/SLACK_APP_TOKEN is missing/);
    const http = { ...config, slack: { ...config.slack, mode: "http" as const } };
    expect(problemsOf(() => loadEnv({ SLACK_BOT_TOKEN: "xoxb-1", SLACK_SIGNING_SECRET: "s" }, http))).toMatch(/PORT is missing/);
  });

  it("refuses an empty signing secret and malformed tokens", () => {
    const config = loadConfigFile(SHIPPED_CONFIG_FILE);
    const message = problemsOf(() => loadEnv({ SLACK_BOT_TOKEN: "nope", SLACK_SIGNING_SECRET: "  ", SLACK_APP_TOKEN: "xapp-1" }, config));
    expect(message).toMatch(/SLACK_BOT_TOKEN looks wrong/);
    expect(message).toMatch(/SLACK_SIGNING_SECRET is missing/);
  });

  it("accepts a complete environment", () => {
    const config = loadConfigFile(SHIPPED_CONFIG_FILE);
    const env = loadEnv(
      { SLACK_BOT_TOKEN: "xoxb-1", SLACK_SIGNING_SECRET: "secret", SLACK_APP_TOKEN: "xapp-1", SLACK_API_URL: "http://127.0.0.1:9/api/" },
      config,
    );
    expect(env.slackApiUrl).toBe("http://127.0.0.1:9/api/");
  });
});

describe("config JSON Schema", () => {
  it("is generated from the zod schema and up to date (run npm run schema after changing it)", async () => {
    const { configJsonSchema } = await import("../../src/config/json-schema.js");
    const { join } = await import("node:path");
    const { PACKAGE_ROOT } = await import("../../src/paths.js");
    const committed = JSON.parse(readFileSync(join(PACKAGE_ROOT, "warmline.config.schema.json"), "utf8"));
    expect(committed).toEqual(JSON.parse(JSON.stringify(configJsonSchema())));
    expect(Object.keys(committed.properties)).toEqual(expect.arrayContaining(["teams", "routing", "policy", "messages", "keywords"]));
  });
});

describe("config defaults", () => {
  it("fills every customer message a config leaves out, so upgrades don't break old configs", () => {
    const raw = shipped();
    delete raw.messages;
    const config = parseConfig(raw, "old.json");
    expect(config.messages.greeting).toMatch(/\{human\}/);
    const partial = shipped();
    partial.messages = { survey: "Rate us 1-5, please!" };
    expect(parseConfig(partial, "partial.json").messages).toMatchObject({
      survey: "Rate us 1-5, please!",
      surveyThanks: shipped().messages.surveyThanks,
    });
  });
});
