import type { WebClient } from "@slack/web-api";
import type { AgentRef } from "../../src/domain/conversation.js";
import type { Logger } from "../../src/ports/logger.js";
import { describeSlackError } from "./slack-errors.js";
import { encodeSlackAgentId } from "./slack-ids.js";

/** Bounded, so a busy workspace cannot grow the cache without limit. */
const SLACK_USER_CACHE_LIMIT = 5000;

/** Agent display names via users.info, cached per process (names rarely change mid-conversation). */
export class SlackUserDirectory {
  private readonly names = new Map<string, Promise<string>>();

  constructor(
    private readonly client: WebClient,
    private readonly logger: Logger,
  ) {}

  displayName(userId: string): Promise<string> {
    const cached = this.names.get(userId);
    if (cached) return cached;
    const lookup = this.lookUp(userId);
    if (this.names.size >= SLACK_USER_CACHE_LIMIT) this.names.delete(this.names.keys().next().value!);
    this.names.set(userId, lookup);
    return lookup;
  }

  async agentRef(userId: string): Promise<AgentRef> {
    return { id: encodeSlackAgentId(userId), name: await this.displayName(userId) };
  }

  private async lookUp(userId: string): Promise<string> {
    try {
      const result = await this.client.users.info({ user: userId });
      const user = result.user;
      return user?.profile?.display_name || user?.real_name || user?.profile?.real_name || user?.name || userId;
    } catch (error) {
      // Not cached: the next message tries again. The id still identifies the agent meanwhile.
      this.names.delete(userId);
      const info = describeSlackError(error);
      this.logger.warn({ userId, slackError: info.code }, `Could not look up a Slack user's name (${info.code}): ${info.fix}`);
      return userId;
    }
  }
}
