import type { App, BlockAction, ButtonAction, StaticSelectAction } from "@slack/bolt";
import type {
  AllMessageEvents,
  FileShareMessageEvent,
  GenericMessageEvent,
  MessageChangedEvent,
  ThreadBroadcastMessageEvent,
} from "@slack/types";
import type { WarmlineConfig } from "../../src/config/schema.js";
import type { AgentRef, Attachment } from "../../src/domain/conversation.js";
import { isWarmlineError } from "../../src/domain/errors.js";
import { readAgentReply } from "../../src/domain/internal-note.js";
import type { ActionRefusal, ActionResult, AdminActions, AgentActions } from "../../src/ports/agent-workspace.js";
import type { ConversationStore } from "../../src/ports/conversation-store.js";
import type { Logger } from "../../src/ports/logger.js";
import {
  SLACK_ACTION_IDS,
  SLACK_CARD_ACTIONS_BLOCK_PREFIX,
  agentMention,
  decodeCardActionValue,
  type SlackCardTarget,
} from "./context-card.js";
import { mentionedSlackUserIds, mrkdwnToWhatsApp } from "./mrkdwn-to-whatsapp.js";
import { slackFileAttachments } from "./file-downloads.js";
import { describeSlackError } from "./slack-errors.js";
import { type EphemeralTarget, postEphemeralNote } from "./slack-posting.js";
import { encodeSlackMessageRef, encodeSlackThreadRef } from "./slack-ids.js";
import type { SlackWorkspaceAdapter } from "./slack-workspace.js";
import { registerWarmlineCommand } from "./warmline-command.js";
import type { SlackTeamAccess } from "./team-access.js";
import {
  SLACK_TRANSFER_NOTE_ACTION,
  SLACK_TRANSFER_NOTE_BLOCK,
  SLACK_TRANSFER_VIEW_ID,
  buildTransferModal,
  parseTransferRequest,
  type SlackTransferRequest,
} from "./transfer-modal.js";
import { listenersOf } from "./listener-router.js";

export { SLACK_INTERNAL_NOTE_REACTION } from "./reply-notices.js";
export { FORGET_ANSWER_WITHIN_MS, SLACK_COMMAND, formatStatus } from "./warmline-command.js";

export interface SlackListenerDeps {
  actions: AgentActions;
  admin: AdminActions;
  workspace: SlackWorkspaceAdapter;
  config: Pick<WarmlineConfig, "slack" | "teams">;
  logger: Logger;
  /** Which teams a user may see: `/warmline status` lists only those. */
  access: SlackTeamAccess;
  /** The app's own user id (auth.test); its messages are never relayed. */
  botUserId?: string;
  /** Where handled Slack event ids are remembered, across retries and restarts (the store). */
  idempotency?: Pick<ConversationStore, "markSeen" | "isSeen">;
}

/** Slack retries an event for about an hour; remembering it for a day covers that with room. */
export const SLACK_EVENT_DEDUPE_TTL_MS = 24 * 60 * 60 * 1000;

/** The keys one Events API delivery is known by: its event_id, and a message's client_msg_id. */
/**
 * Set on an event's context by a listener whose only effect was storing the event in the inbox. The
 * inbox keeps a received message's id for two weeks and refuses copies, so the event's own keys
 * would only repeat that (a store write per reply, before Slack gets its 200).
 */
const STORED_IN_INBOX = "warmlineStoredInInbox";

export function slackEventKeys(body: unknown): string[] {
  if (typeof body !== "object" || body === null) return [];
  const { event_id: eventId, event } = body as { event_id?: unknown; event?: { client_msg_id?: unknown; subtype?: unknown } };
  const keys: string[] = [];
  if (typeof eventId === "string" && eventId !== "") keys.push(`slack:event:${eventId}`);
  // Edits carry the original's client_msg_id inside message; only a new message's own id counts.
  if (event && event.subtype === undefined && typeof event.client_msg_id === "string" && event.client_msg_id !== "")
    keys.push(`slack:msg:${event.client_msg_id}`);
  return keys;
}

type ThreadMessage = GenericMessageEvent | FileShareMessageEvent | ThreadBroadcastMessageEvent;

/** How many rota members a refusal names before "and N more". */
const REFUSAL_NAMED_MEMBERS = 5;

