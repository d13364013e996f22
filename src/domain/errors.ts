/**
 * Every error Warmline raises carries a stable code (for logs, tests and metrics),
 * a message that says what failed and how to fix it, and the underlying cause.
 */
export type WarmlineErrorCode =
  | "config_invalid"
  | "config_missing_setting"
  | "bad_id"
  | "invalid_transition"
  | "conversation_not_found"
  | "not_claimant"
  | "not_on_rota"
  | "already_claimed"
  | "unknown_team"
  | "store_conflict"
  | "store_unavailable"
  | "corpus_invalid"
  | "channel_unavailable"
  | "delivery_failed"
  /** The customer-service window has closed (WhatsApp's 24 hours): only an approved template may go out. */
  | "window_closed"
  | "slack_channel_missing"
  | "slack_auth_failed"
  | "slack_unreachable"
  | "browser_not_found"
  | "input_invalid"
  /** An agent replied in a thread whose card is not recorded yet (being posted, or in doubt). */
  | "thread_not_bound"
  | "assistant_unavailable";

/** How an adapter classifies a failed delivery, so the outbox knows whether and when to retry. */
export interface DeliveryRetryInfo {
  retry: "rate_limited" | "transient" | "unavailable" | "permanent";
  retryAfterMs?: number;
}

export class WarmlineError extends Error {
  readonly code: WarmlineErrorCode;
  override readonly cause?: unknown;
  /** Set by adapters on delivery failures. */
  readonly delivery?: DeliveryRetryInfo;

  constructor(code: WarmlineErrorCode, message: string, cause?: unknown, delivery?: DeliveryRetryInfo) {
    super(message);
    this.name = "WarmlineError";
    this.code = code;
    this.cause = cause;
    if (delivery) this.delivery = delivery;
  }
}

export function isWarmlineError(err: unknown, code?: WarmlineErrorCode): err is WarmlineError {
  return err instanceof WarmlineError && (code === undefined || err.code === code);
}
