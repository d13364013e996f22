import { createHash } from "node:crypto";
import type { Attachment } from "../domain/conversation.js";
import type { AgentWorkspace, FileFetchTarget } from "../ports/agent-workspace.js";
import type { ConversationStore, MediaBytes } from "../ports/conversation-store.js";

/*
 * An attachment's bytes are kept in the store beside their conversation (ConversationStore.saveMedia), not in
 * its transcript or outbox items: every read, write and cached copy of a conversation would otherwise carry
 * each photo it was sent, and the cache of hot conversations would grow with the photos, not their number.
 * A recorded attachment has a mediaId; its bytes are loaded again only to be sent on.
 */

/** `attachments` with their bytes kept in the store: each carries a mediaId instead. One write, before the entry's. */
export async function keepMedia(
  store: Pick<ConversationStore, "saveMedia">,
  conversationId: string,
  attachments: Attachment[] | undefined,
): Promise<Attachment[] | undefined> {
  if (!attachments?.some((attachment) => attachment.dataBase64 !== undefined)) return attachments;
  const media: MediaBytes[] = [];
  const kept = attachments.map(({ dataBase64, ...attachment }) => {
    if (dataBase64 === undefined) return attachment;
    // Named by content: a message processed again (a crash before its write) keeps its bytes under the same id.
    const id = createHash("sha256").update(dataBase64).digest("base64url");
    if (!media.some((m) => m.id === id)) media.push({ id, dataBase64 });
    return { ...attachment, mediaId: id };
  });
  await store.saveMedia(conversationId, media);
  return kept;
}

/**
 * `attachments` with the bytes of each kept one loaded, for a channel to send. One whose bytes are gone (its
 * conversation erased meanwhile) goes without them: the channel sends its description, if it has one.
 */
export async function withMediaBytes(
  store: Pick<ConversationStore, "loadMedia">,
  conversationId: string,
  attachments: Attachment[] | undefined,
): Promise<Attachment[] | undefined> {
  if (!attachments?.some((attachment) => attachment.mediaId !== undefined && attachment.dataBase64 === undefined)) return attachments;
  return Promise.all(
    attachments.map(async (attachment) => {
      if (attachment.mediaId === undefined || attachment.dataBase64 !== undefined) return attachment;
      const dataBase64 = await store.loadMedia(conversationId, attachment.mediaId);
      return dataBase64 === undefined ? attachment : { ...attachment, dataBase64 };
    }),
  );
}

/** `attachments` with the bytes of those still in the agents' workspace (Attachment.workspaceFile) fetched, for a reply being relayed. */
export async function withWorkspaceFiles(
  workspace: Pick<AgentWorkspace, "fetchFiles">,
  attachments: Attachment[] | undefined,
  where: FileFetchTarget,
): Promise<Attachment[] | undefined> {
  if (!workspace.fetchFiles || !attachments?.some((attachment) => attachment.workspaceFile !== undefined)) return attachments;
  return workspace.fetchFiles(attachments, where);
}
