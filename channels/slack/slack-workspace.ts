import type { WebClient } from "@slack/web-api";
import type { ContextPackage } from "../../src/domain/context-package.js";
import type { Attachment } from "../../src/domain/conversation.js";
import { WarmlineError } from "../../src/domain/errors.js";
import type { AgentWorkspace, CardStatus, ThreadPost } from "../../src/ports/agent-workspace.js";
import type { DeliveryAttempt, DeliveryState } from "../../src/ports/customer-channel.js";
import type { Logger } from "../../src/ports/logger.js";
import { buildContextCard, type ContextCardLinks, type SlackTeamInfo } from "./context-card.js";
import { escapeSlackText } from "./escape.js";
import { describeSlackError, isPermanentSlackError, isUnreachableSlackError, slackDeliveryFailed } from "./slack-errors.js";
import { decodeSlackMessageRef, decodeSlackThreadRef, encodeSlackThreadRef, slackUserIdOf, type SlackThreadRef } from "./slack-ids.js";
import { buildTranscriptPosts, splitForSlack } from "./transcript-posts.js";
import { SlackUserDirectory } from "./user-directory.js";

export interface SlackWorkspaceOptions {
  /** The App's client (app.client): it carries the bot token and the API URL. */
  client: WebClient;
  /** Team key → channel id (see resolveSlackChannels). */
  channels: Record<string, string>;
  opsChannel?: string;
  teams: SlackTeamInfo[];
  logger: Logger;
}

/** Delivery state → reaction on the agent's message. Ranked so a late "delivered" never replaces "read". */
export const SLACK_DELIVERY_REACTIONS: Record<DeliveryState, { emoji: string; rank: number }> = {
  sent: { emoji: "outbox_tray", rank: 1 },
  delivered: { emoji: "white_check_mark", rank: 2 },
  read: { emoji: "eyes", rank: 3 },
  failed: { emoji: "x", rank: 4 },
};

/** Message metadata event type that carries an outbox item's id, so a retry can find an earlier copy. */
export const SLACK_OUTBOX_EVENT_TYPE = "warmline_outbox";
/** A resumed delivery reads pages of this size (Slack recommends at most 200), up to this many. */
const SLACK_RESUME_PAGE_SIZE = 200;
const SLACK_RESUME_MAX_PAGES = 25;
/** It looks this far before the first attempt, as our clock and Slack's may differ a little. */
const SLACK_RESUME_CLOCK_SKEW_MS = 60_000;

/** Replies read per conversations.replies page when erasing a thread. */
const SLACK_ERASE_PAGE_SIZE = 200;
/** What an erased conversation's card says while agents' replies (which the app cannot delete) remain under it. */
export const SLACK_ERASED_CARD_TEXT = "This conversation was erased on the customer's request.";

/** Per-process memory of the last reaction per message, bounded. */
const SLACK_REACTION_MEMORY_LIMIT = 10_000;

const ATTACHMENT_EMOJI: Record<Attachment["kind"], string> = {
  image: ":frame_with_picture:",
  audio: ":studio_microphone:",
  video: ":film_frames:",
  document: ":page_facing_up:",
  location: ":round_pushpin:",
  contact: ":bust_in_silhouette:",
  sticker: ":art:",
};

const DEFAULT_EXTENSIONS: Record<Attachment["kind"], string> = {
  image: "jpg",
  audio: "ogg",
  video: "mp4",
  document: "bin",
  location: "txt",
  contact: "vcf",
  sticker: "webp",
};

/** AgentWorkspace on Slack: context cards in team channels, conversations in their threads. */
export class SlackWorkspaceAdapter implements AgentWorkspace {
  readonly name = "slack";
  readonly users: SlackUserDirectory;
  readonly teams: readonly SlackTeamInfo[];
  private readonly client: WebClient;
  private readonly channels: Record<string, string>;
  private readonly opsChannel?: string;
  private readonly logger: Logger;
  /** Thread → customer name, so customer posts can be prefixed without the core passing it each time. */
  private readonly customerNames = new Map<string, string>();
  private readonly reactions = new Map<string, { emoji: string; rank: number }>();
  private readonly permalinks = new Map<string, string>();

