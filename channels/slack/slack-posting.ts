import type { WebClient } from "@slack/web-api";
import type { KnownBlock } from "@slack/types";
import type { WarmlineError } from "../../src/domain/errors.js";
import type { DeliveryAttempt } from "../../src/ports/customer-channel.js";
import type { Logger } from "../../src/ports/logger.js";
import { escapeSlackText } from "./escape.js";
import { findPostedOutboxKeys, outboxMetadata } from "./in-doubt-posts.js";
import { describeSlackError, isPermanentSlackError, slackDeliveryFailed } from "./slack-errors.js";
import { encodeSlackThreadRef, type SlackThreadRef } from "./slack-ids.js";

/**
 * What every part of the Slack workspace shares: the client, the logger, plain thread posts, and
 * how a failure is reported (logged, and told to the ops channel when a retry cannot fix it).
 */
export class SlackPosting {
  constructor(
    readonly client: WebClient,
    readonly logger: Logger,
    private readonly opsChannel?: string,
  ) {}

  /** Outbox keys already posted in a thread (or at the top of a channel) since `since`; see findPostedOutboxKeys. */
  postedKeys(channel: string, threadTs: string | undefined, since: number): Promise<Map<string, string>> {
    return findPostedOutboxKeys(this.client, this.logger, channel, threadTs, since);
  }

  async postText(ref: SlackThreadRef, text: string, key?: string, broadcast = false, blocks?: KnownBlock[]): Promise<void> {
    await this.client.chat.postMessage({
      channel: ref.channel,
      thread_ts: ref.threadTs,
      text,
      ...(blocks ? { blocks } : {}),
      unfurl_links: false,
      unfurl_media: false,
      reply_broadcast: broadcast,
      ...outboxMetadata(key),
    });
  }

  /** A short note in a thread; best effort, because it usually reports another failure. */
  async tryNote(ref: SlackThreadRef, text: string): Promise<void> {
    try {
      await this.postText(ref, text);
    } catch (error) {
      this.logger.warn(
        { thread: encodeSlackThreadRef(ref), slackError: describeSlackError(error).code },
        "Could not post a note in the thread either",
      );
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

  /**
   * Logs one clear line and returns the error for the caller (who may retry). Errors that a retry
   * cannot fix (not in channel, bad token) also go to the ops channel when `tellOps` (direct calls:
   * through the outbox, the engine reports a failure in the ops channel once it gives up).
   */
  async failed(method: string, error: unknown, log: Record<string, unknown>, where: string, tellOps = false): Promise<WarmlineError> {
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

/** Where a note only one person sees goes: them, in a channel (and thread). */
export interface EphemeralTarget {
  channel: string;
  user: string;
  threadTs?: string;
}

/** A note only `target.user` sees. One Slack refuses is logged, not thrown: it tells about the work, it is not the work. */
export async function postEphemeralNote(client: WebClient, logger: Logger, target: EphemeralTarget, text: string): Promise<void> {
  try {
    await client.chat.postEphemeral({
      channel: target.channel,
      user: target.user,
      text,
      ...(target.threadTs ? { thread_ts: target.threadTs } : {}),
    });
  } catch (error) {
    const info = describeSlackError(error);
    logger.warn({ channel: target.channel, slackError: info.code }, `Could not show an ephemeral message (${info.code}): ${info.fix}`);
  }
}

/** Runs a Slack call, treating the given error codes (an outcome already in place) as success. */
export async function ignoringSlackErrors(codes: readonly string[], call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch (error) {
    if (!codes.includes(describeSlackError(error).code)) throw error;
  }
}
