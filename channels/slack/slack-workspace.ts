import type { WebClient } from "@slack/web-api";
import type { ContextPackage } from "../../src/domain/context-package.js";
import type { Attachment } from "../../src/domain/conversation.js";
import { WarmlineError } from "../../src/domain/errors.js";
import type { AgentWorkspace, CardStatus, FileFetchTarget, ReplyNotice, ThreadPost } from "../../src/ports/agent-workspace.js";
import type { DeliveryAttempt, DeliveryState } from "../../src/ports/customer-channel.js";
import type { Logger } from "../../src/ports/logger.js";
import { SlackCardPosts } from "./card-posts.js";
import type { SlackTeamInfo } from "./context-card.js";
import { SlackDeliveryReactions } from "./delivery-reactions.js";
import { SlackFileDownloads } from "./file-downloads.js";
import { noticeSlackReply } from "./reply-notices.js";
import { anyRotaMemberActive } from "./rota-presence.js";
import type { SlackMaskingGate } from "./masking-gate.js";
import { SlackPosting } from "./slack-posting.js";
import { SlackThreadEraser } from "./thread-erasure.js";
import { SlackPermalinks } from "./thread-permalinks.js";
import { SlackThreadPosts } from "./thread-posts.js";
import { SlackUserDirectory } from "./user-directory.js";

export { SLACK_DELIVERY_REACTIONS } from "./delivery-reactions.js";
export { SLACK_OUTBOX_EVENT_TYPE } from "./in-doubt-posts.js";
export { SLACK_ERASED_CARD_TEXT } from "./thread-erasure.js";

/** reachable(): Slack not answering auth.test within this counts as down. */
const SLACK_REACHABLE_TIMEOUT_MS = 10_000;

export interface SlackWorkspaceOptions {
  /** The App's client (app.client): it carries the bot token and the API URL. */
  client: WebClient;
  /** Team key → channel id (see resolveSlackChannels). */
  channels: Record<string, string>;
  opsChannel?: string;
  teams: SlackTeamInfo[];
  logger: Logger;
  /** The gate the client sends through; told each thread's customer country so national numbers are read as theirs. */
  maskingGate?: SlackMaskingGate;
}

/**
 * AgentWorkspace on Slack: context cards in team channels, conversations in their threads. It maps
 * teams to channels and hands each use to its module: card-posts, thread-posts, delivery-reactions,
 * thread-erasure, rota-presence; slack-posting is what they share.
 */
export class SlackWorkspaceAdapter implements AgentWorkspace {
  readonly name = "slack";
  readonly users: SlackUserDirectory;
  readonly teams: readonly SlackTeamInfo[];
  private readonly channels: Record<string, string>;
  private readonly posting: SlackPosting;
  /** Thread → customer name, so customer posts can be prefixed without the core passing it each time. */
  private readonly customerNames = new Map<string, string>();
  private readonly permalinks: SlackPermalinks;
  private readonly cards: SlackCardPosts;
  private readonly threadPosts: SlackThreadPosts;
  private readonly reactions: SlackDeliveryReactions;
  private readonly eraser: SlackThreadEraser;
  private readonly files: SlackFileDownloads;

  constructor(options: SlackWorkspaceOptions) {
    this.channels = { ...options.channels };
    this.teams = [...options.teams];
    const logger = options.logger.child({ component: "slack-workspace" });
    this.posting = new SlackPosting(options.client, logger, options.opsChannel);
    this.users = new SlackUserDirectory(options.client, logger);
    this.permalinks = new SlackPermalinks(options.client, logger);
    this.cards = new SlackCardPosts(this.posting, this.teams, this.permalinks, this.customerNames, options.maskingGate);
    this.threadPosts = new SlackThreadPosts(this.posting, this.customerNames);
    this.reactions = new SlackDeliveryReactions(this.posting);
    this.eraser = new SlackThreadEraser(this.posting);
    this.files = new SlackFileDownloads(this.posting);
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

  /** An unknown team rejects (with how to configure it) rather than throwing synchronously. */
  async postEscalation(context: ContextPackage, delivery?: DeliveryAttempt): Promise<{ thread: string }> {
    return this.cards.postEscalation(this.channelForTeam(context.escalation.team), context, delivery);
  }

  updateCard(thread: string, context: ContextPackage, status: CardStatus): Promise<void> {
    return this.cards.updateCard(thread, context, status);
  }

  postToThread(thread: string, post: ThreadPost, delivery?: DeliveryAttempt): Promise<void> {
    return this.threadPosts.postToThread(thread, post, delivery);
  }

  markDelivery(messageRef: string, state: DeliveryState): Promise<void> {
    return this.reactions.markDelivery(messageRef, state);
  }

  fetchFiles(attachments: Attachment[], where: FileFetchTarget): Promise<Attachment[]> {
    return this.files.fetchFiles(attachments, where);
  }

  /** Through the outbox: a failure throws, so it is retried. */
  noticeReply(notice: ReplyNotice): Promise<void> {
    return noticeSlackReply(this.posting, notice);
  }

  permalink(thread: string): Promise<string | undefined> {
    return this.permalinks.get(thread);
  }

  /**
   * Never throws when called directly: it is how other failures get reported, so its own failure
   * is only logged. Through the outbox (with `delivery`) it throws, so the outbox retries.
   */
  notifyOps(text: string, delivery?: DeliveryAttempt): Promise<void> {
    return this.posting.notifyOps(text, delivery);
  }

  /** Anyone on the rota active in Slack now. An empty rota (anyone in the channel) or an unreadable presence counts as yes. */
  agentsAvailable(team: string, rota: readonly string[]): Promise<boolean> {
    return anyRotaMemberActive(this.posting.client, this.posting.logger, team, rota);
  }

  /** Whether Slack answers the bot's token now (auth.test): the fallback's signal to post the cards it held back. */
  async reachable(): Promise<boolean> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    // The client retries for minutes; the question is whether Slack answers now.
    const late = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), SLACK_REACHABLE_TIMEOUT_MS);
      timer.unref?.();
    });
    const answer = this.posting.client.auth.test().then(
      (result) => result.ok === true,
      () => false,
    );
    return Promise.race([answer, late]).finally(() => clearTimeout(timer));
  }

  /** A customer asked to be forgotten: the app's posts go (see SlackThreadEraser), and so does what this process remembers of the thread. */
  async eraseThread(thread: string): Promise<void> {
    await this.eraser.eraseThread(thread);
    this.customerNames.delete(thread);
    this.permalinks.forget(thread);
  }
}