/** Why the engine refused a card action, told to the person who clicked, naming who can act. */
export function describeRefusal(
  result: ActionRefusal,
  what: string,
  config: SlackListenerDeps["config"],
  channelForTeam: (team: string) => string | undefined,
): string {
  const admins = config.slack.admins.length > 0 ? ` or a Warmline admin (${config.slack.admins.map((id) => `<@${id}>`).join(", ")})` : "";
  switch (result.reason) {
    case "already_claimed":
      return `${agentMention(result.claimant)} already claimed this conversation.`;
    case "not_claimant":
      return `${agentMention(result.claimant)} has claimed this conversation, so only they${admins} can ${what} it.`;
    case "not_on_rota": {
      const team = config.teams[result.team];
      const name = team?.displayName ?? result.team;
      const rota = team?.rota ?? [];
      const named =
        rota
          .slice(0, REFUSAL_NAMED_MEMBERS)
          .map((id) => `<@${id}>`)
          .join(", ") + (rota.length > REFUSAL_NAMED_MEMBERS ? ` and ${rota.length - REFUSAL_NAMED_MEMBERS} more` : "");
      return `You're not on the ${name} rota, so you can't ${what} this one: ${named}${admins} can. An admin can add your user id to teams.${result.team}.rota in warmline.config.json.`;
    }
    case "stale_card": {
      const channel = channelForTeam(result.team);
      const where = channel ? `<#${channel}>` : `the ${config.teams[result.team]?.displayName ?? result.team} channel`;
      return `This card is out of date: use the newest card in ${where}.`;
    }
    case "same_team":
      return `It's already with ${config.teams[result.team]?.displayName ?? result.team}: pick another team.`;
    case "not_open":
      return "This conversation is no longer waiting for a person.";
  }
}

/**
 * Registers every Slack listener Warmline uses: the card's buttons, the transfer modal, thread
 * replies, and /warmline. Each acks first, and answers failures to the person who acted.
 */
