import type {
  ActionsBlock,
  Button,
  ContextBlock,
  HeaderBlock,
  KnownBlock,
  MrkdwnElement,
  PlainTextOption,
  SectionBlock,
} from "@slack/types";
import type { ContextPackage } from "../../src/domain/context-package.js";
import type { AgentFeedbackKind, AgentRef } from "../../src/domain/conversation.js";
import { WarmlineError } from "../../src/domain/errors.js";
import type { DecisionSource, EscalationReason, Priority } from "../../src/domain/escalation.js";
import type { CardStatus } from "../../src/ports/agent-workspace.js";
import { escapeSlackPlainText, escapeSlackText } from "./escape.js";
import {
  CUT_MARKER,
  SLACK_BLOCK_ID_LIMIT,
  SLACK_BUTTON_VALUE_LIMIT,
  SLACK_CONTEXT_TEXT_LIMIT,
  SLACK_HEADER_TEXT_LIMIT,
  SLACK_MAX_BLOCKS,
  SLACK_MESSAGE_TEXT_LIMIT,
  SLACK_OPTION_TEXT_LIMIT,
  SLACK_OPTION_VALUE_LIMIT,
  SLACK_SECTION_FIELD_LIMIT,
  SLACK_SECTION_TEXT_LIMIT,
  cutToLimit,
} from "./slack-limits.js";
import { slackUserIdOf } from "./slack-ids.js";

/** Stable action ids: the listeners match on them, and cards posted by older versions keep working. */
export const SLACK_ACTION_IDS = {
  claim: "warmline_claim",
  release: "warmline_release",
  transfer: "warmline_transfer",
  returnToBot: "warmline_return",
  resolve: "warmline_resolve",
} as const;

/** Analytics buttons (channels/slack/feedback-listeners.ts handles them). */
export const SLACK_ANALYTICS_ACTION_IDS = {
  viewTranscript: "warmline_view_transcript",
  rightCall: "warmline_feedback_right",
  botShouldHaveHandled: "warmline_feedback_bot",
  escalatedTooLate: "warmline_feedback_late",
} as const;

/** The resolved card's feedback answers as its buttons name them (the listeners' replies use the same words). */
export const SLACK_FEEDBACK_LABELS: Record<AgentFeedbackKind, string> = {
  right_call: "Right call",
  bot_should_have_handled: "The bot should have handled this",
  escalated_too_late: "Escalated too late",
};

/** The actions block's id carries the card's action value, for the transfer select (its values are team keys). */
export const SLACK_CARD_ACTIONS_BLOCK_PREFIX = "warmline_actions:";

/** What a card's buttons act on: the conversation, and the escalation the card is for (absent on cards from before it was carried). */
export interface SlackCardTarget {
  conversationId: string;
  escalationId?: string;
}

/** `<conversationId>:<escalationId>`, so a click on an out-of-date card can be told from one on the current card. */
export function encodeCardActionValue(target: Required<SlackCardTarget>): string {
  return `${target.conversationId}:${target.escalationId}`;
}

/** Reads a card button's value (or the actions block id without its prefix); a value without ":" is an older card's bare conversation id. */
export function decodeCardActionValue(value: string): SlackCardTarget {
  const cut = value.lastIndexOf(":");
  if (cut <= 0 || cut === value.length - 1) return { conversationId: value };
  return { conversationId: value.slice(0, cut), escalationId: value.slice(cut + 1) };
}

export interface SlackTeamInfo {
  key: string;
  displayName: string;
}

export interface ContextCardLinks {
  /** Permalink to the previous escalation's thread (transfers). */
  previousThreadUrl?: string;
  /** Permalink to the new thread, shown on a card that was transferred away. */
  newThreadUrl?: string;
}

export interface SlackMessageContent {
  text: string;
  blocks: KnownBlock[];
}

