/**
 * The Slack harness (real Bolt receiver, engine, WhatsApp adapter, memory store) with the
 * analytics side registered as src/main.ts does: feedback and transcript buttons, the Home tab,
 * and the metrics runtime over the same store and clock.
 */
import { createSlackTeamAccess } from "../../channels/slack/team-access.js";
import { registerAnalyticsListeners } from "../../channels/slack/analytics-listeners.js";
import { SLACK_HOME_TEAM_ACTION } from "../../channels/slack/app-home.js";
import { decodeSlackThreadRef } from "../../channels/slack/slack-ids.js";
import { createAnalyticsRuntime, type AnalyticsRuntime } from "../../src/analytics/analytics-runtime.js";
import type { Conversation } from "../../src/domain/conversation.js";
import { HARNESS_SIGNING_SECRET, type SlackHarness, type SlackHarnessOptions, startSlackHarness } from "../helpers/slack-harness.js";
import { createCaptureLogger } from "../slack/capture-logger.js";
import {
  buttonAction,
  postEvent,
  postInteraction,
  slackFixture,
  viewSubmission,
  type SlackResponse,
} from "../../src/sandbox/slack-signing.js";

export const ALEX = "U0AGENT01";
export const SAM = "U0AGENT02";

export interface AnalyticsHarness extends SlackHarness {
  analytics: AnalyticsRuntime;
  /** A button on the card (claim, resolve, view transcript, feedback…), clicked by `user`. */
  press(actionId: string, user: string, conversation: { conversationId: string; thread: string }): Promise<SlackResponse>;
  submitView(
    user: string,
    view: { callback_id: string; private_metadata: string },
    values: Record<string, unknown>,
  ): Promise<SlackResponse>;
  /** `view` is the Home tab as Slack last showed it (the event carries it once one was published). */
  openHome(user: string, view?: { private_metadata: string }): Promise<SlackResponse>;
  /** Picks `team` (a team key or ALL_TEAMS) in the Home tab's team picker. */
  pickHomeTeam(user: string, team: string, view?: { private_metadata: string }): Promise<SlackResponse>;
  /** The conversation the harness customer is in now (the newest one). */
  latest(): Promise<Conversation>;
  /** Escalates whatever the customer says and returns the conversation id and its current thread. */
  escalateWith(text: string): Promise<{ conversationId: string; thread: string }>;
}

let eventSeq = 0;

/** A Home tab view as Slack sends it back in events and block actions. */
const homeView = (view: { private_metadata: string }) => ({
  id: "V0HOME0001",
  type: "home",
  blocks: [],
  private_metadata: view.private_metadata,
  callback_id: "",
  state: { values: {} },
  hash: "1715000000.abc123",
});

export async function startAnalyticsHarness(options: SlackHarnessOptions = {}): Promise<AnalyticsHarness> {
  const h = await startSlackHarness(options);
  // Shares the harness's log entries, so h.logs shows analytics lines too.
  const logger = createCaptureLogger(h.logs);
  const analytics = await createAnalyticsRuntime({ config: h.config, store: h.store, clock: h.clock, logger });
  const teamChannels = Object.fromEntries(h.workspace.teams.map((t) => [t.key, h.workspace.channelForTeam(t.key)]));
  registerAnalyticsListeners(h.app, {
    analytics: analytics.actions,
    agentRef: (userId) => h.workspace.users.agentRef(userId),
    intents: analytics.intents,
    teams: h.workspace.teams,
    config: h.config,
    teamChannels,
    access: createSlackTeamAccess(h.app.client, h.config, teamChannels, logger, h.clock),
    figures: () => analytics.dashboardFigures(),
    logger,
  });

  const latest = async () => {
    const all = await h.store.listSince(0);
    return all.sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id)).at(-1)!;
  };
  const settle = async () => {
    await h.engine.drain();
  };

  const harness: AnalyticsHarness = {
    ...h,
    analytics,
    async press(actionId: string, user: string, conversation: { conversationId: string; thread: string }) {
      const ref = decodeSlackThreadRef(conversation.thread);
      const response = await postInteraction(
        h.url,
        HARNESS_SIGNING_SECRET,
        buttonAction(actionId, { user, channel: ref.channel, messageTs: ref.threadTs, conversationId: conversation.conversationId }),
      );
      await settle();
      return response;
    },
    async submitView(user: string, view: { callback_id: string; private_metadata: string }, values: Record<string, unknown>) {
      const response = await postInteraction(
        h.url,
        HARNESS_SIGNING_SECRET,
        viewSubmission({ user, callbackId: view.callback_id, privateMetadata: view.private_metadata, values }),
      );
      await settle();
      return response;
    },
    async openHome(user: string, view?: { private_metadata: string }) {
      const body = slackFixture("event-message-thread-reply.json");
      body.event = {
        type: "app_home_opened",
        user,
        channel: "D0HOME001",
        tab: "home",
        event_ts: "1715000000.000001",
        ...(view ? { view: homeView(view) } : {}),
      };
      body.event_id = `EvHOME${String(++eventSeq).padStart(6, "0")}`;
      return postEvent(h.url, HARNESS_SIGNING_SECRET, body);
    },
    async pickHomeTeam(user: string, team: string, view = { private_metadata: "" }) {
      // A static_select in a Home tab: the container is the view, and there is no channel or message.
      const { channel: _channel, message: _message, ...body } = slackFixture("block-actions-static-select.json");
      body.user = { ...body.user, id: user };
      body.container = { type: "view", view_id: "V0HOME0001" };
      body.view = homeView(view);
      body.actions = [
        {
          type: "static_select",
          action_id: SLACK_HOME_TEAM_ACTION,
          block_id: "warmline_home_team",
          selected_option: { text: { type: "plain_text", text: team, emoji: true }, value: team },
          action_ts: "1700000600.000600",
        },
      ];
      return postInteraction(h.url, HARNESS_SIGNING_SECRET, body);
    },
    latest,
    async escalateWith(text: string) {
      await h.customerSays(text);
      const conversation = await latest();
      const thread = conversation.escalations.at(-1)?.thread;
      if (!thread || (conversation.state !== "queued" && conversation.state !== "assigned"))
        throw new Error(`"${text}" did not escalate: see harness.logs`);
      return { conversationId: conversation.id, thread };
    },
    async close() {
      await analytics.stop();
      await h.close();
    },
  };
  return harness;
}
