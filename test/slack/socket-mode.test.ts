import { App } from "@slack/bolt";
import { afterEach, describe, expect, it } from "vitest";
import { registerSlackListeners } from "../../channels/slack/register-listeners.js";
import { createSlackTeamAccess } from "../../channels/slack/team-access.js";
import { slackAppOptions } from "../../channels/slack/slack-app-options.js";
import { SlackWorkspaceAdapter } from "../../channels/slack/slack-workspace.js";
import { WarmlineError } from "../../src/domain/errors.js";
import type { AdminActions, AgentActions } from "../../src/ports/agent-workspace.js";
import { systemClock } from "../../src/ports/clock.js";
import { type FakeSlackApi, startFakeSlackApi } from "../../src/sandbox/fake-slack-api.js";
import { slackFixture, threadReplyEvent } from "../../src/sandbox/slack-signing.js";
import { type SocketModeServer, startSocketModeServer } from "../../src/sandbox/socket-mode-server.js";
import { createCaptureLogger } from "./capture-logger.js";

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Records the agent replies handed to the engine; Socket Mode is about transport. */
function recordingActions(
  receive: (...args: unknown[]) => Promise<void> = async () => {},
): AgentActions & AdminActions & { replies: unknown[][] } {
  const replies: unknown[][] = [];
  const never = async () => {
    throw new Error("not used in this test");
  };
  return {
    replies,
    claim: never,
    release: never,
    mayTransfer: never,
    transfer: never,
    returnToBot: never,
    resolve: never,
    status: async () => [{ team: "retention", displayName: "Customer Care", queued: 2, assigned: 1, oldestWaitMs: 240_000 }],
    forgetCustomer: never,
    receiveAgentReply: async (...args) => {
      await receive(...args);
      replies.push(args);
    },
    agentReply: never,
  };
}

describe("Socket Mode", () => {
  let api: FakeSlackApi;
  let socket: SocketModeServer;

  /** Warmline's Slack listeners on Bolt over a local Socket Mode server, handing agent replies to `actions`. */
  async function startSocketApp(actions: AgentActions & AdminActions): Promise<void> {
    socket = await startSocketModeServer();
    cleanups.push(() => socket.close());
    api = await startFakeSlackApi({
      channels: [{ id: "C0RETENT1", name: "retention" }],
      users: [{ id: "U0AGENT01", name: "alex", display_name: "Alex" }],
      socketModeUrl: socket.url,
    });
    cleanups.push(() => api.close());
    const logger = createCaptureLogger();
    const app = new App(
      slackAppOptions({
        config: { slack: { mode: "socket", admins: [] } },
        env: {
          slackBotToken: "xoxb-socket",
          slackSigningSecret: "secret",
          slackAppToken: "xapp-1-socket",
          slackApiUrl: api.url,
          logLevel: "info",
        },
        logger,
        clientOptions: { retryConfig: { retries: 0 } },
      }),
    );
    const workspace = new SlackWorkspaceAdapter({
      client: app.client,
      channels: { retention: "C0RETENT1" },
      teams: [{ key: "retention", displayName: "Customer Care" }],
      logger,
    });
    // The slash command fixture's user is an admin: /warmline status lists every team for them.
    const config = { slack: { mode: "socket" as const, admins: ["U0AGENT01"] }, teams: {} };
    registerSlackListeners(app, {
      actions,
      admin: actions,
      workspace,
      config,
      logger,
      botUserId: api.botUserId,
      access: createSlackTeamAccess(app.client, config, { retention: "C0RETENT1" }, logger, systemClock),
    });
    await app.start();
    cleanups.push(() => app.stop());
    await socket.connected();
  }

  it("delivers a thread reply over the socket to the listener and acks the envelope", async () => {
    const actions = recordingActions();
    await startSocketApp(actions);
    expect(api.callsTo("apps.connections.open")[0]?.token).toBe("xapp-1-socket");

    const body = threadReplyEvent({
      channel: "C0RETENT1",
      user: "U0AGENT01",
      text: "On it :+1:",
      ts: "1715000001.000001",
      threadTs: "1715000000.000001",
    });
    const ack = await socket.push("events_api", body);
    expect(socket.acks.map((a) => a.envelope_id)).toEqual([ack.envelope_id]);
    await expect.poll(() => actions.replies.length).toBe(1);
    expect(actions.replies[0]).toEqual([
      "slack:C0RETENT1:1715000000.000001",
      { id: "slack:U0AGENT01", name: "Alex" },
      "On it 👍",
      "slack:C0RETENT1:1715000001.000001",
      undefined,
    ]);

    // Slash commands answer in the ack's payload.
    const command = await socket.push("slash_commands", { ...slackFixture("slash-command.json"), text: "status" });
    expect(JSON.stringify(command.payload)).toContain("Customer Care");
  });

  it("acknowledges an agent's reply once it is stored, and not at all when the store refuses it, so Slack sends it again", async () => {
    let store: () => void = () => {};
    const stored = new Promise<void>((resolve) => (store = resolve));
    let refuse = false;
    const storing: unknown[] = [];
    const actions = recordingActions(async (...args) => {
      storing.push(args);
      if (refuse) throw new WarmlineError("store_unavailable", "The store is down: start it again.");
      await stored;
    });
    await startSocketApp(actions);
    const reply = (ts: string) =>
      threadReplyEvent({ channel: "C0RETENT1", user: "U0AGENT01", text: `reply ${ts}`, ts, threadTs: "1715000000.000001" });

    const acked = socket.push("events_api", reply("1715000002.000001"));
    await expect.poll(() => storing.length).toBe(1);
    // Bolt alone would have acked before the listener ran: here the envelope waits for the store.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(socket.acks).toEqual([]);
    store();
    await acked;
    expect(actions.replies).toHaveLength(1);

    refuse = true;
    void socket.push("events_api", reply("1715000003.000001"));
    await expect.poll(() => storing.length).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(socket.acks).toHaveLength(1);
    expect(actions.replies).toHaveLength(1);
  });
});