const REASON_LABELS: Record<EscalationReason, string> = {
  explicit_request: "Customer asked for a person",
  always_human: "Always handled by a person",
  priority_intent: "Priority request",
  low_confidence: "Assistant unsure",
  repeated_failure: "Customer repeating themselves",
  negative_sentiment: "Customer upset",
  money_threshold: "Amount over the limit",
  policy_exception: "Policy exception needed",
  tool_failure: "Order system failing",
  conversation_length: "Long conversation",
};

/** What a priority_intent card is about, in its header; other priority intents show their name. */
const PRIORITY_INTENT_LABELS: Record<string, string> = {
  cancel_order: "Cancellation",
  delete_account: "Account deletion",
  payment_issue: "Payment problem",
};

const PRIORITY_TEXT: Record<Priority, string> = { urgent: "Urgent", high: "High priority", normal: "Normal priority" };
const PRIORITY_EMOJI: Record<Priority, string> = {
  urgent: ":rotating_light:",
  high: ":large_orange_circle:",
  normal: ":large_blue_circle:",
};

const SENTIMENT_EMOJI = { negative: ":slightly_frowning_face:", neutral: ":neutral_face:", positive: ":slightly_smiling_face:" } as const;

/** How many customer messages the card quotes at most; the thread has the full transcript. */
export const CARD_KEY_MESSAGE_LIMIT = 5;

export function reasonLabel(reason: EscalationReason): string {
  return REASON_LABELS[reason] ?? reason;
}

/** `<!date^…>` renders in each reader's own time zone; the fallback is for clients that cannot. */
export function slackDate(ms: number, format = "{date_short_pretty} {time}"): string {
  const fallback = `${new Date(ms).toISOString().replace("T", " ").slice(0, 16)} UTC`;
  return `<!date^${Math.floor(ms / 1000)}^${format}|${fallback}>`;
}

export function agentMention(agent: AgentRef): string {
  const userId = slackUserIdOf(agent.id);
  return userId ? `<@${userId}>` : `*${escapeSlackText(agent.name)}*`;
}

function mrkdwn(text: string, limit = SLACK_SECTION_TEXT_LIMIT): MrkdwnElement {
  // verbatim: Slack must not auto-link names, URLs or @channel inside customer text.
  return { type: "mrkdwn", text: cutToLimit(text, limit), verbatim: true };
}

function section(text: string): SectionBlock {
  return { type: "section", text: mrkdwn(text) };
}

function quote(text: string): string {
  return text
    .split("\n")
    .map((line) => `>${line}`)
    .join("\n");
}

/** Every decision on the card names its source: a rule of the escalation policy, or the model's judgement. */
const DECIDED_BY: Record<DecisionSource, string> = { rule: "decided by a rule", model: "decided by the model" };

/** The header's "what": the intent for a priority request ("Cancellation"), else why it was escalated. */
function cardTopic(context: ContextPackage): string {
  const { reason } = context.escalation;
  if (reason !== "priority_intent" || context.intent === undefined) return reasonLabel(reason);
  const name = context.intent.replace(/_/g, " ");
  return PRIORITY_INTENT_LABELS[context.intent] ?? name.charAt(0).toUpperCase() + name.slice(1);
}

function teamName(teams: SlackTeamInfo[], key: string): string {
  return teams.find((t) => t.key === key)?.displayName ?? key;
}

function statusLine(status: CardStatus, teams: SlackTeamInfo[], links: ContextCardLinks): string {
  switch (status.kind) {
    case "waiting":
      return ":hourglass_flowing_sand: *Waiting for someone to claim*";
    case "claimed":
      return `:raising_hand: *Claimed by* ${agentMention(status.by)}: their replies in this thread go to the customer. Start a reply with \`//\` for an internal note.`;
    case "transferred": {
      const link = links.newThreadUrl ? ` — <${links.newThreadUrl}|continue in the new thread>` : "";
      return `:arrow_right: *Transferred to ${escapeSlackText(teamName(teams, status.toTeam))}*${link}`;
    }
    case "returned_to_bot":
      return `:robot_face: *Returned to bot* by ${agentMention(status.by)}`;
    case "resolved":
      return `:white_check_mark: *Resolved by* ${agentMention(status.by)}`;
    case "abandoned":
      return ":wave: *Customer withdrew* the request before anyone claimed it";
    case "customer_returned_to_bot":
      return ":robot_face: *The customer went back to the assistant*: replies here no longer reach them";
  }
}

