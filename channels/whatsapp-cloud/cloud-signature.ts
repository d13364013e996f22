import { createHmac, timingSafeEqual } from "node:crypto";

/** Meta signs every webhook post: `sha256=<hex HMAC-SHA256 of the raw body, keyed with the app secret>`. */
export const META_SIGNATURE_HEADER = "x-hub-signature-256";
const SIGNATURE_FORMAT = /^sha256=([0-9a-f]{64})$/i;

/**
 * Whether `header` is the app secret's signature of exactly these bytes. The raw body is what Meta
 * signed: JSON re-serialized after parsing would differ (escaped unicode, key order, spacing).
 * Compared in constant time, so a forger learns nothing from how long a wrong guess took.
 */
export function isMetaSignatureValid(rawBody: Buffer, header: string | undefined, appSecret: string): boolean {
  const given = SIGNATURE_FORMAT.exec(header?.trim() ?? "")?.[1];
  if (given === undefined || appSecret === "") return false;
  const expected = createHmac("sha256", appSecret).update(rawBody).digest();
  return timingSafeEqual(Buffer.from(given.toLowerCase(), "hex"), expected);
}
