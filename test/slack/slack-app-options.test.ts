import { HTTPReceiver, SocketModeReceiver } from "@slack/bolt";
import { WebClient } from "@slack/web-api";
import { afterEach, describe, expect, it } from "vitest";
import { resolveTeamChannels } from "../../channels/slack/resolve-channels.js";
import { slackAppOptions } from "../../channels/slack/slack-app-options.js";
import type { WarmlineEnv } from "../../src/config/load-config.js";
import { isWarmlineError } from "../../src/domain/errors.js";
import { type FakeSlackApi, startFakeSlackApi } from "../../src/sandbox/fake-slack-api.js";
import { createCaptureLogger } from "./capture-logger.js";

const env: WarmlineEnv = { slackBotToken: "xoxb-1", slackSigningSecret: "s3cret", slackAppToken: "xapp-1", port: 3456, logLevel: "info" };
const logger = createCaptureLogger();

describe("slackAppOptions", () => {
  it("HTTP mode: Bolt's HTTPReceiver with the signing secret, /slack/events, the port, processBeforeResponse", () => {
    const options = slackAppOptions({
      config: { slack: { mode: "http", admins: [] } },
      env: { ...env, slackApiUrl: "http://127.0.0.1:9/api" },
      logger,
      processBeforeResponse: true,
    });
    expect(options.token).toBe("xoxb-1");
    expect(options.receiver).toBeInstanceOf(HTTPReceiver);
    // The receiver's own settings (private in Bolt's types; test/slack/malformed-bodies.test.ts shows them at work).
    expect(options.receiver).toMatchObject({
      signingSecret: "s3cret",
      endpoints: ["/slack/events"],
      port: 3456,
      processBeforeResponse: true,
      signatureVerification: true,
    });
    expect(options.socketMode).toBeUndefined();
    expect(options.signatureVerification).toBeUndefined();
    expect(options.clientOptions?.slackApiUrl).toBe("http://127.0.0.1:9/api/");
    expect(options.clientOptions?.rejectRateLimitedCalls).toBe(true);
  });

  it("Socket Mode: Warmline's socket receiver on the app token; Slack's own API unless SLACK_API_URL is set", () => {
    const options = slackAppOptions({ config: { slack: { mode: "socket", admins: [] } }, env, logger });
    expect(options.receiver).toBeInstanceOf(SocketModeReceiver);
    expect(options.socketMode).toBeUndefined();
    expect(options.clientOptions?.slackApiUrl).toBeUndefined();
  });

  it("refuses an empty signing secret, with the fix", () => {
    for (const mode of ["http", "socket"] as const) {
      let caught: unknown;
      try {
        slackAppOptions({ config: { slack: { mode, admins: [] } }, env: { ...env, slackSigningSecret: " " }, logger });
      } catch (error) {
        caught = error;
      }
      expect(isWarmlineError(caught, "config_missing_setting")).toBe(true);
      expect((caught as Error).message).toContain("Basic Information");
    }
  });

  it("refuses Socket Mode without an app token", () => {
    expect(() =>
      slackAppOptions({ config: { slack: { mode: "socket", admins: [] } }, env: { ...env, slackAppToken: undefined }, logger }),
    ).toThrow(/SLACK_APP_TOKEN/);
  });
});

describe("resolveTeamChannels", () => {
  let api: FakeSlackApi;
  afterEach(async () => {
    await api.close();
  });
  const teams = (channels: Record<string, string>) =>
    Object.fromEntries(
      Object.entries(channels).map(([key, channel]) => [
        key,
        {
          displayName: key,
          channel,
          claimWithinMinutes: 5,
          rota: [],
          businessHours: { timezone: "UTC", days: ["mon" as const], open: "09:00", close: "17:00" },
        },
      ]),
    );

  it("resolves names and ids across pages, including private channels", async () => {
    api = await startFakeSlackApi({
      pageSize: 2,
      channels: [
        { id: "C0GENERAL", name: "general" },
        { id: "C0RETENT1", name: "retention" },
        { id: "C0RANDOM1", name: "random" },
        { id: "G0BILLING", name: "billing-escalations", is_private: true },
        { id: "C0OPS0001", name: "warmline-ops" },
      ],
    });
    const client = new WebClient("xoxb-1", { slackApiUrl: api.url, retryConfig: { retries: 0 } });
    const resolved = await resolveTeamChannels(client, {
      teams: teams({ retention: "#retention", billing: "#billing-escalations", general: "C0GENERAL" }),
      slack: { mode: "http", admins: [], opsChannel: "#warmline-ops" },
    });
    expect(resolved).toEqual({ teams: { retention: "C0RETENT1", billing: "G0BILLING", general: "C0GENERAL" }, ops: "C0OPS0001" });
    const pages = api.callsTo("conversations.list");
    expect(pages.length).toBe(3);
    expect(pages[0]!.args.types).toBe("public_channel,private_channel");
  });

  it("names every missing channel and every channel the app is not in, with the fix", async () => {
    api = await startFakeSlackApi({
      channels: [
        { id: "C0RETENT1", name: "retention", is_member: false },
        { id: "C0SUPPORT", name: "support-escalations" },
        { id: "C0VIP0001", name: "vip-escalations", is_member: false },
      ],
    });
    const client = new WebClient("xoxb-1", { slackApiUrl: api.url, retryConfig: { retries: 0 } });
    const error = await resolveTeamChannels(client, {
      teams: teams({
        retention: "#retention",
        support: "#support-escalations",
        billing: "#billing-escalations",
        priority: "C0VIP0001",
        gone: "C0DELETED",
      }),
      slack: { mode: "http", admins: [] },
    }).catch((e: unknown) => e);
    expect(isWarmlineError(error, "slack_channel_missing")).toBe(true);
    const message = (error as Error).message;
    expect(message).toContain('#billing-escalations (team "billing") was not found');
    expect(message).toContain('C0DELETED (team "gone") was not found');
    expect(message).toContain("invite the app with /invite @Warmline in #retention");
    expect(message).toContain("invite the app with /invite @Warmline in #vip-escalations");
    expect(message).not.toContain("support-escalations");
  });

  it("reports a bad token clearly", async () => {
    api = await startFakeSlackApi();
    api.failNext("conversations.list", { error: "invalid_auth" });
    const client = new WebClient("xoxb-1", { slackApiUrl: api.url, retryConfig: { retries: 0 } });
    await expect(resolveTeamChannels(client, { teams: {}, slack: { mode: "http", admins: [] } })).rejects.toThrow(
      /invalid_auth.*SLACK_BOT_TOKEN/,
    );
  });
});
