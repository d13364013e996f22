import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * How Warmline signs what it posts to a webhook, and how a receiver checks it (README: Fallback).
 * The signed text is `<timestamp>.<raw body>`, so neither can change without the other: the
 * timestamp (Unix seconds) lets a receiver refuse replays older than a few minutes.
 */
export const WEBHOOK_SIGNATURE_HEADER = "x-warmline-signature";
export const WEBHOOK_TIMESTAMP_HEADER = "x-warmline-timestamp";
/** "case.opened" or "ops.alert". */
export const WEBHOOK_EVENT_HEADER = "x-warmline-event";
/** The same on every retry of one event: receivers de-duplicate on it. */
export const WEBHOOK_IDEMPOTENCY_HEADER = "idempotency-key";
/** A receiver should refuse a signature older (or newer) than this. */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

/** `sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">`. */
export function signWebhookBody(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

/** A receiver's check: the signature matches this body and timestamp, and the timestamp is recent. */
export function verifyWebhookSignature(
  secret: string,
  headers: { signature?: string; timestamp?: string },
  body: string,
  nowMs: number,
): boolean {
  const timestamp = Number(headers.timestamp);
  if (!headers.signature || !Number.isInteger(timestamp)) return false;
  if (Math.abs(nowMs / 1000 - timestamp) > WEBHOOK_TOLERANCE_SECONDS) return false;
  const expected = Buffer.from(signWebhookBody(secret, timestamp, body));
  const given = Buffer.from(headers.signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
