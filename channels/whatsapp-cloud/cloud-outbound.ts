import type { Attachment } from "../../src/domain/conversation.js";
import { WarmlineError } from "../../src/domain/errors.js";
import type { OutboundCustomerMessage } from "../../src/ports/customer-channel.js";
import { splitForWhatsApp, WHATSAPP_CAPTION_LIMIT } from "../whatsapp/outbound-text.js";
import type { GraphClient } from "./cloud-graph.js";
import { uploadName } from "./cloud-media.js";

/** WhatsApp shows at most three reply buttons, each titled in at most 20 characters, under a body of at most 1,024. */
export const CLOUD_MAX_REPLY_BUTTONS = 3;
export const CLOUD_BUTTON_TITLE_LIMIT = 20;
export const CLOUD_INTERACTIVE_BODY_LIMIT = 1024;

/** Only these carry a caption; anything else gets the text as its own message first. */
const CAPTION_KINDS = new Set<Attachment["kind"]>(["image", "video", "document"]);
/** Attachment kinds the Cloud API sends as media (a location or contact travels as its description). */
const MEDIA_TYPES = new Set<Attachment["kind"]>(["image", "audio", "video", "document", "sticker"]);

type CloudPayload = Record<string, unknown>;

/**
 * The Cloud API messages an outbound message becomes, in order: a template alone; else the text
 * (split at 4,096 characters, or as reply buttons when it offers control words and fits), then each
 * attachment uploaded and sent by id, the first with the text as caption when it fits.
 */
export async function cloudPayloads(graph: GraphClient, message: OutboundCustomerMessage): Promise<CloudPayload[]> {
  if (message.template) {
    const { name, language, parameters } = message.template;
    const components = parameters.length > 0 ? [{ type: "body", parameters: parameters.map((text) => ({ type: "text", text })) }] : [];
    return [{ type: "template", template: { name, language: { code: language }, ...(components.length > 0 ? { components } : {}) } }];
  }
  const attachments = message.attachments ?? [];
  const media = attachments.filter((a) => a.dataBase64 && MEDIA_TYPES.has(a.kind));
  const described = attachments.filter((a) => !(a.dataBase64 && MEDIA_TYPES.has(a.kind)) && a.description).map((a) => a.description);
  const text = [message.text, ...described].filter((part) => part && part.trim() !== "").join("\n");
  if (text === "" && media.length === 0) {
    throw new WarmlineError("input_invalid", "Cannot send an empty WhatsApp message: give it text or an attachment with data.");
  }
  const first = media[0];
  const captionFirst = first !== undefined && text !== "" && CAPTION_KINDS.has(first.kind) && text.length <= WHATSAPP_CAPTION_LIMIT;
  const payloads: CloudPayload[] = captionFirst ? [] : textPayloads(text, message.replyChoices ?? []);
  for (const [index, attachment] of media.entries()) {
    const type = attachment.kind;
    const mimeType = attachment.mimeType ?? "application/octet-stream";
    const id = await graph.upload(Buffer.from(attachment.dataBase64 as string, "base64"), mimeType, uploadName(attachment));
    const body: Record<string, unknown> = { id };
    if (index === 0 && captionFirst) body.caption = text;
    if (type === "document") body.filename = uploadName(attachment);
    payloads.push({ type, [type]: body });
  }
  return payloads;
}

function textPayloads(text: string, choices: readonly string[]): CloudPayload[] {
  if (text === "") return [];
  const buttons = choices.filter((c) => c.length <= CLOUD_BUTTON_TITLE_LIMIT).slice(0, CLOUD_MAX_REPLY_BUTTONS);
  // Reply buttons titled with the control word: tapping one sends the word itself, so typing it keeps working too.
  if (buttons.length > 0 && text.length <= CLOUD_INTERACTIVE_BODY_LIMIT) {
    return [
      {
        type: "interactive",
        interactive: {
          type: "button",
          body: { text },
          action: { buttons: buttons.map((title) => ({ type: "reply", reply: { id: `warmline:${title}`, title } })) },
        },
      },
    ];
  }
  return splitForWhatsApp(text).map((body) => ({ type: "text", text: { body, preview_url: false } }));
}