function statusText(status: CardStatus, teams: SlackTeamInfo[], team: string): string {
  switch (status.kind) {
    case "waiting":
      return `waiting in ${teamName(teams, team)}`;
    case "claimed":
      return `claimed by ${status.by.name}`;
    case "transferred":
      return `transferred to ${teamName(teams, status.toTeam)}`;
    case "returned_to_bot":
      return "returned to bot";
    case "resolved":
      return `resolved by ${status.by.name}`;
    case "abandoned":
      return "customer withdrew";
    case "customer_returned_to_bot":
      return "the customer went back to the assistant";
  }
}

/**
 * The call back banner. The number to call is the customer's own WhatsApp number, shown in full only
 * here and only while someone may still have to call: a closed card keeps it masked.
 */
function callbackBanner(phone: string | undefined, status: CardStatus): string {
  if (status.kind !== "waiting" && status.kind !== "claimed") return ":telephone_receiver: *Call back requested*";
  return phone
    ? // A tel: link: the masking gate leaves Slack's own links whole, and this is the one number meant to be seen.
      `:telephone_receiver: *Call back requested*: call <tel:${phone.replace(/[^\d+]/g, "")}|${escapeSlackText(phone)}> (their WhatsApp number).`
    : ":telephone_receiver: *Call back requested*, but their number is unknown: ask for it in this thread.";
}

/** The footer's "when": how long it has waited, or who took it and when. */
function footerStatus(context: ContextPackage, status: CardStatus): string[] {
  const { escalation } = context;
  const at = (ms: number | undefined) => (ms === undefined ? "" : ` at ${slackDate(ms, "{time}")}`);
  switch (status.kind) {
    case "waiting":
      return [`Waiting since ${slackDate(context.waitingSince)}`, `Claim by ${slackDate(context.claimDeadline, "{time}")}`];
    case "claimed":
      return [`Claimed by ${agentMention(status.by)}${at(escalation.claimedAt)}`];
    case "resolved":
      return [`Resolved by ${agentMention(status.by)}${at(escalation.endedAt)}`];
    default:
      return escalation.endedAt === undefined ? [] : [`Ended${at(escalation.endedAt)}`];
  }
}

/** What the customer was told when queued while the team was closed (warmline.config.json messages.afterHours, callbackQueuedAfterHours). */
function afterHoursBanner(callback: boolean): string {
  return callback
    ? ":crescent_moon: *After hours*: the team was closed; the customer was told when it opens and that the call back comes then."
    : ":crescent_moon: *After hours*: the team was closed; the customer was told when it opens, that their message is waiting here, and that they can ask for a call back.";
}

/** A card held back by a Slack outage (src/engine/fallback.ts): how long it waited and the case that stood in for it. */
function lateBanner(escalation: ContextPackage["escalation"]): string {
  const fallback = escalation.fallbackCase!;
  const postedAt = fallback.cardPostedAt ?? fallback.cardRetriedAt ?? fallback.openedAt!;
  const waited = Math.max(1, Math.round((postedAt - fallback.waitingSince) / 60_000));
  const routes = fallback.routes?.join(" and ") ?? "the fallback route";
  return `:hourglass: *Posted late*: Slack could not be reached for ${waited} min, so case *${escapeSlackText(fallback.number)}* was opened by ${routes} at ${slackDate(fallback.openedAt!, "{time}")} and the customer was told its number.`;
}

