import { WarmlineError } from "../../src/domain/errors.js";
import { encodeWhatsAppAddress, WHATSAPP_ADDRESS_PREFIX } from "../whatsapp/whatsapp-address.js";

/**
 * Customers on the Cloud API. One with a phone number gets the same address as on WhatsApp Web
 * (`whatsapp:<digits>@c.us`), so moving from `web` to `cloud` keeps each customer's history. One
 * known only by a business-scoped user id (a username user) is `whatsapp:bsuid:<id>`.
 */
const BSUID_PREFIX = `${WHATSAPP_ADDRESS_PREFIX}bsuid:`;
const PHONE_ADDRESS = /^whatsapp:(\d{5,20})@c\.us$/;
/** A two-letter country, a dot, then letters and digits ("US.13491208655302741918", "US.ENT.118…"). */
const BSUID = /^[A-Z]{2}\.[A-Za-z0-9.]{1,140}$/;

/** Who a Cloud API message goes to: `to` a phone number, or `recipient` a business-scoped user id. */
export type CloudRecipient = { to: string } | { recipient: string };

export function cloudAddressOf(sender: { phone?: string; userId?: string }): string | undefined {
  const phone = sender.phone?.replace(/\D/g, "");
  if (phone && phone.length >= 5) return encodeWhatsAppAddress(`${phone}@c.us`);
  if (sender.userId && BSUID.test(sender.userId)) return `${BSUID_PREFIX}${sender.userId}`;
  return undefined;
}

/** The Cloud API recipient of an address; throws bad_id naming it when the address is not a WhatsApp customer's. */
export function decodeCloudAddress(address: string): CloudRecipient {
  const phone = PHONE_ADDRESS.exec(address)?.[1];
  if (phone) return { to: phone };
  const userId = address.startsWith(BSUID_PREFIX) ? address.slice(BSUID_PREFIX.length) : undefined;
  if (userId && BSUID.test(userId)) return { recipient: userId };
  throw new WarmlineError(
    "bad_id",
    `"${address}" is not a WhatsApp Cloud API address: expected "whatsapp:<number>@c.us" or "whatsapp:bsuid:<business-scoped user id>". It may belong to another channel, or have been edited by hand.`,
  );
}
