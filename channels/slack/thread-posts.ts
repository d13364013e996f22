import type { Attachment } from "../../src/domain/conversation.js";
import type { ThreadPost } from "../../src/ports/agent-workspace.js";
import type { DeliveryAttempt } from "../../src/ports/customer-channel.js";
import { escapeSlackText } from "./escape.js";
import { describeSlackError } from "./slack-errors.js";
import { decodeSlackThreadRef, slackUserIdOf, type SlackThreadRef } from "./slack-ids.js";
import type { SlackPosting } from "./slack-posting.js";
import { SLACK_MESSAGE_TEXT_LIMIT, cutToLimit } from "./slack-limits.js";
import { templateOfferBlocks } from "./template-listeners.js";
import { splitForSlack } from "./transcript-posts.js";

/** Ends a customer's post that was too long for one: the whole text follows as a file. */
export const LONG_MESSAGE_MARKER = "… (too long for one post: the whole message is in message.txt below)";

const isCustomerText = (post: ThreadPost) =>
  post.kind === "customer_message" || post.kind === "customer_edit" || post.kind === "customer_delete";

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

/** What happens in a conversation's thread after the card: customer messages and their files, notes, pings. */
export class SlackThreadPosts {
  constructor(
    private readonly posting: SlackPosting,
    /** Thread → customer name, set when the card is posted or updated. */
    private readonly customerNames: ReadonlyMap<string, string>,
  ) {}

  async postToThread(thread: string, post: ThreadPost, delivery?: DeliveryAttempt): Promise<void> {
    const ref = decodeSlackThreadRef(thread);
    const name = escapeSlackText(this.customerNames.get(thread) ?? "Customer");
    const text = renderSlackThreadPost(name, post);
    // A ping that names nobody calls the channel (@here): it is also shown there, where people watch, not only in the thread.
    const broadcast = post.kind === "ping" && post.anyone === true;
    // What the customer wrote is capped at one post; the rest goes in a file below it (see postLongCustomerText).
    const long = isCustomerText(post) && text.length > SLACK_MESSAGE_TEXT_LIMIT;
    const chunks = long ? [cutToLimit(text, SLACK_MESSAGE_TEXT_LIMIT, LONG_MESSAGE_MARKER)] : splitForSlack(text);
    let alreadyPosted = false;
    try {
      const posted = delivery?.inDoubt
        ? await this.posting.postedKeys(ref.channel, ref.threadTs, delivery.since)
        : new Map<string, string>();
      for (const [index, chunk] of chunks.entries()) {
        const key = delivery ? `${delivery.key}:${index}` : undefined;
        // The window-closed note carries the button that opens the template dialog, under its last chunk.
        const blocks =
          post.kind === "window_closed" && index === chunks.length - 1 ? templateOfferBlocks(chunk, post.templates) : undefined;
        if (key !== undefined && posted.has(key)) alreadyPosted = true;
        else await this.posting.postText(ref, chunk, key, broadcast, blocks);
      }
    } catch (error) {
      throw await this.posting.failed(
        "chat.postMessage",
        error,
        { thread, post: post.kind },
        `the thread in <#${ref.channel}>`,
        delivery === undefined,
      );
    }
    if (long && !alreadyPosted) await this.uploadLongText(ref, post, thread);
    if (post.kind === "customer_message") {
      for (const attachment of post.attachments ?? []) await this.uploadAttachment(ref, attachment, thread);
    }
  }

  /** The whole of a customer text too long for one post, as a text snippet in the thread (already masked by the engine). */
  private async uploadLongText(ref: SlackThreadRef, post: ThreadPost, thread: string): Promise<void> {
    const content =
      post.kind === "customer_message"
        ? post.text
        : post.kind === "customer_edit"
          ? `Was:\n${post.originalText}\n\nNow:\n${post.newText}`
          : post.kind === "customer_delete"
            ? post.originalText
            : "";
    await this.uploadAttachment(
      ref,
      { kind: "document", mimeType: "text/plain", filename: "message.txt", dataBase64: Buffer.from(content).toString("base64") },
      thread,
    );
  }

  private async uploadAttachment(ref: SlackThreadRef, attachment: Attachment, thread: string): Promise<void> {
    if (attachment.dataBase64 === undefined) return;
    const filename = attachment.filename ?? `${attachment.kind}.${DEFAULT_EXTENSIONS[attachment.kind]}`;
    try {
      await this.posting.client.files.uploadV2({
        channel_id: ref.channel,
        thread_ts: ref.threadTs,
        file: Buffer.from(attachment.dataBase64, "base64"),
        filename,
        ...(attachment.description ? { alt_text: attachment.description.slice(0, 1000) } : {}),
      });
    } catch (error) {
      // The message text is already in the thread: a retry would repeat it, so note and carry on.
      const info = describeSlackError(error);
      this.posting.logger.error(
        { thread, slackError: info.code, kind: attachment.kind },
        `Could not upload a customer attachment (${info.code}): ${info.fix}`,
      );
      await this.posting.tryNote(
        ref,
        `:warning: The customer sent ${escapeSlackText(attachment.kind)} \`${escapeSlackText(filename)}\` but it could not be shown here (Slack error \`${info.code}\`).`,
      );
    }
  }
}

/** A thread post as mrkdwn; `name` is the customer's name, already escaped. Everything else is escaped here. */
function renderSlackThreadPost(name: string, post: ThreadPost): string {
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
    case "window_closed":
      return `:hourglass: *Not sent to the customer:* ${escapeSlackText(post.reason)}${
        post.templates.length > 0
          ? " Use *Send a template* below."
          : " No templates are configured: add approved ones under whatsapp.templates in warmline.config.json."
      }`;
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
