import type { DeliveryState, DeliveryUpdate } from "../../src/ports/customer-channel.js";
import { cloudAddressOf } from "./cloud-address.js";
import { isCloudSendTag } from "./cloud-send-ledger.js";
import type { CloudStatus } from "./cloud-webhook-schema.js";

const CLOUD_STATES: Record<string, DeliveryState> = { sent: "sent", delivered: "delivered", read: "read", failed: "failed" };

/**
 * A status webhook as a delivery update, against the id the send returned: the tag it carried
 * for Warmline's own (outbox) sends, else Meta's message id. `failed` carries Meta's
 * code and title, so the thread says why. Order is not guaranteed (a `read` may come before, or
 * instead of, `delivered`): the engine keeps the furthest state.
 */
export function cloudDeliveryUpdate(status: CloudStatus): DeliveryUpdate | undefined {
  const state = CLOUD_STATES[status.status];
  if (!state) return undefined;
  const address = cloudAddressOf({ phone: status.recipient_id, userId: status.recipient_user_id });
  const tag = status.biz_opaque_callback_data;
  const update: DeliveryUpdate = { channelMessageId: isCloudSendTag(tag) ? tag : status.id, state, ...(address ? { address } : {}) };
  if (state === "failed") {
    const error = status.errors?.[0];
    update.error = error
      ? `WhatsApp error ${error.code}: ${error.title ?? error.message ?? "no title"}${error.error_data?.details ? ` (${error.error_data.details})` : ""}`
      : "WhatsApp reported the message as failed without saying why";
  }
  return update;
}