  constructor(options: SlackWorkspaceOptions) {
    this.client = options.client;
    this.channels = { ...options.channels };
    this.opsChannel = options.opsChannel;
    this.teams = [...options.teams];
    this.logger = options.logger.child({ component: "slack-workspace" });
    this.users = new SlackUserDirectory(options.client, this.logger);
  }

  /** The team whose escalation channel this is, if any. */
  teamForChannel(channelId: string): string | undefined {
    return Object.entries(this.channels).find(([, id]) => id === channelId)?.[0];
  }

  channelForTeam(team: string): string {
    const channel = this.channels[team];
    if (channel === undefined) {
      throw new WarmlineError("unknown_team", `No Slack channel for team "${team}": add teams.${team}.channel to warmline.config.json.`);
    }
    return channel;
  }

  async postEscalation(context: ContextPackage, delivery?: DeliveryAttempt): Promise<{ thread: string }> {
    const team = context.escalation.team;
    const channel = this.channelForTeam(team);
    const card = buildContextCard(context, { kind: "waiting" }, [...this.teams], await this.cardLinks(context, { kind: "waiting" }));
    const log = { conversationId: context.conversationId, team, channel };
    let ts: string | undefined;
    try {
      if (delivery?.inDoubt) ts = (await this.postedKeys(channel, undefined, delivery.since)).get(delivery.key);
      if (ts === undefined) {
        const result = await this.client.chat.postMessage({
          channel,
          text: card.text,
          blocks: card.blocks,
          unfurl_links: false,
          unfurl_media: false,
          ...outboxMetadata(delivery?.key),
        });
        if (!result.ts) throw new Error("chat.postMessage returned no ts");
        ts = result.ts;
      }
    } catch (error) {
      throw await this.failed("chat.postMessage", error, log, `<#${channel}>`, delivery === undefined);
    }
    const ref: SlackThreadRef = { channel, threadTs: ts };
    const thread = encodeSlackThreadRef(ref);
    this.customerNames.set(thread, context.customer.name);
    this.logger.info({ ...log, thread }, "Context card posted");
    await this.postTranscript(ref, context, log, delivery);
    return { thread };
  }

  /**
   * Keys of Warmline's outbox messages already in a thread (or at the top of a channel) since a
   * time, with their ts: how an in-doubt delivery skips what an earlier attempt already posted.
   * Pages through everything since then: a long thread's latest posts are on its last page.
   */
  private async postedKeys(channel: string, threadTs: string | undefined, since: number): Promise<Map<string, string>> {
    const oldest = String(Math.max(0, since - SLACK_RESUME_CLOCK_SKEW_MS) / 1000);
    const keys = new Map<string, string>();
    let cursor: string | undefined;
    for (let page = 0; page < SLACK_RESUME_MAX_PAGES; page++) {
      const query = { channel, oldest, include_all_metadata: true, limit: SLACK_RESUME_PAGE_SIZE, ...(cursor ? { cursor } : {}) };
      const result =
        threadTs === undefined
          ? await this.client.conversations.history(query)
          : await this.client.conversations.replies({ ...query, ts: threadTs });
      for (const message of result.messages ?? []) {
        const metadata = message.metadata as { event_type?: string; event_payload?: { id?: unknown } } | undefined;
        const id = metadata?.event_payload?.id;
        if (metadata?.event_type === SLACK_OUTBOX_EVENT_TYPE && typeof id === "string" && message.ts) keys.set(id, message.ts);
      }
      cursor = result.response_metadata?.next_cursor || undefined;
      if (!cursor) return keys;
    }
    this.logger.warn(
      { channel, threadTs, pages: SLACK_RESUME_MAX_PAGES },
      "Stopped looking for an interrupted post's earlier copy after the page limit; it may be posted twice",
    );
    return keys;
  }

