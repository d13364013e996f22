import { z } from "zod";

/**
 * The WhatsApp Cloud API webhook payload (Meta's "messages" field), as far as Warmline reads it.
 * Objects are loose: Meta adds fields over time, and a field we don't know must not reject a post.
 */
const mediaSchema = z.looseObject({
  id: z.string(),
  mime_type: z.string().optional(),
  caption: z.string().optional(),
  filename: z.string().optional(),
  voice: z.boolean().optional(),
});

const contactCardSchema = z.looseObject({
  name: z.looseObject({ formatted_name: z.string().optional(), first_name: z.string().optional() }).optional(),
  phones: z.array(z.looseObject({ phone: z.string().optional(), wa_id: z.string().optional() })).optional(),
});

export const cloudInboundMessageSchema = z.looseObject({
  id: z.string().min(1),
  /** The sender's phone number (wa_id); absent for a user known only by a business-scoped user id. */
  from: z.string().optional(),
  /** Business-scoped user id (BSUID), e.g. "US.13491208655302741918". */
  from_user_id: z.string().optional(),
  timestamp: z.string().optional(),
  type: z.string(),
  text: z.looseObject({ body: z.string() }).optional(),
  image: mediaSchema.optional(),
  audio: mediaSchema.optional(),
  video: mediaSchema.optional(),
  document: mediaSchema.optional(),
  sticker: mediaSchema.optional(),
  location: z
    .looseObject({ latitude: z.number(), longitude: z.number(), name: z.string().optional(), address: z.string().optional() })
    .optional(),
  contacts: z.array(contactCardSchema).optional(),
  reaction: z.looseObject({ message_id: z.string().optional(), emoji: z.string().optional() }).optional(),
  button: z.looseObject({ text: z.string().optional(), payload: z.string().optional() }).optional(),
  interactive: z
    .looseObject({
      type: z.string(),
      button_reply: z.looseObject({ id: z.string(), title: z.string() }).optional(),
      list_reply: z.looseObject({ id: z.string(), title: z.string(), description: z.string().optional() }).optional(),
    })
    .optional(),
});

export const cloudErrorSchema = z.looseObject({
  code: z.number(),
  title: z.string().optional(),
  message: z.string().optional(),
  error_data: z.looseObject({ details: z.string().optional() }).optional(),
});

export const cloudStatusSchema = z.looseObject({
  id: z.string().min(1),
  status: z.string(),
  timestamp: z.string().optional(),
  recipient_id: z.string().optional(),
  recipient_user_id: z.string().optional(),
  /** What the send carried as biz_opaque_callback_data (Warmline: the outbox item's tag). */
  biz_opaque_callback_data: z.string().optional(),
  errors: z.array(cloudErrorSchema).optional(),
});

const changeValueSchema = z.looseObject({
  messaging_product: z.string().optional(),
  metadata: z.looseObject({ phone_number_id: z.string().optional(), display_phone_number: z.string().optional() }).optional(),
  contacts: z
    .array(
      z.looseObject({
        wa_id: z.string().optional(),
        user_id: z.string().optional(),
        profile: z.looseObject({ name: z.string().optional() }).optional(),
      }),
    )
    .optional(),
  messages: z.array(cloudInboundMessageSchema).optional(),
  statuses: z.array(cloudStatusSchema).optional(),
});

export const cloudWebhookSchema = z.looseObject({
  object: z.string(),
  entry: z.array(
    z.looseObject({
      id: z.string().optional(),
      changes: z.array(z.looseObject({ field: z.string(), value: changeValueSchema })).default([]),
    }),
  ),
});

export type CloudWebhook = z.infer<typeof cloudWebhookSchema>;
export type CloudChangeValue = z.infer<typeof changeValueSchema>;
export type CloudInboundMessage = z.infer<typeof cloudInboundMessageSchema>;
export type CloudStatus = z.infer<typeof cloudStatusSchema>;
export type CloudErrorPayload = z.infer<typeof cloudErrorSchema>;
