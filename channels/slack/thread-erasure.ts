import { decodeSlackThreadRef } from "./slack-ids.js";
import { ignoringSlackErrors, type SlackPosting } from "./slack-posting.js";

/** Replies read per conversations.replies page when erasing a thread. */
const SLACK_ERASE_PAGE_SIZE = 200;
/** What an erased conversation's card says while agents' replies (which the app cannot delete) remain under it. */
export const SLACK_ERASED_CARD_TEXT = "This conversation was erased on the customer's request.";

/** Erasure of the app's own posts in a thread, for a customer who asked to be forgotten. */
export class SlackThreadEraser {
  private identity?: Promise<{ userId?: string; botId?: string }>;

  constructor(private readonly posting: SlackPosting) {}

  /**
   * Deletes the app's own posts in the thread (transcript, relayed messages, notes), then the card.
   * Agents' replies cannot be deleted with a bot token; while any remain, the card stays and says
   * the conversation was erased on request.
   */
  async eraseThread(thread: string): Promise<void> {
    const { client, logger } = this.posting;
    const ref = decodeSlackThreadRef(thread);
    const log = { thread };
    try {
      const own = await this.ownIdentity();
      const isOwn = (m: { user?: string; bot_id?: string }) =>
        (own.botId !== undefined && m.bot_id === own.botId) || (own.userId !== undefined && m.user === own.userId);
      let othersRemain = false;
      let cursor: string | undefined;
      do {
        const page = await client.conversations.replies({
          channel: ref.channel,
          ts: ref.threadTs,
          limit: SLACK_ERASE_PAGE_SIZE,
          ...(cursor ? { cursor } : {}),
        });
        for (const message of page.messages ?? []) {
          if (!message.ts || message.ts === ref.threadTs) continue;
          if (isOwn(message))
            await ignoringSlackErrors(["message_not_found"], () => client.chat.delete({ channel: ref.channel, ts: message.ts! }));
          else othersRemain = true;
        }
        cursor = page.response_metadata?.next_cursor || undefined;
      } while (cursor);
      if (othersRemain) {
        await client.chat.update({
          channel: ref.channel,
          ts: ref.threadTs,
          text: SLACK_ERASED_CARD_TEXT,
          blocks: [{ type: "section", text: { type: "mrkdwn", text: `:wastebasket: ${SLACK_ERASED_CARD_TEXT}` } }],
        });
      } else {
        await ignoringSlackErrors(["message_not_found"], () => client.chat.delete({ channel: ref.channel, ts: ref.threadTs }));
      }
      logger.info({ ...log, agentRepliesKept: othersRemain }, "Thread erased on a customer's request");
    } catch (error) {
      throw await this.posting.failed("chat.delete", error, log, `the thread in <#${ref.channel}>`);
    }
  }

  /** Who "the app" is in message lists (auth.test), asked once. */
  private ownIdentity(): Promise<{ userId?: string; botId?: string }> {
    this.identity ??= this.posting.client.auth.test().then(
      (r) => ({ ...(r.user_id ? { userId: r.user_id } : {}), ...(r.bot_id ? { botId: r.bot_id } : {}) }),
      (error: unknown) => {
        this.identity = undefined;
        throw error;
      },
    );
    return this.identity;
  }
}