  /**
   * The transcript follows the card in its thread. A failure here does not fail the escalation
   * (the card, with its summary, is up); it is logged and noted in the thread where possible.
   */
  private async postTranscript(
    ref: SlackThreadRef,
    context: ContextPackage,
    log: Record<string, unknown>,
    delivery?: DeliveryAttempt,
  ): Promise<void> {
    const posts = buildTranscriptPosts(context.transcript);
    const posted = delivery?.inDoubt
      ? await this.postedKeys(ref.channel, ref.threadTs, delivery.since).catch(() => new Map<string, string>())
      : new Map<string, string>();
    for (const [index, text] of posts.entries()) {
      const key = delivery ? `${delivery.key}:transcript:${index}` : undefined;
      if (key !== undefined && posted.has(key)) continue;
      try {
        await this.postText(ref, text, key);
      } catch (error) {
        const info = describeSlackError(error);
        this.logger.error(
          { ...log, slackError: info.code, posted: index, of: posts.length },
          `Could not post the transcript (${info.code}): ${info.fix}`,
        );
        await this.tryNote(
          ref,
          `:warning: The rest of the transcript could not be posted (Slack error \`${info.code}\`). The card's summary and last messages still apply.`,
        );
        return;
      }
    }
  }

  async updateCard(thread: string, context: ContextPackage, status: CardStatus): Promise<void> {
    const ref = decodeSlackThreadRef(thread);
    this.customerNames.set(thread, context.customer.name);
    const card = buildContextCard(context, status, [...this.teams], await this.cardLinks(context, status));
    try {
      await this.client.chat.update({ channel: ref.channel, ts: ref.threadTs, text: card.text, blocks: card.blocks });
    } catch (error) {
      const failure = await this.failed(
        "chat.update",
        error,
        { conversationId: context.conversationId, thread, status: status.kind },
        `<#${ref.channel}>`,
      );
      // Out of the channel (or the token) the thread is unreachable too; the outbox reports it in the ops channel.
      const info = describeSlackError(error);
      if (!isUnreachableSlackError(info))
        await this.tryNote(
          ref,
          `:warning: The card above could not be updated (Slack error \`${info.code}\`); it is now: ${status.kind.replace(/_/g, " ")}.`,
        );
      throw failure;
    }
  }

  async postToThread(thread: string, post: ThreadPost, delivery?: DeliveryAttempt): Promise<void> {
    const ref = decodeSlackThreadRef(thread);
    const name = escapeSlackText(this.customerNames.get(thread) ?? "Customer");
    const text = this.renderPost(name, post);
    // A ping that names nobody calls the channel (@here): it is also shown there, where people watch, not only in the thread.
    const broadcast = post.kind === "ping" && post.anyone === true;
    try {
      const posted = delivery?.inDoubt ? await this.postedKeys(ref.channel, ref.threadTs, delivery.since) : new Map<string, string>();
      for (const [index, chunk] of splitForSlack(text).entries()) {
        const key = delivery ? `${delivery.key}:${index}` : undefined;
        if (key === undefined || !posted.has(key)) await this.postText(ref, chunk, key, broadcast);
      }
    } catch (error) {
      throw await this.failed(
        "chat.postMessage",
        error,
        { thread, post: post.kind },
        `the thread in <#${ref.channel}>`,
        delivery === undefined,
      );
    }
    if (post.kind === "customer_message") {
      for (const attachment of post.attachments ?? []) await this.uploadAttachment(ref, attachment, thread);
    }
  }

