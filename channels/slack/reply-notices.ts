import type { ReplyNotice } from "../../src/ports/agent-workspace.js";
import { decodeSlackAgentId, decodeSlackMessageRef, decodeSlackThreadRef } from "./slack-ids.js";
import { ignoringSlackErrors, type SlackPosting } from "./slack-posting.js";

/** Reaction on agent messages that stayed internal (notes, or replies from someone who has not claimed). */
export const SLACK_INTERNAL_NOTE_REACTION = "lock";
/** Reaction on an agent message Warmline could not match to any conversation. */
export const SLACK_UNMATCHED_REPLY_REACTION = "warning";

const NOTICE_TEXT: Record<ReplyNotice["reason"], string> = {
  internal_note: ":lock: Internal note: not sent to the customer.",
  not_claimant:
    ":lock: Internal note: not sent to the customer. Only the agent who claimed the conversation talks to the customer; claim it first.",
  not_open: ":lock: Not sent to the customer: this conversation is no longer with a person.",
  no_content: ":warning: Not sent to the customer: none of its files could be attached (see why above), and it has no text.",
  unknown_thread:
    ":warning: Not sent to the customer: Warmline could not match this thread to a conversation (its card was never recorded, or the conversation was deleted). Ask in the ops channel, and reach the customer another way.",
};

/** Tells an agent, on their own message, why it did not reach the customer: a reaction, and a message only they see. */
export async function noticeSlackReply(posting: SlackPosting, notice: ReplyNotice): Promise<void> {
  const { client } = posting;
  const message = decodeSlackMessageRef(notice.messageRef);
  const thread = decodeSlackThreadRef(notice.thread);
  const name =
    notice.reason === "unknown_thread" || notice.reason === "no_content" ? SLACK_UNMATCHED_REPLY_REACTION : SLACK_INTERNAL_NOTE_REACTION;
  try {
    await ignoringSlackErrors(["already_reacted"], () => client.reactions.add({ channel: message.channel, timestamp: message.ts, name }));
    await client.chat.postEphemeral({
      channel: thread.channel,
      user: decodeSlackAgentId(notice.agentId),
      thread_ts: thread.threadTs,
      text: NOTICE_TEXT[notice.reason],
    });
  } catch (error) {
    throw await posting.failed(
      "chat.postEphemeral",
      error,
      { messageRef: notice.messageRef, reason: notice.reason },
      `<#${thread.channel}>`,
    );
  }
}
