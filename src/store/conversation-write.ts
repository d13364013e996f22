import type { Conversation } from "../domain/conversation.js";
import { headOf, type StoredParts, transcriptChange } from "./conversation-cache.js";
import { indexEntryOf } from "./conversation-index.js";
import { serializeValueDocument } from "./keyv-document-codec.js";
import type { ConversationWrite } from "./store-backend.js";

/** The write of `conversation` over `base` (its stored version, if cached): only the transcript entries that changed. */
export function conversationWriteOf(
  conversation: Conversation,
  base: StoredParts | undefined,
): { write: ConversationWrite; parts: StoredParts } {
  const head = headOf(conversation);
  const headJson = JSON.stringify(head);
  const { write: transcript, parts } = transcriptChange(conversation, headJson, base);
  // Every store's Keyv serialises with DOCUMENT_CODEC: its document, from the JSON the cache keeps too.
  const document = serializeValueDocument(head, headJson);
  const index = indexEntryOf(conversation);
  const indexBefore = base?.legacy ? undefined : base?.index;
  const write: ConversationWrite = {
    id: conversation.id,
    version: conversation.version,
    document,
    index,
    ...(indexBefore ? { indexBefore } : {}),
    transcript,
  };
  return { write, parts: { ...parts, index } };
}
