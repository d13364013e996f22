import type { FileShareMessageEvent } from "@slack/types";
import type { Attachment } from "../../src/domain/conversation.js";
import type { FileFetchTarget } from "../../src/ports/agent-workspace.js";
import { decodeSlackMessageRef, decodeSlackThreadRef, slackUserIdOf } from "./slack-ids.js";
import { postEphemeralNote, type SlackPosting } from "./slack-posting.js";

/*
 * Files an agent shares in a thread reach the customer in two steps. The listener stores the reply with
 * each file as a reference (slackFileAttachments), so Slack gets its answer at once, whatever the files
 * weigh; the engine has the workspace download them (SlackFileDownloads) when it relays the reply.
 */

/** WhatsApp's media limit; larger files are refused with a note rather than downloaded. */
export const SLACK_FILE_DOWNLOAD_LIMIT = 16 * 1024 * 1024;

type SlackFile = NonNullable<FileShareMessageEvent["files"]>[number];

function kindOf(mimetype: string | undefined): Attachment["kind"] {
  if (mimetype?.startsWith("image/")) return "image";
  if (mimetype?.startsWith("audio/")) return "audio";
  if (mimetype?.startsWith("video/")) return "video";
  return "document";
}

/** A reply's Slack files as attachments that still live in Slack: nothing is downloaded here. */
export function slackFileAttachments(files: readonly SlackFile[]): Attachment[] {
  return files.map((file) => {
    const url = file.url_private_download ?? file.url_private;
    return {
      kind: kindOf(file.mimetype),
      ...(file.mimetype ? { mimeType: file.mimetype } : {}),
      ...(file.name ? { filename: file.name } : {}),
      ...(file.title ? { description: file.title } : {}),
      workspaceFile: { id: file.id, bytes: file.size, ...(url ? { url } : {}) },
    };
  });
}

/** Downloads the files of a reply being relayed (AgentWorkspace.fetchFiles), with the bot token, from Slack's own hosts only. */
export class SlackFileDownloads {
  private readonly allowedHosts: ReadonlySet<string>;

  constructor(private readonly posting: SlackPosting) {
    this.allowedHosts = new Set(["files.slack.com", new URL(posting.client.slackApiUrl).host]);
  }

  async fetchFiles(attachments: Attachment[], where: FileFetchTarget): Promise<Attachment[]> {
    const fetched: Attachment[] = [];
    for (const attachment of attachments) {
      const { workspaceFile, ...rest } = attachment;
      if (workspaceFile === undefined) {
        fetched.push(attachment);
        continue;
      }
      const label = attachment.filename ?? attachment.description ?? "a file";
      try {
        const result = await this.download(workspaceFile, label);
        if (typeof result === "string") fetched.push({ ...rest, dataBase64: result });
        else await this.tell(where, result.note);
      } catch (error) {
        this.posting.logger.warn(
          { fileId: workspaceFile.id, err: error },
          "Could not download a file shared in an escalation thread: check the app has the files:read scope",
        );
        await this.tell(where, `:warning: Could not attach ${label}; send it again in a moment.`);
      }
    }
    return fetched;
  }

  /** The file's bytes as base64, or why they are not fetched (told to the agent). Throws when the download fails. */
  private async download(file: NonNullable<Attachment["workspaceFile"]>, label: string): Promise<string | { note: string }> {
    const token = this.posting.client.token;
    if (!file.url || !token || !this.allowedHosts.has(new URL(file.url).host))
      return { note: `:warning: Could not attach ${label}: Slack gave no downloadable copy.` };
    if (file.bytes > SLACK_FILE_DOWNLOAD_LIMIT)
      return { note: `:warning: ${label} is over WhatsApp's 16 MB limit, so it was not sent. Share a link instead.` };
    // url_private needs the bot token (files:read); only ever sent to Slack's own hosts.
    const response = await fetch(file.url, { headers: { Authorization: `Bearer ${token}` } });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return Buffer.from(await response.arrayBuffer()).toString("base64");
  }

  /** An ephemeral note to the agent, in the reply's thread. */
  private async tell(where: FileFetchTarget, text: string): Promise<void> {
    const user = slackUserIdOf(where.agentId);
    if (user === undefined) return;
    const target = {
      channel: decodeSlackMessageRef(where.messageRef).channel,
      user,
      threadTs: decodeSlackThreadRef(where.thread).threadTs,
    };
    await postEphemeralNote(this.posting.client, this.posting.logger, target, text);
  }
}