/** How the conversation's previous escalation ended, for a card of a new escalation after a return to the assistant. */
function previousOutcome(previous: ContextPackage["previous"], teams: SlackTeamInfo[]): string {
  if (previous === undefined) return "see the previous thread";
  const where = ` (${escapeSlackText(teamName(teams, previous.team))})`;
  switch (previous.outcome) {
    case "returned_to_bot":
      return previous.returnedBy
        ? `returned to the assistant by ${agentMention(previous.returnedBy)}${where}`
        : `the customer went back to the assistant${where}`;
    case "abandoned":
      return `the customer withdrew the request${where}`;
    case "resolved":
      return `resolved${where}`;
    case "transferred":
      return `transferred${where}`;
  }
}

/** "Writes in Portuguese", and who on the rota speaks it. */
function languageField(language: string, speakers: readonly string[] = []): string {
  const ask = speakers.length > 0 ? `\nSpoken by ${speakers.map((id) => `<@${id}>`).join(", ")}` : "";
  return `*Writes in*\n${escapeSlackText(language)}${ask}`;
}

function button(text: string, actionId: string, value: string, style?: "primary" | "danger"): Button {
  return { type: "button", text: { type: "plain_text", text, emoji: true }, action_id: actionId, value, ...(style ? { style } : {}) };
}

function actionsBlock(context: ContextPackage, status: CardStatus, teams: SlackTeamInfo[]): ActionsBlock | undefined {
  if (status.kind !== "waiting" && status.kind !== "claimed") return undefined;
  const id = encodeCardActionValue({ conversationId: context.conversationId, escalationId: context.escalation.id });
  const blockId = SLACK_CARD_ACTIONS_BLOCK_PREFIX + id;
  if (id.length > SLACK_BUTTON_VALUE_LIMIT || blockId.length > SLACK_BLOCK_ID_LIMIT) {
    throw new WarmlineError(
      "input_invalid",
      `Conversation and escalation ids "${id.slice(0, 40)}…" are too long for a Slack button (${id.length} characters): together they must stay under ${SLACK_BLOCK_ID_LIMIT - SLACK_CARD_ACTIONS_BLOCK_PREFIX.length}.`,
    );
  }
  const elements: ActionsBlock["elements"] = [];
  if (status.kind === "waiting") elements.push(button(":raising_hand: Claim", SLACK_ACTION_IDS.claim, id, "primary"));
  else elements.push(button("Release", SLACK_ACTION_IDS.release, id));
  const options: PlainTextOption[] = teams
    .filter((team) => team.key !== context.escalation.team)
    .slice(0, 100)
    .map((team) => ({
      text: { type: "plain_text", text: cutToLimit(escapeSlackPlainText(team.displayName), SLACK_OPTION_TEXT_LIMIT, "…") },
      value: team.key.slice(0, SLACK_OPTION_VALUE_LIMIT),
    }));
  if (options.length > 0) {
    elements.push({
      type: "static_select",
      action_id: SLACK_ACTION_IDS.transfer,
      placeholder: { type: "plain_text", text: "Transfer to…" },
      options,
    });
  }
  elements.push(button(":robot_face: Return to bot", SLACK_ACTION_IDS.returnToBot, id));
  elements.push({
    ...button(":white_check_mark: Resolve", SLACK_ACTION_IDS.resolve, id),
    confirm: {
      title: { type: "plain_text", text: "Resolve this conversation?" },
      text: { type: "plain_text", text: "The customer gets the satisfaction survey and the thread stops relaying." },
      confirm: { type: "plain_text", text: "Resolve" },
      deny: { type: "plain_text", text: "Cancel" },
    },
  });
  return { type: "actions", block_id: blockId, elements };
}

/**
 * The context card: everything an agent needs to pick the conversation up without asking the
 * customer to repeat themselves. Re-rendered from (context, status) on every change.
 */
