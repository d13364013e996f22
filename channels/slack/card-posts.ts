import type { KnownBlock } from "@slack/types";
import type { ContextPackage } from "../../src/domain/context-package.js";
import type { CardStatus } from "../../src/ports/agent-workspace.js";
import type { DeliveryAttempt } from "../../src/ports/customer-channel.js";
import { buildContextCard, type ContextCardLinks, type SlackTeamInfo } from "./context-card.js";
import { outboxMetadata } from "./in-doubt-posts.js";
import { describeSlackError, isUnreachableSlackError } from "./slack-errors.js";
import { decodeSlackThreadRef, encodeSlackThreadRef, type SlackThreadRef } from "./slack-ids.js";
import type { SlackMaskingGate } from "./masking-gate.js";
import type { SlackPosting } from "./slack-posting.js";
import type { SlackPermalinks } from "./thread-permalinks.js";
import { buildTranscriptPosts } from "./transcript-posts.js";

/** The context card at the top of a conversation's thread: posting it with its transcript, and keeping it current. */
export class SlackCardPosts {
  constructor(
    private readonly posting: SlackPosting,
    private readonly teams: readonly SlackTeamInfo[],
    private readonly permalinks: SlackPermalinks,
    /** Thread → customer name, shared with the thread posts that prefix customer messages with it. */
    private readonly customerNames: Map<string, string>,
    private readonly maskingGate?: SlackMaskingGate,
  ) {}

  /** Posts the card in the team's channel (once, even when a retry is in doubt), then the transcript under it. */
  async postEscalation(channel: string, context: ContextPackage, delivery?: DeliveryAttempt): Promise<{ thread: string }> {
    const { client, logger } = this.posting;
    const card = buildContextCard(context, { kind: "waiting" }, [...this.teams], await this.cardLinks(context, { kind: "waiting" }));
    const log = { conversationId: context.conversationId, team: context.escalation.team, channel };
    let ts: string | undefined;
    try {
      if (delivery?.inDoubt) ts = (await this.posting.postedKeys(channel, undefined, delivery.since)).get(delivery.key);
      if (ts === undefined) {
        const result = await client.chat.postMessage({
          channel,
          text: card.text,
          blocks: this.blocksJson(channel, undefined, card.blocks),
          unfurl_links: false,
          unfurl_media: false,
          ...outboxMetadata(delivery?.key),
        });
        if (!result.ts) throw new Error("chat.postMessage returned no ts");
        ts = result.ts;
      }
    } catch (error) {
      throw await this.posting.failed("chat.postMessage", error, log, `<#${channel}>`, delivery === undefined);
    }
    const ref: SlackThreadRef = { channel, threadTs: ts };
    const thread = encodeSlackThreadRef(ref);
    this.customerNames.set(thread, context.customer.name);
    this.maskingGate?.rememberRegion(channel, ts, context.customer.region);
    logger.info({ ...log, thread }, "Context card posted");
    await this.postTranscript(ref, context, log, delivery);
    return { thread };
  }

  async updateCard(thread: string, context: ContextPackage, status: CardStatus): Promise<void> {
    const ref = decodeSlackThreadRef(thread);
    this.customerNames.set(thread, context.customer.name);
    this.maskingGate?.rememberRegion(ref.channel, ref.threadTs, context.customer.region);
    const card = buildContextCard(context, status, [...this.teams], await this.cardLinks(context, status));
    try {
      await this.posting.client.chat.update({
        channel: ref.channel,
        ts: ref.threadTs,
        text: card.text,
        blocks: this.blocksJson(ref.channel, ref.threadTs, card.blocks),
      });
    } catch (error) {
      const failure = await this.posting.failed(
        "chat.update",
        error,
        { conversationId: context.conversationId, thread, status: status.kind },
        `<#${ref.channel}>`,
      );
      // Out of the channel (or the token) the thread is unreachable too; the outbox reports it in the ops channel.
      const info = describeSlackError(error);
      if (!isUnreachableSlackError(info))
        await this.posting.tryNote(
          ref,
          `:warning: The card above could not be updated (Slack error \`${info.code}\`); it is now: ${status.kind.replace(/_/g, " ")}.`,
        );
      throw failure;
    }
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
    let posted = new Map<string, string>();
    try {
      if (delivery?.inDoubt) posted = await this.posting.postedKeys(ref.channel, ref.threadTs, delivery.since);
    } catch (error) {
      // Not knowing which parts are up, posting them all could repeat them: the outbox retries the card
      // (found again by its metadata), then this check.
      throw await this.posting.failed("conversations.replies", error, log, `the thread in <#${ref.channel}>`);
    }
    for (const [index, text] of posts.entries()) {
      const key = delivery ? `${delivery.key}:transcript:${index}` : undefined;
      if (key !== undefined && posted.has(key)) continue;
      try {
        await this.posting.postText(ref, text, key);
      } catch (error) {
        const info = describeSlackError(error);
        this.posting.logger.error(
          { ...log, slackError: info.code, posted: index, of: posts.length },
          `Could not post the transcript (${info.code}): ${info.fix}`,
        );
        await this.posting.tryNote(
          ref,
          `:warning: The rest of the transcript could not be posted (Slack error \`${info.code}\`). The card's summary and last messages still apply.`,
        );
        return;
      }
    }
  }

  /**
   * The card's blocks as the JSON string Slack takes, masked by the gate here rather than read back
   * from the request: WebClient sends a string field as it is, so it neither copies the Block Kit
   * tree for its debug log nor serialises it, and the gate does not parse it again.
   */
  private blocksJson(channel: string, ts: string | undefined, blocks: KnownBlock[]): KnownBlock[] {
    const json = this.maskingGate ? this.maskingGate.maskBlocks(channel, ts, blocks) : JSON.stringify(blocks);
    // Typed as Block Kit for WebClient's argument types; Slack's Web API reads the form field as JSON either way.
    return json as unknown as KnownBlock[];
  }

  private async cardLinks(context: ContextPackage, status: CardStatus): Promise<ContextCardLinks> {
    const links: ContextCardLinks = {};
    if (context.escalation.previousThread) links.previousThreadUrl = await this.permalinks.get(context.escalation.previousThread);
    if (status.kind === "transferred" && status.newThread) links.newThreadUrl = await this.permalinks.get(status.newThread);
    return links;
  }
}