  private renderPost(name: string, post: ThreadPost): string {
    switch (post.kind) {
      case "customer_message": {
        const described = (post.attachments ?? [])
          .filter((a) => a.dataBase64 === undefined)
          .map((a) => `\n${ATTACHMENT_EMOJI[a.kind]} ${escapeSlackText(a.description ?? a.kind)}`);
        return `*${name}*: ${escapeSlackText(post.text)}${described.join("")}`;
      }
      case "customer_edit":
        return `:pencil2: *${name}* edited a message:\n*Was:* ${escapeSlackText(post.originalText)}\n*Now:* ${escapeSlackText(post.newText)}`;
      case "customer_delete":
        return `:wastebasket: *${name}* deleted a message: ~${escapeSlackText(post.originalText)}~`;
      case "system_note":
        return `:information_source: ${escapeSlackText(post.text)}`;
      case "survey_result": {
        const score = post.score === undefined ? "no score" : `${post.score}/5`;
        const helped = post.handoverHelped === undefined ? "not answered" : post.handoverHelped ? "yes" : "no";
        return `:bar_chart: *Survey:* ${score} · handover to a person helped: ${helped}`;
      }
      case "delivery_failed":
        return `:warning: *Not delivered to the customer:* ${escapeSlackText(post.reason)}`;
      case "post_failed":
        return `:warning: *${escapeSlackText(post.what.charAt(0).toUpperCase() + post.what.slice(1))} could not be posted here:* ${escapeSlackText(post.reason)}`;
      case "ping": {
        // The only post that mentions anyone: ids come from config and the engine, never from customer text.
        const mentions = [
          ...(post.anyone ? ["<!here>"] : []),
          ...(post.userGroup && /^S[A-Z0-9]+$/.test(post.userGroup) ? [`<!subteam^${post.userGroup}>`] : []),
          ...(post.rota ?? []).filter((id) => /^[UW][A-Z0-9]+$/.test(id)).map((id) => `<@${id}>`),
          ...(post.agents ?? [])
            .map((agent) => slackUserIdOf(agent.id))
            .filter((id): id is string => id !== undefined)
            .map((id) => `<@${id}>`),
        ];
        return `:bell: ${mentions.join(" ")}${mentions.length > 0 ? " " : ""}${escapeSlackText(post.text)}`;
      }
    }
  }

  private async uploadAttachment(ref: SlackThreadRef, attachment: Attachment, thread: string): Promise<void> {
    if (attachment.dataBase64 === undefined) return;
    const filename = attachment.filename ?? `${attachment.kind}.${DEFAULT_EXTENSIONS[attachment.kind]}`;
    try {
      await this.client.files.uploadV2({
        channel_id: ref.channel,
        thread_ts: ref.threadTs,
        file: Buffer.from(attachment.dataBase64, "base64"),
        filename,
        ...(attachment.description ? { alt_text: attachment.description.slice(0, 1000) } : {}),
      });
    } catch (error) {
      // The message text is already in the thread: a retry would repeat it, so note and carry on.
      const info = describeSlackError(error);
      this.logger.error(
        { thread, slackError: info.code, kind: attachment.kind },
        `Could not upload a customer attachment (${info.code}): ${info.fix}`,
      );
      await this.tryNote(
        ref,
        `:warning: The customer sent ${escapeSlackText(attachment.kind)} \`${escapeSlackText(filename)}\` but it could not be shown here (Slack error \`${info.code}\`).`,
      );
    }
  }

  async markDelivery(messageRef: string, state: DeliveryState): Promise<void> {
    const ref = decodeSlackMessageRef(messageRef);
    const next = SLACK_DELIVERY_REACTIONS[state];
    const previous = this.reactions.get(messageRef);
    if (previous && previous.rank >= next.rank) return;
    this.reactions.set(messageRef, next);
    if (this.reactions.size > SLACK_REACTION_MEMORY_LIMIT) this.reactions.delete(this.reactions.keys().next().value!);
    try {
      if (previous)
        await this.ignoring(["no_reaction"], () =>
          this.client.reactions.remove({ channel: ref.channel, timestamp: ref.ts, name: previous.emoji }),
        );
      await this.ignoring(["already_reacted"], () =>
        this.client.reactions.add({ channel: ref.channel, timestamp: ref.ts, name: next.emoji }),
      );
    } catch (error) {
      throw await this.failed("reactions.add", error, { messageRef, state }, `<#${ref.channel}>`);
    }
  }

