/**
 * The Slack harness (real Bolt receiver, engine, WhatsApp adapter, memory store) with the
 * analytics side registered as src/main.ts does: feedback and transcript buttons, the Home tab,
 * and the metrics runtime over the same store and clock.
 */
import { registerAnalyticsListeners } from "../../channels/slack/analytics-listeners.js";
import { decodeSlackThreadRef } from "../../channels/slack/slack-ids.js";
import { createAnalyticsRuntime, type AnalyticsRuntime } from "../../src/analytics/analytics-runtime.js";
import type { Conversation } from "../../src/domain/conversation.js";
import { HARNESS_SIGNING_SECRET, type SlackHarness, type SlackHarnessOptions, startSlackHarness } from "../helpers/slack-harness.js";
import { createCaptureLogger } from "../slack/capture-logger.js";
import { buttonAction, postEvent, postInteraction, slackFixture, viewSubmission, type SlackResponse } from "../helpers/slack-signing.js";

export const ALEX = "U0AGENT01";
export const SAM = "U0AGENT02";

export interface AnalyticsHarness extends SlackHarness {
  analytics: AnalyticsRuntime;
  /** A button on the card (claim, resolve, view transcript, feedback…), clicked by `user`. */
  press(actionId: string, user: string, conversation: { conversationId: string; thread: string }): Promise<SlackResponse>;
  submitView(user: string, view: { callback_id: string; private_metadata: string }, values: Record<string, unknown>): Promise<SlackResponse>;
  openHome(user: string): Promise<SlackResponse>;
  /** The conversation the harness customer is in now (the newest one). */
  latest(): Promise<Conversation>;
  /** Escalates whatever the customer says and returns the conversation id and its current thread. */
  escalateWith(text: string): Promise<{ conversationId: string; thread: string }>;
}

let eventSeq = 0;

export async function startAnalyticsHarness(options: SlackHarnessOptions = {}): Promise<AnalyticsHarness> {
  const h = await startSlackHarness(options);
  // Shares the harness's log entries, so h.logs shows analytics lines too.
  const logger = createCaptureLogger(h.logs);
  const analytics = await createAnalyticsRuntime({ config: h.config, store: h.store, clock: h.clock, logger });
  registerAnalyticsListeners(h.app, {
    analytics: analytics.actions,
    agentRef: (userId) => h.workspace.users.agentRef(userId),
    intents: analytics.intents,
    teams: h.workspace.teams,
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
      const response = await postInteraction(h.url, HARNESS_SIGNING_SECRET, buttonAction(actionId, { user, channel: ref.channel, messageTs: ref.threadTs, conversationId: conversation.conversationId }));
      await settle();
      return response;
    },
    async submitView(user: string, view: { callback_id: string; private_metadata: string }, values: Record<string, unknown>) {
      const response = await postInteraction(h.url, HARNESS_SIGNING_SECRET, viewSubmission({ user, callbackId: view.callback_id, privateMetadata: view.private_metadata, values }));
      await settle();
      return response;
    },
    async openHome(user: string) {
      const body = slackFixture("event-message-thread-reply.json");
      body.event = { type: "app_home_opened", user, channel: "D0HOME001", tab: "home", event_ts: "1715000000.000001" };
      body.event_id = `EvHOME${String(++eventSeq).padStart(6, "0")}`;
      return postEvent(h.url, HARNESS_SIGNING_SECRET, body);
    },
    latest,
    async escalateWith(text: string) {
      await h.customerSays(text);
      const conversation = await latest();
      const thread = conversation.escalations.at(-1)?.thread;
      if (!thread || (conversation.state !== "queued" && conversation.state !== "assigned")) throw new Error(`"${text}" did not escalate: see harness.logs`);
      return { conversationId: conversation.id, thread };
    },
    async close() {
      await analytics.stop();
      await h.close();
    },
  };
  return harness;
}