export function buildContextCard(
  context: ContextPackage,
  status: CardStatus,
  teams: SlackTeamInfo[],
  links: ContextCardLinks = {},
): SlackMessageContent {
  const { customer, escalation } = context;
  const priority = PRIORITY_TEXT[escalation.priority];
  const header: HeaderBlock = {
    type: "header",
    text: {
      type: "plain_text",
      emoji: true,
      text: cutToLimit(
        `${PRIORITY_EMOJI[escalation.priority]} ${priority} · ${cardTopic(context)} · ${teamName(teams, escalation.team)}`,
        SLACK_HEADER_TEXT_LIMIT,
      ),
    },
  };
  const blocks: KnownBlock[] = [header];

  if (escalation.callback) {
    blocks.push({ type: "context", elements: [mrkdwn(callbackBanner(customer.callbackPhone, status), SLACK_CONTEXT_TEXT_LIMIT)] });
  }
  if (escalation.afterHours) {
    blocks.push({ type: "context", elements: [mrkdwn(afterHoursBanner(escalation.callback === true), SLACK_CONTEXT_TEXT_LIMIT)] });
  }
  if (escalation.fallbackCase?.openedAt !== undefined) {
    blocks.push({ type: "context", elements: [mrkdwn(lateBanner(escalation), SLACK_CONTEXT_TEXT_LIMIT)] });
  }
  const previousLink = links.previousThreadUrl ? `<${links.previousThreadUrl}|Previous thread>` : undefined;
  if (escalation.level > 1 || escalation.transferNote !== undefined || context.previous?.outcome === "transferred") {
    const lines = [":arrows_counterclockwise: *Transferred here*"];
    if (escalation.transferNote) lines.push(`*Note from the previous team:*\n${quote(escapeSlackText(escalation.transferNote))}`);
    if (previousLink) lines.push(previousLink);
    blocks.push(section(lines.join("\n")));
  } else if (context.previous !== undefined || escalation.previousThread !== undefined) {
    const lines = [`:leftwards_arrow_with_hook: *Escalated before*: ${previousOutcome(context.previous, teams)}`];
    if (previousLink) lines.push(previousLink);
    blocks.push(section(lines.join("\n")));
  }

  const tier = customer.tier === "vip" ? ":star: VIP" : "Standard";
  blocks.push({
    type: "section",
    fields: [
      mrkdwn(`*Customer*\n${escapeSlackText(customer.name)}`, SLACK_SECTION_FIELD_LIMIT),
      mrkdwn(`*Phone*\n${escapeSlackText(customer.maskedPhone)}`, SLACK_SECTION_FIELD_LIMIT),
      mrkdwn(`*Tier*\n${tier}`, SLACK_SECTION_FIELD_LIMIT),
      mrkdwn(`*Past conversations*\n${customer.pastConversations}`, SLACK_SECTION_FIELD_LIMIT),
      mrkdwn(
        `*Sentiment*\n${SENTIMENT_EMOJI[context.sentiment.label]} ${context.sentiment.label} (${context.sentiment.score.toFixed(2)})`,
        SLACK_SECTION_FIELD_LIMIT,
      ),
      ...(customer.language ? [mrkdwn(languageField(customer.language.name, context.speakersOfLanguage), SLACK_SECTION_FIELD_LIMIT)] : []),
    ],
  });
  blocks.push(section(`*Why escalated* (${DECIDED_BY[escalation.decidedBy ?? "rule"]})\n${escapeSlackText(escalation.explanation)}`));
  blocks.push(section(`*Summary*${context.summaryBy === "model" ? " (written by the model)" : ""}\n${escapeSlackText(context.summary)}`));

  const tried = context.botActions.map((a) => {
    const mark = a.failed ? ":x:" : a.ok ? ":white_check_mark:" : ":heavy_minus_sign:";
    return `${mark} \`${escapeSlackText(a.action)}\`: ${escapeSlackText(a.result)}${a.failed ? " _(failed)_" : ""}`;
  });
  blocks.push(section(`*What the bot tried*\n${tried.length > 0 ? tried.join("\n") : "_Nothing: it handed over straight away._"}`));
  blocks.push(
    section(
      `*Suggested next step*\n${escapeSlackText(context.suggestedNextStep)}\n*Suggested opening line*\n${quote(escapeSlackText(context.suggestedOpening))}`,
    ),
  );

  const recent = context.keyMessages.slice(-CARD_KEY_MESSAGE_LIMIT);
  if (recent.length > 0) {
    const lines = recent.map((m) => `${quote(escapeSlackText(m.text))}\n_${slackDate(m.at, "{time}")}_`);
    blocks.push(section(`*Last messages from ${escapeSlackText(customer.name)}*\n${lines.join("\n")}`));
  }

  blocks.push({
    ...section("*Full transcript*: every message is in this thread."),
    accessory: button(":scroll: View full transcript", SLACK_ANALYTICS_ACTION_IDS.viewTranscript, context.conversationId),
  });

  blocks.push({ type: "divider" });
  blocks.push(section(statusLine(status, teams, links)));
  const actions = actionsBlock(context, status, teams);
  if (actions) blocks.push(actions);
  if (status.kind === "resolved") blocks.push(...feedbackBlocks(context.conversationId));

  const contextLine: ContextBlock = {
    type: "context",
    elements: [
      mrkdwn(
        [
          `Conversation \`${escapeSlackText(context.conversationId)}\``,
          ...footerStatus(context, status),
          ...(escalation.level > 1 ? [`Transfer #${escalation.level - 1}`] : []),
        ].join(" · "),
        SLACK_CONTEXT_TEXT_LIMIT,
      ),
    ],
  };
  blocks.push(contextLine);

  // The notification: who wants what, and where it stands.
  const text = cutToLimit(
    [priority, context.headline ?? customer.name, statusText(status, teams, escalation.team)].map(escapeSlackText).join(" · "),
    SLACK_MESSAGE_TEXT_LIMIT,
  );
  return { text, blocks: limitBlocks(blocks) };
}

