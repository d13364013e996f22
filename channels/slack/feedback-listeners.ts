import type { App, BlockAction, ButtonAction } from "@slack/bolt";
import type { KnownBlock, ModalView, PlainTextOption } from "@slack/types";
import type { AgentFeedbackKind, AgentRef } from "../../src/domain/conversation.js";
import { isWarmlineError } from "../../src/domain/errors.js";
import type { AnalyticsActions, FeedbackResult, TranscriptView } from "../../src/ports/analytics.js";
import type { Logger } from "../../src/ports/logger.js";
import { SLACK_ANALYTICS_ACTION_IDS, SLACK_FEEDBACK_LABELS } from "./context-card.js";
import { escapeSlackText } from "./escape.js";
import { describeSlackError } from "./slack-errors.js";
import type { SlackTeamAccess } from "./team-access.js";
import { decodeSlackThreadRef, encodeSlackThreadRef } from "./slack-ids.js";
import { CUT_MARKER, SLACK_OPTION_TEXT_LIMIT, SLACK_OPTION_VALUE_LIMIT, SLACK_PRIVATE_METADATA_LIMIT, cutToLimit } from "./slack-limits.js";
import { buildTranscriptPosts } from "./transcript-posts.js";
import { listenersOf } from "./listener-router.js";

/** Modals and Home tabs take up to 100 blocks (messages take 50). */
export const SLACK_VIEW_MAX_BLOCKS = 100;
/** A static select lists at most 100 options. */
export const SLACK_SELECT_OPTIONS_LIMIT = 100;
export const SLACK_FEEDBACK_VIEW_ID = "warmline_feedback_intent";
export const SLACK_FEEDBACK_INTENT_BLOCK = "intent";
export const SLACK_FEEDBACK_INTENT_ACTION = "intent";

export interface FeedbackListenerDeps {
  analytics: AnalyticsActions;
  /** Slack user id → agent (the workspace adapter's user directory). */
  agentRef(userId: string): Promise<AgentRef>;
  /** Intents the assistant knows, offered when an agent says the bot should have handled it. */
  intents?: readonly string[];
  /** Who may open a team's transcripts (checked here, on the server, before anything is read). */
  access: SlackTeamAccess;
  /** Team key → channel id: a card's team is the one whose channel it is in. */
  teamChannels: Readonly<Record<string, string>>;
  logger: Logger;
}

interface FeedbackRequest {
  conversationId: string;
  thread?: string;
  channel?: string;
}

/** The transcript as a modal, within Slack's view limits; the thread keeps the full copy. */
export function buildTranscriptModal(view: TranscriptView): ModalView {
  const sections: KnownBlock[] = buildTranscriptPosts(view.lines).map((text) => ({
    type: "section",
    text: { type: "mrkdwn", text, verbatim: true },
  }));
  const head: KnownBlock = {
    type: "context",
    elements: [
      {
        type: "mrkdwn",
        text: `${escapeSlackText(view.customerName)} · ${view.lines.length} messages · phone numbers, emails and cards are masked`,
        verbatim: true,
      },
    ],
  };
  const room = SLACK_VIEW_MAX_BLOCKS - 1;
  const body =
    sections.length <= room
      ? sections
      : [...sections.slice(0, room - 1), { type: "section", text: { type: "mrkdwn", text: `_${CUT_MARKER}_` } } as KnownBlock];
  return {
    type: "modal",
    title: { type: "plain_text", text: "Full transcript" },
    close: { type: "plain_text", text: "Close" },
    blocks: [head, ...body],
  };
}

/** "Which intent should the bot have answered?" pre-selected with what it detected. */
export function buildFeedbackIntentModal(request: FeedbackRequest, intents: readonly string[], detected: string | undefined): ModalView {
  const options: PlainTextOption[] = intents.slice(0, SLACK_SELECT_OPTIONS_LIMIT).map((intent) => ({
    text: { type: "plain_text", text: cutToLimit(intent.replace(/_/g, " "), SLACK_OPTION_TEXT_LIMIT, "…") },
    value: intent.slice(0, SLACK_OPTION_VALUE_LIMIT),
  }));
  const initial = options.find((o) => o.value === detected);
  const metadata = JSON.stringify(request).slice(0, SLACK_PRIVATE_METADATA_LIMIT);
  return {
    type: "modal",
    callback_id: SLACK_FEEDBACK_VIEW_ID,
    private_metadata: metadata,
    title: { type: "plain_text", text: "Bot could handle this" },
    submit: { type: "plain_text", text: "Save" },
    close: { type: "plain_text", text: "Cancel" },
    blocks: [
      {
        type: "section",
        text: {
          type: "mrkdwn",
          text: "The customer's first message becomes a training example for this intent (`warmline export-feedback`).",
        },
      },
      {
        type: "input",
        block_id: SLACK_FEEDBACK_INTENT_BLOCK,
        label: { type: "plain_text", text: "What were they asking for?" },
        element: {
          type: "static_select",
          action_id: SLACK_FEEDBACK_INTENT_ACTION,
          options,
          ...(initial ? { initial_option: initial } : {}),
        },
      },
    ],
  };
}