  async permalink(thread: string): Promise<string | undefined> {
    const cached = this.permalinks.get(thread);
    if (cached) return cached;
    const ref = decodeSlackThreadRef(thread);
    try {
      const result = await this.client.chat.getPermalink({ channel: ref.channel, message_ts: ref.threadTs });
      if (result.permalink) this.permalinks.set(thread, result.permalink);
      return result.permalink;
    } catch (error) {
      const info = describeSlackError(error);
      this.logger.warn({ thread, slackError: info.code }, `Could not get a thread permalink (${info.code}): ${info.fix}`);
      return undefined;
    }
  }

  /**
   * Never throws when called directly: it is how other failures get reported, so its own failure
   * is only logged. Through the outbox (with `delivery`) it throws, so the outbox retries.
   */
  async notifyOps(text: string, delivery?: DeliveryAttempt): Promise<void> {
    if (this.opsChannel === undefined) {
      this.logger.warn({ note: text }, "No ops channel configured: set slack.opsChannel in warmline.config.json to see this in Slack");
      return;
    }
    const channel = this.opsChannel;
    try {
      if (delivery?.inDoubt && (await this.postedKeys(channel, undefined, delivery.since)).has(delivery.key)) return;
      await this.client.chat.postMessage({
        channel,
        text: `:rotating_light: ${escapeSlackText(text)}`,
        unfurl_links: false,
        ...outboxMetadata(delivery?.key),
      });
    } catch (error) {
      const info = describeSlackError(error);
      this.logger.error({ channel, slackError: info.code }, `Could not post to the ops channel (${info.code}): ${info.fix}`);
      if (delivery) throw slackDeliveryFailed("chat.postMessage", error, "the ops channel");
    }
  }

  /** Anyone on the rota active in Slack now. An empty rota (anyone in the channel) or an unreadable presence counts as yes. */
  async agentsAvailable(team: string, rota: readonly string[]): Promise<boolean> {
    if (rota.length === 0) return true;
    try {
      for (const user of rota) {
        const presence = await this.client.users.getPresence({ user });
        if (presence.presence === "active") return true;
      }
      return false;
    } catch (error) {
      const info = describeSlackError(error);
      this.logger.warn(
        { team, slackError: info.code },
        `Could not read the rota's presence (${info.code}): ${info.fix}; assuming someone is there`,
      );
      return true;
    }
  }

  /**
   * A customer asked to be forgotten: deletes the app's own posts in the thread (transcript, relayed
   * messages, notes), then the card. Agents' replies cannot be deleted with a bot token; while any
   * remain, the card stays and says the conversation was erased on request.
   */
  async eraseThread(thread: string): Promise<void> {
    const ref = decodeSlackThreadRef(thread);
    const log = { thread };
    try {
      const own = await this.ownIdentity();
      const isOwn = (m: { user?: string; bot_id?: string }) =>
        (own.botId !== undefined && m.bot_id === own.botId) || (own.userId !== undefined && m.user === own.userId);
      let othersRemain = false;
      let cursor: string | undefined;
      do {
        const page = await this.client.conversations.replies({
          channel: ref.channel,
          ts: ref.threadTs,
          limit: SLACK_ERASE_PAGE_SIZE,
          ...(cursor ? { cursor } : {}),
        });
        for (const message of page.messages ?? []) {
          if (!message.ts || message.ts === ref.threadTs) continue;
          if (isOwn(message))
            await this.ignoring(["message_not_found"], () => this.client.chat.delete({ channel: ref.channel, ts: message.ts! }));
          else othersRemain = true;
        }
        cursor = page.response_metadata?.next_cursor || undefined;
      } while (cursor);
      if (othersRemain) {
        await this.client.chat.update({
          channel: ref.channel,
          ts: ref.threadTs,
          text: SLACK_ERASED_CARD_TEXT,
          blocks: [{ type: "section", text: { type: "mrkdwn", text: `:wastebasket: ${SLACK_ERASED_CARD_TEXT}` } }],
        });
      } else {
        await this.ignoring(["message_not_found"], () => this.client.chat.delete({ channel: ref.channel, ts: ref.threadTs }));
      }
      this.customerNames.delete(thread);
      this.permalinks.delete(thread);
      this.logger.info({ ...log, agentRepliesKept: othersRemain }, "Thread erased on a customer's request");
    } catch (error) {
      throw await this.failed("chat.delete", error, log, `the thread in <#${ref.channel}>`);
    }
  }

