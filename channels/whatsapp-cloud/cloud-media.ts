import type { Attachment, AttachmentKind } from "../../src/domain/conversation.js";
import { WHATSAPP_INLINE_MEDIA_LIMIT_BYTES } from "../whatsapp/normalize-inbound.js";
import type { GraphClient } from "./cloud-graph.js";

/** The Cloud API's media message types and the attachment each becomes. */
export const CLOUD_MEDIA_KINDS = {
  image: "image",
  audio: "audio",
  video: "video",
  document: "document",
  sticker: "sticker",
} as const satisfies Record<string, AttachmentKind>;
export type CloudMediaType = keyof typeof CLOUD_MEDIA_KINDS;

const MEDIA_LABELS: Record<CloudMediaType, string> = {
  image: "Image",
  audio: "Audio",
  video: "Video",
  document: "Document",
  sticker: "Sticker",
};

export interface CloudMediaRef {
  id: string;
  mime_type?: string;
  caption?: string;
  filename?: string;
  voice?: boolean;
}

/**
 * An inbound media message as an attachment: its URL asked for by id, then downloaded with the
 * bearer token straight away (the URL lives 5 minutes). Media too large to carry, or that could
 * not be fetched, becomes a description saying so, as on the WhatsApp Web channel.
 */
export async function fetchCloudMedia(graph: GraphClient, type: CloudMediaType, media: CloudMediaRef): Promise<Attachment> {
  const kind = CLOUD_MEDIA_KINDS[type];
  const label = media.caption?.trim() || (type === "audio" && media.voice ? "Voice note" : MEDIA_LABELS[type]);
  const named = (a: Attachment): Attachment => (media.filename ? { ...a, filename: media.filename } : a);
  try {
    const info = await graph.mediaInfo(media.id);
    const mimeType = media.mime_type ?? info.mimeType ?? "application/octet-stream";
    if (info.size !== undefined && info.size > WHATSAPP_INLINE_MEDIA_LIMIT_BYTES) {
      const mb = (info.size / (1024 * 1024)).toFixed(1);
      return named({
        kind,
        mimeType,
        description: `${label} (${mb} MB, too large to carry; see it in WhatsApp Manager or the customer's chat)`,
      });
    }
    const data = await graph.download(info.url);
    return named({ kind, mimeType, dataBase64: data.toString("base64"), description: label });
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    return named({ kind, description: `${label} (not downloaded: ${why})` });
  }
}

/** What to call a file uploaded without a name: Meta shows it to the customer for documents. */
export function uploadName(attachment: Attachment): string {
  if (attachment.filename) return attachment.filename;
  const extension = attachment.mimeType?.split("/")[1]?.split(";")[0] ?? "bin";
  return `${attachment.kind}.${extension}`;
}