/** On a resolved card: what the agent thinks of the handoff (one answer each, changeable), counted by analytics. */
function feedbackBlocks(conversationId: string): KnownBlock[] {
  return [
    {
      type: "context",
      elements: [
        mrkdwn(
          "*Feedback on this handoff* (helps tune when the bot hands over; click another answer to change yours):",
          SLACK_CONTEXT_TEXT_LIMIT,
        ),
      ],
    },
    {
      type: "actions",
      block_id: SLACK_FEEDBACK_BLOCK_PREFIX + conversationId.slice(0, SLACK_BLOCK_ID_LIMIT - SLACK_FEEDBACK_BLOCK_PREFIX.length),
      elements: [
        button(`:+1: ${SLACK_FEEDBACK_LABELS.right_call}`, SLACK_ANALYTICS_ACTION_IDS.rightCall, conversationId),
        button(
          `:robot_face: ${SLACK_FEEDBACK_LABELS.bot_should_have_handled}`,
          SLACK_ANALYTICS_ACTION_IDS.botShouldHaveHandled,
          conversationId,
        ),
        button(`:snail: ${SLACK_FEEDBACK_LABELS.escalated_too_late}`, SLACK_ANALYTICS_ACTION_IDS.escalatedTooLate, conversationId),
      ],
    },
  ];
}

export const SLACK_FEEDBACK_BLOCK_PREFIX = "warmline_feedback:";

/** Keeps a message within SLACK_MAX_BLOCKS, saying so in the last block. */
export function limitBlocks(blocks: KnownBlock[]): KnownBlock[] {
  if (blocks.length <= SLACK_MAX_BLOCKS) return blocks;
  return [...blocks.slice(0, SLACK_MAX_BLOCKS - 1), section(`_${CUT_MARKER}_`)];
}
