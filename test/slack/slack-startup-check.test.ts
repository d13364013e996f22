import { WebClient } from "@slack/web-api";
import { describe, expect, it } from "vitest";
import { checkSlackAtStartup, SLACK_STARTUP_ATTEMPTS, slackStartupClientOptions } from "../../channels/slack/slack-startup-check.js";
import { createSilentLogger } from "../../src/logging.js";
import { startFakeSlackApi } from "../../src/sandbox/fake-slack-api.js";

describe("checkSlackAtStartup", () => {
  it("gets past Slack's brief 5xx within its attempts, waiting between them, and returns the bot's ids", async () => {
    const api = await startFakeSlackApi();
    try {
      api.failNext("auth.test", { status: 500 }, { times: SLACK_STARTUP_ATTEMPTS - 1 });
      const logger = createSilentLogger();
      const waits: number[] = [];
      const identity = await checkSlackAtStartup(new WebClient("xoxb-ok", slackStartupClientOptions({ slackApiUrl: api.url }, logger)), {
        apiUrl: api.url,
        logger,
        wait: async (ms) => void waits.push(ms),
      });
      expect(identity).toEqual({ botUserId: api.botUserId, botId: api.botId });
      expect(api.callsTo("auth.test")).toHaveLength(SLACK_STARTUP_ATTEMPTS);
      expect(waits).toEqual([1000, 2000]);
    } finally {
      await api.close();
    }
  });

  it("stops after its attempts when Slack keeps failing, saying how many", async () => {
    const api = await startFakeSlackApi();
    try {
      api.failNext("auth.test", { status: 500 }, { times: SLACK_STARTUP_ATTEMPTS + 5 });
      const logger = createSilentLogger();
      const failure = checkSlackAtStartup(new WebClient("xoxb-ok", slackStartupClientOptions({ slackApiUrl: api.url }, logger)), {
        apiUrl: api.url,
        logger,
        wait: async () => undefined,
      });
      await expect(failure).rejects.toMatchObject({
        code: "slack_unreachable",
        message: expect.stringContaining(`Cannot reach Slack at ${api.url} (HTTP 500, ${SLACK_STARTUP_ATTEMPTS} attempts)`),
      });
      expect(api.callsTo("auth.test")).toHaveLength(SLACK_STARTUP_ATTEMPTS);
    } finally {
      await api.close();
    }
  });
});
