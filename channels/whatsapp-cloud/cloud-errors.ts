import { WarmlineError } from "../../src/domain/errors.js";

/** Meta's error codes Warmline treats specially (developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes). */
export const CLOUD_ERROR = {
  /** The access token expired or was revoked (HTTP 401). */
  accessTokenExpired: 190,
  /** Cloud API throughput reached: back off. */
  throughput: 130429,
  /** Too many messages to the same user in a short time (about one every 6 s): back off. */
  pairRate: 131056,
  /** The message could not be delivered (not a WhatsApp user, old app, terms not accepted…). */
  undeliverable: 131026,
  /** More than 24 hours since the customer last wrote: only a template may go out. */
  reengagementRequired: 131047,
} as const;

/** About one message every 6 seconds to the same user, says Meta's pair rate limit. */
export const CLOUD_PAIR_RATE_WAIT_MS = 6_000;

/** A failed Graph API call, with Meta's own code and title. */
export class CloudApiError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly code: number | undefined,
    readonly title: string,
    readonly details?: string,
  ) {
    super(`${title}${code !== undefined ? ` (${code})` : ""}${details ? `: ${details}` : ""}`);
    this.name = "CloudApiError";
  }

  get isAuthFailure(): boolean {
    return this.httpStatus === 401 || this.code === CLOUD_ERROR.accessTokenExpired;
  }
}

/** Reads Meta's `{ error: { code, message, error_data } }` answer. */
export function cloudApiErrorOf(httpStatus: number, body: unknown): CloudApiError {
  const error = (body as { error?: { code?: unknown; message?: unknown; error_user_title?: unknown; error_data?: { details?: unknown } } })
    ?.error;
  const code = typeof error?.code === "number" ? error.code : undefined;
  const title =
    typeof error?.message === "string"
      ? error.message
      : typeof error?.error_user_title === "string"
        ? error.error_user_title
        : `HTTP ${httpStatus}`;
  const details = typeof error?.error_data?.details === "string" ? error.error_data.details : undefined;
  return new CloudApiError(httpStatus, code, title, details);
}

/**
 * A failed send as the outbox understands it: back off (and keep the lane's order) on rate limits,
 * wait while the token is rejected, park what a retry cannot fix, and retry the rest.
 */
export function deliveryErrorOf(error: unknown, what: string): WarmlineError {
  if (!(error instanceof CloudApiError)) {
    const reason = error instanceof Error ? error.message : String(error);
    return new WarmlineError(
      "delivery_failed",
      `The WhatsApp Cloud API could not be reached to send ${what} (${reason}): it is retried; check the network and WHATSAPP_API_URL if this lasts.`,
      error,
      { retry: "transient" },
    );
  }
  if (error.isAuthFailure) {
    return new WarmlineError(
      "channel_unavailable",
      `The WhatsApp Cloud API rejected the access token (${error.message}), so ${what} waits: put a new permanent token (Meta Business Settings → System users) in WHATSAPP_ACCESS_TOKEN and restart.`,
      error,
      { retry: "unavailable" },
    );
  }
  switch (error.code) {
    case CLOUD_ERROR.throughput:
      return new WarmlineError("delivery_failed", `WhatsApp asked to slow down (${error.message}): ${what} is retried in order.`, error, {
        retry: "rate_limited",
      });
    case CLOUD_ERROR.pairRate:
      return new WarmlineError(
        "delivery_failed",
        `WhatsApp limits messages to one customer to about one every 6 seconds (${error.message}): ${what} is retried in order.`,
        error,
        { retry: "rate_limited", retryAfterMs: CLOUD_PAIR_RATE_WAIT_MS },
      );
    case CLOUD_ERROR.reengagementRequired:
      return windowClosedError(what, error);
    case CLOUD_ERROR.undeliverable:
      return new WarmlineError(
        "delivery_failed",
        `WhatsApp could not deliver ${what} (${error.message}): the number may not be on WhatsApp, or its app is too old. Reach the customer another way.`,
        error,
        { retry: "permanent" },
      );
  }
  const transient = error.httpStatus >= 500 || error.httpStatus === 429;
  return new WarmlineError(
    "delivery_failed",
    transient
      ? `The WhatsApp Cloud API failed to send ${what} (${error.message}): it is retried.`
      : `The WhatsApp Cloud API refused ${what} (${error.message}): a retry cannot fix it; see Meta's error code reference.`,
    error,
    { retry: transient ? "transient" : "permanent" },
  );
}

/** Free text may not go out once 24 hours have passed since the customer last wrote. */
export function windowClosedError(what: string, cause?: unknown): WarmlineError {
  return new WarmlineError(
    "window_closed",
    `${what[0]?.toUpperCase()}${what.slice(1)} was not sent: WhatsApp's 24-hour customer-service window has closed (the customer last wrote over 24 hours ago). Send an approved template instead; the customer's answer reopens the window.`,
    cause,
    { retry: "permanent" },
  );
}