export function registerSlackListeners(app: App, deps: SlackListenerDeps): void {
  const on = listenersOf(app);
  const { actions, admin, workspace, config } = deps;
  const logger = deps.logger.child({ component: "slack-listeners" });
  const client = app.client;

  const ephemeral = (target: EphemeralTarget, text: string) => postEphemeralNote(client, logger, target, text);

  /** Listener bodies never throw into Bolt: failures are logged and told to the person who acted. */
  const guarded = async (what: string, target: EphemeralTarget | undefined, run: () => Promise<void>): Promise<void> => {
    try {
      await run();
    } catch (error) {
      if (isWarmlineError(error)) {
        logger.warn({ what, code: error.code }, `Slack ${what} refused: ${error.message}`);
        if (target) await ephemeral(target, `:warning: ${error.message}`);
        return;
      }
      const info = describeSlackError(error);
      logger.error({ what, err: error, slackError: info.code }, `Slack ${what} failed unexpectedly`);
      if (target)
        await ephemeral(
          target,
          ":warning: That didn't work because of an unexpected error; it is in Warmline's log. Try again in a moment.",
        );
    }
  };

  const actionTarget = (body: BlockAction): EphemeralTarget | undefined =>
    body.channel ? { channel: body.channel.id, user: body.user.id, ...(body.message?.ts ? { threadTs: body.message.ts } : {}) } : undefined;

  const agentFor = (userId: string): Promise<AgentRef> => workspace.users.agentRef(userId);
  const channelForTeam = (team: string): string | undefined => {
    try {
      return workspace.channelForTeam(team);
    } catch {
      return undefined;
    }
  };
  const tellRefusal = async (target: EphemeralTarget | undefined, result: ActionResult, what: string): Promise<void> => {
    if (!result.ok && target) await ephemeral(target, describeRefusal(result, what, config, channelForTeam));
  };

  // ---- Idempotency: an event takes effect once across Slack's retries and our restarts -------
  // Recorded only after the listeners ran, so a crash mid-way lets Slack's retry through; the engine
  // de-duplicates what it records (the agent's message ref), which covers two copies racing.
  const seen = deps.idempotency;
  if (seen) {
    app.use(async ({ body, next, context }) => {
      const keys = slackEventKeys(body);
      if (keys.length === 0) return next();
      // Each key at once, not one after another: every store round trip here delays Slack's 200.
      const seenBefore = await Promise.all(keys.map((key) => seen.isSeen(key)));
      const duplicate = keys.find((_, i) => seenBefore[i]);
      if (duplicate !== undefined) {
        logger.debug({ key: duplicate, retryNum: context.retryNum }, "Duplicate Slack event ignored");
        return;
      }
      await next();
      // A reply whose only effect was its inbox entry needs no keys: the inbox refuses its copies by the message ref.
      if (context[STORED_IN_INBOX] === true) return;
      await Promise.all(keys.map((key) => seen.markSeen(key, SLACK_EVENT_DEDUPE_TTL_MS)));
    });
  }

  // ---- Card buttons -------------------------------------------------------------------------
  on.action<BlockAction<ButtonAction>>(SLACK_ACTION_IDS.claim, async ({ ack, body, action }) => {
    await ack();
    const target = actionTarget(body);
    await guarded("claim", target, async () => {
      const agent = await agentFor(body.user.id);
      const card = decodeCardActionValue(action.value ?? "");
      const result = await actions.claim(card.conversationId, agent, card.escalationId);
      // A double click: the second finds the clicker already holds it, which is what they wanted.
      const ownClaim = !result.ok && result.reason === "already_claimed" && result.claimant.id === agent.id;
      if (!ownClaim) await tellRefusal(target, result, "claim");
    });
  });

  const simpleButton = (actionId: string, what: string, run: (card: SlackCardTarget, agent: AgentRef) => Promise<ActionResult>) => {
    on.action<BlockAction<ButtonAction>>(actionId, async ({ ack, body, action }) => {
      await ack();
      const target = actionTarget(body);
      await guarded(what, target, async () =>
        tellRefusal(target, await run(decodeCardActionValue(action.value ?? ""), await agentFor(body.user.id)), what),
      );
    });
  };
  simpleButton(SLACK_ACTION_IDS.release, "release", (card, agent) => actions.release(card.conversationId, agent, card.escalationId));
  simpleButton(SLACK_ACTION_IDS.returnToBot, "return to the bot", (card, agent) =>
    actions.returnToBot(card.conversationId, agent, card.escalationId),
  );
  simpleButton(SLACK_ACTION_IDS.resolve, "resolve", (card, agent) => actions.resolve(card.conversationId, agent, card.escalationId));

  // ---- Transfer: pick a team on the card, then a modal asks for the note ---------------------
  // The engine is asked first, so nobody writes a note for a transfer it would refuse; the
  // submission asks again, since the conversation may change while the modal is open.
  on.action<BlockAction<StaticSelectAction>>(SLACK_ACTION_IDS.transfer, async ({ ack, body, action }) => {
    await ack();
    const target = actionTarget(body);
    await guarded("transfer", target, async () => {
      const card = decodeCardActionValue(
        action.block_id.startsWith(SLACK_CARD_ACTIONS_BLOCK_PREFIX) ? action.block_id.slice(SLACK_CARD_ACTIONS_BLOCK_PREFIX.length) : "",
      );
      const request: SlackTransferRequest = {
        ...card,
        toTeam: action.selected_option.value,
        channel: body.channel?.id ?? "",
        ...(body.message?.ts ? { messageTs: body.message.ts } : {}),
      };
      const allowed = await actions.mayTransfer(request.conversationId, await agentFor(body.user.id), request.toTeam, request.escalationId);
      if (!allowed.ok) return tellRefusal(target, allowed, "transfer");
      const teamName = config.teams[request.toTeam]?.displayName ?? request.toTeam;
      await client.views.open({ trigger_id: body.trigger_id, view: buildTransferModal(request, teamName) });
    });
  });

  on.view(SLACK_TRANSFER_VIEW_ID, async ({ ack, body, view }) => {
    const note = view.state.values[SLACK_TRANSFER_NOTE_BLOCK]?.[SLACK_TRANSFER_NOTE_ACTION]?.value?.trim() ?? "";
    if (note === "") {
      await ack({
        response_action: "errors",
        errors: { [SLACK_TRANSFER_NOTE_BLOCK]: "Write a line for the next team: what they need to know." },
      });
      return;
    }
    await ack();
    let target: EphemeralTarget | undefined;
    await guarded("transfer", undefined, async () => {
      const request = parseTransferRequest(view.private_metadata);
      target = { channel: request.channel, user: body.user.id, ...(request.messageTs ? { threadTs: request.messageTs } : {}) };
      const to = target;
      await guarded("transfer", to, async () =>
        tellRefusal(
          to,
          await actions.transfer(request.conversationId, await agentFor(body.user.id), request.toTeam, note, request.escalationId),
          "transfer",
        ),
      );
    });
  });

  // ---- Thread replies -----------------------------------------------------------------------
  /**
   * Stores the reply in the inbox; its files as references, downloaded only when it is relayed (see
   * file-downloads.ts). True when storing it was all it did (no note to the agent).
   */
  const onThreadMessage = async (message: ThreadMessage): Promise<boolean> => {
    const threadTs = message.thread_ts!;
    const user = message.user;
    const target: EphemeralTarget = { channel: message.channel, user, threadTs };
    let reply: { thread: string; text: string; messageRef: string; attachments?: Attachment[] } | undefined;
    await guarded("thread reply", target, async () => {
      const thread = encodeSlackThreadRef({ channel: message.channel, threadTs });
      const messageRef = encodeSlackMessageRef({ channel: message.channel, ts: message.ts });
      const raw = message.text ?? "";
      const names = new Map<string, string>();
      for (const id of mentionedSlackUserIds(raw)) names.set(id, await workspace.users.displayName(id));
      const text = mrkdwnToWhatsApp(raw, { userName: (id) => names.get(id) });
      const files = "files" in message && message.files ? message.files : [];
      const attachments = files.length > 0 ? slackFileAttachments(files) : undefined;
      if (text === "" && attachments === undefined) return;
      reply = { thread, text, messageRef, ...(attachments ? { attachments } : {}) };
    });
    // Slack gets its answer once the reply is stored, not processed: under load processing queues behind the thread's
    // earlier work and would pass Slack's 3 s. Whatever it comes to, the engine tells the agent on their message.
    // Not guarded: when the store cannot take it, Slack must hear an error and send it again (see app.error).
    if (!reply) return false;
    await actions.receiveAgentReply(reply.thread, await agentFor(user), reply.text, reply.messageRef, reply.attachments);
    return true;
  };

  const onEdit = async (event: MessageChangedEvent): Promise<void> => {
    const edited = event.message as AllMessageEvents;
    const previous = event.previous_message as AllMessageEvents | undefined;
    if (!("user" in edited) || !edited.user || edited.user === deps.botUserId || ("bot_id" in edited && edited.bot_id)) return;
    if (!("thread_ts" in edited) || !edited.thread_ts || edited.thread_ts === edited.ts) return;
    const before = previous && "text" in previous ? previous.text : undefined;
    const after = "text" in edited ? edited.text : undefined;
    // Unfurls and reactions also arrive as message_changed; only a changed text is an edit.
    if (before === after || (after !== undefined && readAgentReply(after, { notesByDefault: config.slack.notesByDefault }).internal))
      return;
    await ephemeral(
      { channel: event.channel, user: edited.user, threadTs: edited.thread_ts },
      ":pencil2: Edits aren't sent to the customer: they already have your original message. Send a new reply to correct it.",
    );
  };

  on.event("message", async ({ event, context }) => {
    const message = event as AllMessageEvents;
    if (!("channel" in message) || workspace.teamForChannel(message.channel) === undefined) return;
    if (message.subtype === "message_changed") {
      await guarded("edit", undefined, () => onEdit(message));
      return;
    }
    // Plain replies and file shares only: joins, topic changes, deletions and bot posts are not agent replies.
    if (message.subtype !== undefined && message.subtype !== "file_share" && message.subtype !== "thread_broadcast") return;
    if (("bot_id" in message && message.bot_id) || !message.user || message.user === deps.botUserId || message.user === context.botUserId)
      return;
    if (!message.thread_ts || message.thread_ts === message.ts) return;
    // A thread someone else started is not an escalation; one Warmline started is, even before its card is recorded.
    const parent = "parent_user_id" in message ? message.parent_user_id : undefined;
    if (parent !== undefined && parent !== (deps.botUserId || context.botUserId)) return;
    if (await onThreadMessage(message)) context[STORED_IN_INBOX] = true;
  });

  // ---- /warmline ----------------------------------------------------------------------------
  registerWarmlineCommand(app, { admin, config, access: deps.access, logger, agentFor, ephemeral });

  app.error(async (error) => {
    logger.error({ err: error, code: error.code }, "Unhandled error in a Slack listener");
    // Rethrown, Bolt answers 500 and Slack sends the event again: nothing was stored, so nothing may be acknowledged.
    if (isWarmlineError(error, "store_unavailable")) throw error;
  });
}
