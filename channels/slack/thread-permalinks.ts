import type { Logger } from "../../src/ports/logger.js";
import { describeSlackError } from "./slack-errors.js";
import { decodeSlackThreadRef } from "./slack-ids.js";
import type { WebClient } from "@slack/web-api";

/** Thread permalinks via chat.getPermalink, cached per process (a message's link never changes). */
export class SlackPermalinks {
  private readonly links = new Map<string, string>();

  constructor(
    private readonly client: WebClient,
    private readonly logger: Logger,
  ) {}

  /** The thread's link, or undefined (logged) when Slack cannot give one. */
  async get(thread: string): Promise<string | undefined> {
    const cached = this.links.get(thread);
    if (cached) return cached;
    const ref = decodeSlackThreadRef(thread);
    try {
      const result = await this.client.chat.getPermalink({ channel: ref.channel, message_ts: ref.threadTs });
      if (result.permalink) this.links.set(thread, result.permalink);
      return result.permalink;
    } catch (error) {
      const info = describeSlackError(error);
      this.logger.warn({ thread, slackError: info.code }, `Could not get a thread permalink (${info.code}): ${info.fix}`);
      return undefined;
    }
  }

  forget(thread: string): void {
    this.links.delete(thread);
  }
}
