import type { Attachment } from "../../src/domain/conversation.js";
import type { InboundCustomerMessage } from "../../src/ports/customer-channel.js";
import { WHATSAPP_CHANNEL_NAME } from "../whatsapp/normalize-inbound.js";
import { cloudAddressOf } from "./cloud-address.js";
import type { GraphClient } from "./cloud-graph.js";
import { CLOUD_MEDIA_KINDS, type CloudMediaType, fetchCloudMedia } from "./cloud-media.js";
import type { CloudChangeValue, CloudInboundMessage } from "./cloud-webhook-schema.js";

export type CloudReadResult = { ok: true; message: InboundCustomerMessage } | { ok: false; reason: string };

const isMediaType = (type: string): type is CloudMediaType => type in CLOUD_MEDIA_KINDS;

/** The sender's name and phone as the webhook's `contacts` give them, matched by wa_id or user id. */
function senderOf(message: CloudInboundMessage, value: CloudChangeValue): { name?: string; phone?: string; userId?: string } {
  const contact = value.contacts?.find(
    (c) =>
      (message.from !== undefined && c.wa_id === message.from) ||
      (message.from_user_id !== undefined && c.user_id === message.from_user_id),
  );
  const phone = message.from ?? contact?.wa_id;
  const userId = message.from_user_id ?? contact?.user_id;
  const name = contact?.profile?.name?.trim();
  return { ...(name ? { name } : {}), ...(phone ? { phone } : {}), ...(userId ? { userId } : {}) };
}

/** What the customer said, and what they sent with it: the text, or the attachments that carry it. */
async function contentOf(message: CloudInboundMessage, graph: GraphClient): Promise<{ text: string; attachments?: Attachment[] } | string> {
  const { type } = message;
  if (type === "text") return message.text?.body.trim() ? { text: message.text.body } : "empty text message";
  if (isMediaType(type)) {
    const media = message[type];
    if (!media) return `${type} message without its media`;
    return { text: media.caption ?? "", attachments: [await fetchCloudMedia(graph, type, media)] };
  }
  if (type === "location" && message.location) {
    const { latitude, longitude, name, address } = message.location;
    const place = name ?? address;
    return {
      text: "",
      attachments: [{ kind: "location", description: `Location: ${latitude},${longitude}${place ? ` (${place})` : ""}` }],
    };
  }
  if (type === "contacts" && message.contacts?.length) {
    return {
      text: "",
      attachments: message.contacts.map((card) => {
        const name = card.name?.formatted_name ?? card.name?.first_name ?? "unnamed";
        const phones = (card.phones ?? []).map((p) => p.phone ?? (p.wa_id ? `+${p.wa_id}` : "")).filter(Boolean);
        return { kind: "contact" as const, description: `Contact: ${[name, ...phones].join(", ")}` };
      }),
    };
  }
  // A reaction reads like the emoji sent on its own; removing one (no emoji) says nothing.
  if (type === "reaction") return message.reaction?.emoji ? { text: message.reaction.emoji } : "a reaction was removed";
  // Reply buttons and list rows: the title is what the customer saw and picked (our buttons are titled with the keyword).
  if (type === "interactive") {
    const picked = message.interactive?.button_reply?.title ?? message.interactive?.list_reply?.title;
    return picked ? { text: picked } : "interactive message without a reply";
  }
  if (type === "button") return message.button?.text ? { text: message.button.text } : "template button without text";
  return `unsupported message type "${type}"`;
}

/** One webhook message in the channel-neutral shape, or why it is not one (a system message, no sender). */
export async function readCloudMessage(
  message: CloudInboundMessage,
  value: CloudChangeValue,
  deps: { graph: GraphClient; now: () => number },
): Promise<CloudReadResult> {
  const sender = senderOf(message, value);
  const address = cloudAddressOf(sender);
  if (!address) return { ok: false, reason: "message has neither a phone number nor a business-scoped user id" };
  const content = await contentOf(message, deps.graph);
  if (typeof content === "string") return { ok: false, reason: content };
  return {
    ok: true,
    message: {
      messageId: message.id,
      address,
      channel: WHATSAPP_CHANNEL_NAME,
      text: content.text,
      ...(content.attachments?.length ? { attachments: content.attachments } : {}),
      ...(sender.name ? { customerName: sender.name } : {}),
      ...(sender.phone ? { phone: `+${sender.phone.replace(/\D/g, "")}` } : {}),
      receivedAt: deps.now(),
    },
  };
}
