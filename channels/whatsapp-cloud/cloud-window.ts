/**
 * WhatsApp's customer-service window: a business may answer with free text for 24 hours after the
 * customer's last message. After that only an approved template goes out (Meta answers 131047).
 */
export const CLOUD_REPLY_WINDOW_MS = 24 * 60 * 60 * 1000;

/** Whether free text may still go to a customer who last wrote at `lastWroteAt` (unknown: let Meta decide). */
export function isReplyWindowOpen(lastWroteAt: number | undefined, now: number): boolean {
  return lastWroteAt === undefined || now - lastWroteAt < CLOUD_REPLY_WINDOW_MS;
}
