import { execFile } from "node:child_process";
import { createServer, connect } from "node:net";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { DEFAULT_CORPUS_FILE } from "../../src/assistant/paths.js";
import { SERVICE_NODE_FLAGS } from "../../src/cli/service-heap.js";
import { loadConfigFile } from "../../src/config/load-config.js";
import { createSilentLogger } from "../../src/logging.js";
import { startWarmline } from "../../src/main.js";
import { PACKAGE_ROOT, SHIPPED_CONFIG_FILE } from "../../src/paths.js";
import { SANDBOX_CHANNELS, SANDBOX_USERS } from "../../src/demo/sandbox.js";
import { startFakeSlackApi } from "../../src/sandbox/fake-slack-api.js";
import { FakeWhatsAppClient } from "../../src/sandbox/fake-whatsapp-client.js";
import { createCaptureLogger } from "../slack/capture-logger.js";

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const refusesConnections = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => (socket.destroy(), resolve(false)));
    socket.once("error", () => resolve(true));
  });

/** `warmline start` as a user runs it (bin/warmline.js, with the Node flags of its first line), in an empty folder (no .env), with `env` only. */
async function warmlineStart(env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  const cwd = mkdtempSync(join(tmpdir(), "warmline-start-"));
  const args = [
    ...SERVICE_NODE_FLAGS,
    join(PACKAGE_ROOT, "bin/warmline.js"),
    "start",
    "--config",
    SHIPPED_CONFIG_FILE,
    "--data-dir",
    join(cwd, "data"),
  ];
  return promisify(execFile)(process.execPath, args, { cwd, env: { PATH: process.env.PATH ?? "", ...env }, timeout: 60_000 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => error,
  );
}

/** What a person reads: stderr without the JSON log lines. */
const plainLines = (stderr: string) => stderr.split("\n").filter((line) => line !== "" && !line.startsWith("{"));
const logLines = (stderr: string) =>
  stderr
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe("npm start when Slack turns it away", () => {
  const secrets = { SLACK_SIGNING_SECRET: "secret", SLACK_APP_TOKEN: "xapp-1-start" };

  it("a wrong bot token: one message naming invalid_auth and where to get the right token, exit 1, no stack trace", async () => {
    const api = await startFakeSlackApi({ channels: structuredClone(SANDBOX_CHANNELS), users: SANDBOX_USERS, validTokens: ["xoxb-right"] });
    try {
      const run = await warmlineStart({ ...secrets, SLACK_BOT_TOKEN: "xoxb-wrong", SLACK_API_URL: api.url });
      expect(run.code).toBe(1);
      expect(plainLines(run.stderr)).toEqual([
        `Slack refused the bot token at ${api.url} (auth.test: invalid_auth): SLACK_BOT_TOKEN is wrong: copy the Bot User OAuth Token (xoxb-…) from the app's OAuth & Permissions page.`,
      ]);
      expect(run.stderr).not.toContain("WebAPIPlatformError");
      // Bolt was never built with the bad token, so it did not retry auth.test behind our back.
      expect(api.callsTo("auth.test").map((call) => call.token)).toEqual(["xoxb-wrong"]);
    } finally {
      await api.close();
    }
  });

  it("no Slack at the API URL: says it cannot reach Slack there, after how many attempts, what to check; exit 1", async () => {
    const closed = `http://127.0.0.1:${await freePort()}/api/`;
    expect(await refusesConnections(Number(new URL(closed).port))).toBe(true);
    const run = await warmlineStart({ ...secrets, SLACK_BOT_TOKEN: "xoxb-any", SLACK_API_URL: closed });
    expect(run.code).toBe(1);
    expect(plainLines(run.stderr)).toEqual([
      `Cannot reach Slack at ${closed} (ECONNREFUSED, 3 attempts): check this machine's network connection, any proxy or firewall between it and Slack, and SLACK_API_URL if you set it; Slack's own status is at https://slack-status.com.`,
    ]);
    // The log says what it is trying, attempt by attempt, and nothing of the SDK's "http request failed".
    const logs = logLines(run.stderr);
    expect(logs.map((line) => line.msg)).toEqual([
      "Checking the Slack bot token",
      "Slack is not reachable yet; trying again",
      "Slack is not reachable yet; trying again",
    ]);
    expect(logs.slice(1).map((line) => [line.attempt, line.of, line.apiUrl])).toEqual([
      [1, 3, closed],
      [2, 3, closed],
    ]);
    expect(run.stderr).not.toContain("http request failed");
  });
});

describe("startWarmline when a late start-up step fails", () => {
  it("rejects with the reason and the fix, and closes what it had opened (no hanging process)", async () => {
    const api = await startFakeSlackApi({ channels: structuredClone(SANDBOX_CHANNELS), users: SANDBOX_USERS });
    try {
      const config = structuredClone(loadConfigFile(SHIPPED_CONFIG_FILE));
      config.slack.mode = "http";
      const client = new FakeWhatsAppClient();
      client.initialize = async () => {
        throw new Error("Failed to launch the browser process");
      };
      const port = await freePort();
      await expect(
        startWarmline({
          config,
          dataDir: mkdtempSync(join(tmpdir(), "warmline-startfail-")),
          env: { SLACK_BOT_TOKEN: "xoxb-test", SLACK_SIGNING_SECRET: "secret", SLACK_API_URL: api.url, PORT: String(port) },
          whatsapp: { client },
          logger: createSilentLogger(),
        }),
      ).rejects.toThrow(/WhatsApp Web failed to start .*browserPath or CHROME_PATH/);
      expect(await refusesConnections(port)).toBe(true);
    } finally {
      await api.close();
    }
  });
});

/** Why startWarmline refused `config` (Socket Mode secrets set), or undefined if it started. */
function startFailure(config: Record<string, unknown>, dataDir: string, slackApiUrl?: string) {
  return startWarmline({
    config,
    dataDir,
    env: {
      SLACK_BOT_TOKEN: "xoxb-test",
      SLACK_SIGNING_SECRET: "secret",
      SLACK_APP_TOKEN: "xapp-test",
      ...(slackApiUrl ? { SLACK_API_URL: slackApiUrl } : {}),
    },
    whatsapp: { client: new FakeWhatsAppClient() },
    logger: createSilentLogger(),
  }).then(
    () => undefined,
    (error: unknown) => error as { code?: string; message: string },
  );
}

describe("startWarmline and the intents the config names", () => {
  it("refuses to start when the config names intents the corpus lacks, listing each with the intent meant, before anything starts", async () => {
    const api = await startFakeSlackApi({ channels: structuredClone(SANDBOX_CHANNELS), users: SANDBOX_USERS });
    try {
      const config = structuredClone(loadConfigFile(SHIPPED_CONFIG_FILE));
      config.policy.priorityIntents = ["cancel_ordr", "delete_account"];
      config.routing.intentTeams = { ...config.routing.intentTeams, paymnt_issue: "billing" };
      config.routing.rules = [{ when: { intent: "complaints" }, team: "retention" }];
      const dataDir = mkdtempSync(join(tmpdir(), "warmline-startfail-"));
      const failure = await startFailure(config, dataDir, api.url);
      expect(failure?.code).toBe("config_invalid");
      expect(failure?.message).toBe(
        [
          "the config object has 3 problems: intents the assistant is not trained on, so routing never matches them:",
          '  - policy.priorityIntents[0]: "cancel_ordr" is not an intent of the corpus data/corpus.csv; did you mean "cancel_order"?',
          '  - routing.intentTeams: the key "paymnt_issue" is not an intent of the corpus data/corpus.csv; did you mean "payment_issue"?',
          '  - routing.rules[0].when.intent: "complaints" is not an intent of the corpus data/corpus.csv; did you mean "complaint"?',
          "Fix them in the config object, or train on a corpus that has them (assistant.corpus).",
        ].join("\n"),
      );
      expect(api.calls).toEqual([]);
      expect(existsSync(join(dataDir, config.store.sqliteFile))).toBe(false);
    } finally {
      await api.close();
    }
  });

  it("lists schema problems and unknown intents together in one error (a misspelt key does not hide a misspelt intent)", async () => {
    const config = JSON.parse(readFileSync(SHIPPED_CONFIG_FILE, "utf8"));
    config.teams.retention.claimWithinMinute = config.teams.retention.claimWithinMinutes;
    delete config.teams.retention.claimWithinMinutes;
    config.policy.priorityIntents = ["cancel_ordr"];
    const failure = await startFailure(config, mkdtempSync(join(tmpdir(), "warmline-startfail-")));
    expect(failure?.code).toBe("config_invalid");
    expect(failure?.message.split("\n")).toEqual([
      "the config object has 3 problems:",
      "  - teams.retention.claimWithinMinutes: Invalid input: expected number, received undefined",
      '  - teams.retention: unknown key "claimWithinMinute": did you mean "claimWithinMinutes"?',
      '  - policy.priorityIntents[0]: "cancel_ordr" is not an intent of the corpus data/corpus.csv; did you mean "cancel_order"?',
      "Fix them in the config object; warmline.config.schema.json lets your editor check the file as you type.",
    ]);
  });

  it("logs a warning for a corpus intent with no answer, and goes on starting", async () => {
    const api = await startFakeSlackApi({ channels: structuredClone(SANDBOX_CHANNELS), users: SANDBOX_USERS });
    try {
      const dir = mkdtempSync(join(tmpdir(), "warmline-startwarn-"));
      const corpus = join(dir, "corpus.csv");
      writeFileSync(
        corpus,
        `${readFileSync(DEFAULT_CORPUS_FILE, "utf8").trimEnd()}\nwrap it as a gift please,gift_wrap\ncan you gift wrap it,gift_wrap\n`,
      );
      const config = structuredClone(loadConfigFile(SHIPPED_CONFIG_FILE));
      config.assistant.corpus = corpus;
      config.slack.mode = "http";
      const client = new FakeWhatsAppClient();
      // The last start-up step: failing there shows every earlier one, the assistant's included, went through.
      client.initialize = async () => {
        throw new Error("Failed to launch the browser process");
      };
      const logger = createCaptureLogger();
      await expect(
        startWarmline({
          config,
          dataDir: join(dir, "data"),
          env: { SLACK_BOT_TOKEN: "xoxb-test", SLACK_SIGNING_SECRET: "secret", SLACK_API_URL: api.url, PORT: String(await freePort()) },
          whatsapp: { client },
          logger,
        }),
      ).rejects.toThrow(/WhatsApp Web failed to start/);
      const warnings = logger.entries.filter((entry) => entry.level === "warn" && entry.context.component === "assistant");
      expect(warnings.map((entry) => entry.message)).toEqual([
        `the corpus ${corpus} has 1 intent with no answer ("gift_wrap"): customers asking it get the clarifying reply ("none" in the answers) instead; write a JSON file of intent → answer like data/answers.json and name it in assistant.answers, e.g. {"gift_wrap": "…"}`,
      ]);
      expect(api.callsTo("auth.test").length).toBeGreaterThan(0);
    } finally {
      await api.close();
    }
  });
});