  private identity?: Promise<{ userId?: string; botId?: string }>;
  /** Who "the app" is in message lists (auth.test), asked once. */
  private ownIdentity(): Promise<{ userId?: string; botId?: string }> {
    this.identity ??= this.client.auth.test().then(
      (r) => ({ ...(r.user_id ? { userId: r.user_id } : {}), ...(r.bot_id ? { botId: r.bot_id } : {}) }),
      (error: unknown) => {
        this.identity = undefined;
        throw error;
      },
    );
    return this.identity;
  }

  /** A short note in a thread; best effort, because it usually reports another failure. */
  private async tryNote(ref: SlackThreadRef, text: string): Promise<void> {
    try {
      await this.postText(ref, text);
    } catch (error) {
      this.logger.warn(
        { thread: encodeSlackThreadRef(ref), slackError: describeSlackError(error).code },
        "Could not post a note in the thread either",
      );
    }
  }

  private async postText(ref: SlackThreadRef, text: string, key?: string, broadcast = false): Promise<void> {
    await this.client.chat.postMessage({
      channel: ref.channel,
      thread_ts: ref.threadTs,
      text,
      unfurl_links: false,
      unfurl_media: false,
      reply_broadcast: broadcast,
      ...outboxMetadata(key),
    });
  }

  private async cardLinks(context: ContextPackage, status: CardStatus): Promise<ContextCardLinks> {
    const links: ContextCardLinks = {};
    if (context.escalation.previousThread) links.previousThreadUrl = await this.permalink(context.escalation.previousThread);
    if (status.kind === "transferred" && status.newThread) links.newThreadUrl = await this.permalink(status.newThread);
    return links;
  }

  private async ignoring(codes: string[], call: () => Promise<unknown>): Promise<void> {
    try {
      await call();
    } catch (error) {
      if (!codes.includes(describeSlackError(error).code)) throw error;
    }
  }

  /**
   * Logs one clear line and returns the error for the caller (who may retry). Errors that a retry
   * cannot fix (not in channel, bad token) also go to the ops channel when `tellOps` (direct calls:
   * through the outbox, the engine reports a failure in the ops channel once it gives up).
   */
  private async failed(
    method: string,
    error: unknown,
    log: Record<string, unknown>,
    where: string,
    tellOps = false,
  ): Promise<WarmlineError> {
    const info = describeSlackError(error);
    this.logger.error(
      { ...log, method, slackError: info.code, retryAfterSeconds: info.retryAfterSeconds },
      `Slack ${method} failed (${info.code}): ${info.fix}`,
    );
    if (tellOps && isPermanentSlackError(info) && this.opsChannel && !where.includes(this.opsChannel)) {
      await this.notifyOps(`Slack ${method} in ${where} failed with ${info.code}: ${info.fix}.`);
    }
    return slackDeliveryFailed(method, error, where);
  }
}

/** The metadata that marks a message as an outbox delivery; none for direct posts. */
function outboxMetadata(key: string | undefined): { metadata?: { event_type: string; event_payload: { id: string } } } {
  return key === undefined ? {} : { metadata: { event_type: SLACK_OUTBOX_EVENT_TYPE, event_payload: { id: key } } };
}
