import { createServer, connect } from "node:net";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_CORPUS_FILE } from "../../src/assistant/paths.js";
import { loadConfigFile } from "../../src/config/load-config.js";
import { createSilentLogger } from "../../src/logging.js";
import { startWarmline } from "../../src/main.js";
import { SHIPPED_CONFIG_FILE } from "../../src/paths.js";
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

describe("startWarmline and the intents the config names", () => {
  it("refuses to start when the config names intents the corpus lacks, listing each with the intent meant, before anything starts", async () => {
    const api = await startFakeSlackApi({ channels: structuredClone(SANDBOX_CHANNELS), users: SANDBOX_USERS });
    try {
      const config = structuredClone(loadConfigFile(SHIPPED_CONFIG_FILE));
      config.policy.priorityIntents = ["cancel_ordr", "delete_account"];
      config.routing.intentTeams = { ...config.routing.intentTeams, paymnt_issue: "billing" };
      config.routing.rules = [{ when: { intent: "complaints" }, team: "retention" }];
      const dataDir = mkdtempSync(join(tmpdir(), "warmline-startfail-"));
      const failure = await startWarmline({
        config,
        dataDir,
        env: { SLACK_BOT_TOKEN: "xoxb-test", SLACK_SIGNING_SECRET: "secret", SLACK_APP_TOKEN: "xapp-test", SLACK_API_URL: api.url },
        whatsapp: { client: new FakeWhatsAppClient() },
        logger: createSilentLogger(),
      }).then(
        () => undefined,
        (error: unknown) => error as { code?: string; message: string },
      );
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