function feedbackReply(result: FeedbackResult, kind: AgentFeedbackKind, intent: string | undefined): string {
  if (result.recorded && result.replaced === kind && intent) {
    return `:memo: Changed: the bot should have handled this as “${escapeSlackText(intent.replace(/_/g, " "))}”.`;
  }
  if (result.recorded && result.replaced && result.replaced !== kind) {
    return `:memo: Changed: your feedback on this handoff is now “${SLACK_FEEDBACK_LABELS[kind]}” (was “${SLACK_FEEDBACK_LABELS[result.replaced]}”).`;
  }
  if (result.recorded) return ":memo: Thanks: your feedback on this handoff is counted.";
  switch (result.reason) {
    case "already_recorded":
      return "You already gave this feedback on this handoff; click another answer to change it.";
    case "not_resolved":
      return "Feedback is for resolved handoffs; this one is still open.";
    case "unknown_conversation":
      return "This conversation no longer exists (it may have been forgotten).";
  }
}

/** The card's "View full transcript" button and the resolved card's three feedback buttons. */
export function registerFeedbackListeners(app: App, deps: FeedbackListenerDeps): void {
  const on = listenersOf(app);
  const { analytics } = deps;
  const logger = deps.logger.child({ component: "slack-feedback" });
  const client = app.client;

  const tell = async (channel: string | undefined, user: string, threadTs: string | undefined, text: string) => {
    if (!channel) return;
    try {
      await client.chat.postEphemeral({ channel, user, text, ...(threadTs ? { thread_ts: threadTs } : {}) });
    } catch (error) {
      logger.warn({ channel, slackError: describeSlackError(error).code }, "Could not answer an analytics button");
    }
  };
  const requestOf = (body: BlockAction, action: ButtonAction): FeedbackRequest => ({
    conversationId: action.value ?? "",
    ...(body.channel && body.message?.ts
      ? { thread: encodeSlackThreadRef({ channel: body.channel.id, threadTs: body.message.ts }), channel: body.channel.id }
      : {}),
  });
  const failed = async (what: string, error: unknown, channel: string | undefined, user: string, threadTs?: string) => {
    logger.error({ what, err: error, slackError: describeSlackError(error).code }, `Slack ${what} failed`);
    await tell(
      channel,
      user,
      threadTs,
      `:warning: ${isWarmlineError(error) ? error.message : "That didn't work because of an unexpected error; it is in Warmline's log."}`,
    );
  };

  on.action<BlockAction<ButtonAction>>(SLACK_ANALYTICS_ACTION_IDS.viewTranscript, async ({ ack, body, action }) => {
    await ack();
    const request = requestOf(body, action);
    try {
      const team = Object.entries(deps.teamChannels).find(([, channel]) => channel === request.channel)?.[0];
      if (team === undefined || !(await deps.access.maySee(body.user.id, team)))
        return await tell(
          request.channel,
          body.user.id,
          body.message?.ts,
          ":lock: Only members of this team's channel, its rota, or Warmline admins can open this transcript.",
        );
      const view = await analytics.viewTranscript(request.conversationId, await deps.agentRef(body.user.id), request.thread);
      if (!view)
        return await tell(
          request.channel,
          body.user.id,
          body.message?.ts,
          "This conversation no longer exists (it may have been forgotten).",
        );
      await client.views.open({ trigger_id: body.trigger_id, view: buildTranscriptModal(view) });
    } catch (error) {
      await failed("view transcript", error, request.channel, body.user.id, body.message?.ts);
    }
  });

  const record = async (body: { user: { id: string } }, request: FeedbackRequest, kind: AgentFeedbackKind, intent?: string) => {
    const result = await analytics.recordFeedback(request.conversationId, await deps.agentRef(body.user.id), kind, {
      ...(intent ? { intent } : {}),
      ...(request.thread ? { thread: request.thread } : {}),
    });
    const threadTs = request.thread ? decodeSlackThreadRef(request.thread).threadTs : undefined;
    await tell(request.channel, body.user.id, threadTs, feedbackReply(result, kind, intent));
  };

  // Answers recorded on the click; "the bot should have handled this" asks for the intent first.
  const direct: [string, AgentFeedbackKind][] = [
    [SLACK_ANALYTICS_ACTION_IDS.rightCall, "right_call"],
    [SLACK_ANALYTICS_ACTION_IDS.escalatedTooLate, "escalated_too_late"],
  ];
  for (const [actionId, kind] of direct) {
    on.action<BlockAction<ButtonAction>>(actionId, async ({ ack, body, action }) => {
      await ack();
      const request = requestOf(body, action);
      await record(body, request, kind).catch((error: unknown) =>
        failed("feedback", error, request.channel, body.user.id, body.message?.ts),
      );
    });
  }

  on.action<BlockAction<ButtonAction>>(SLACK_ANALYTICS_ACTION_IDS.botShouldHaveHandled, async ({ ack, body, action }) => {
    await ack();
    const request = requestOf(body, action);
    try {
      if (!deps.intents || deps.intents.length === 0) return await record(body, request, "bot_should_have_handled");
      const detected = await analytics.detectedIntent(request.conversationId);
      await client.views.open({ trigger_id: body.trigger_id, view: buildFeedbackIntentModal(request, deps.intents, detected) });
    } catch (error) {
      await failed("feedback", error, request.channel, body.user.id, body.message?.ts);
    }
  });

  on.view(SLACK_FEEDBACK_VIEW_ID, async ({ ack, body, view }) => {
    await ack();
    let request: FeedbackRequest | undefined;
    try {
      request = JSON.parse(view.private_metadata) as FeedbackRequest;
      const intent = view.state.values[SLACK_FEEDBACK_INTENT_BLOCK]?.[SLACK_FEEDBACK_INTENT_ACTION]?.selected_option?.value ?? undefined;
      await record(body, request, "bot_should_have_handled", intent);
    } catch (error) {
      await failed("feedback", error, request?.channel, body.user.id);
    }
  });
}
