import {
  ErrorCode,
  type SlackError,
  WebAPIHTTPError,
  WebAPIPlatformError,
  WebAPIRateLimitedError,
  WebAPIRequestError,
} from "@slack/web-api";
import { WarmlineError, type DeliveryRetryInfo } from "../../src/domain/errors.js";

export interface SlackErrorInfo {
  /** Slack's error code (`not_in_channel`), `ratelimited`, `http_500` or `request_failed`. */
  code: string;
  /** What to do about it. */
  fix: string;
  retryAfterSeconds?: number;
}

const FIXES: Record<string, string> = {
  not_in_channel: "invite the app to the channel with /invite @Warmline",
  channel_not_found: "check the channel in warmline.config.json exists and the app can see it (private channels need /invite @Warmline)",
  is_archived: "unarchive the channel or point the team at another one in warmline.config.json",
  invalid_auth: "SLACK_BOT_TOKEN is wrong: copy the Bot User OAuth Token (xoxb-…) from the app's OAuth & Permissions page",
  not_authed: "SLACK_BOT_TOKEN is missing: copy the Bot User OAuth Token (xoxb-…) from the app's OAuth & Permissions page",
  token_revoked: "the app was uninstalled or its token revoked: reinstall it and update SLACK_BOT_TOKEN",
  account_inactive: "the app was uninstalled or its token revoked: reinstall it and update SLACK_BOT_TOKEN",
  missing_scope: "add the missing scope (see manifest.json) under OAuth & Permissions and reinstall the app",
  ratelimited: "Slack is rate-limiting the app: the message will be retried",
  message_not_found: "the message was deleted in Slack",
  thread_not_found: "the thread was deleted in Slack",
  cant_update_message: "the card was posted by another app: it cannot be updated",
  msg_too_long: "the text is over Slack's limit: this is a Warmline bug, please report it",
  invalid_blocks: "the card's blocks were rejected: this is a Warmline bug, please report it",
};

/** Classifies an error thrown by @slack/web-api, by class and code (never by message text). */
export function describeSlackError(error: unknown): SlackErrorInfo {
  if (error instanceof WebAPIRateLimitedError) {
    return { code: "ratelimited", fix: FIXES.ratelimited!, retryAfterSeconds: error.retryAfter };
  }
  if (error instanceof WebAPIPlatformError) {
    const code = error.data.error;
    return { code, fix: FIXES[code] ?? "see https://api.slack.com/methods for what this error means" };
  }
  if (error instanceof WebAPIHTTPError) {
    return { code: `http_${error.statusCode}`, fix: "Slack is having problems: the message will be retried; see https://slack-status.com" };
  }
  if (error instanceof WebAPIRequestError) {
    return { code: "request_failed", fix: "Slack could not be reached: check the network (and SLACK_API_URL if set)" };
  }
  if (isSlackError(error)) return { code: error.code, fix: "see the cause for details" };
  return { code: "unknown", fix: "see the cause for details" };
}

function isSlackError(error: unknown): error is SlackError {
  return error instanceof Error && Object.values(ErrorCode).includes((error as { code?: unknown }).code as ErrorCode);
}

/** Errors that a retry will not fix (the channel, the token, the scopes must change first). */
export function isPermanentSlackError(info: SlackErrorInfo): boolean {
  return [
    "not_in_channel",
    "channel_not_found",
    "is_archived",
    "invalid_auth",
    "not_authed",
    "token_revoked",
    "account_inactive",
    "missing_scope",
  ].includes(info.code);
}

/** Errors after which nothing in the channel can be reached (nor, for a bad token, anywhere): notes go to the ops channel. */
export function isUnreachableSlackError(info: SlackErrorInfo): boolean {
  return ["not_in_channel", "channel_not_found", "is_archived", "invalid_auth", "not_authed", "token_revoked", "account_inactive"].includes(
    info.code,
  );
}

/** Whether and when a retry can help, from the error's class and code. */
export function slackRetryInfo(info: SlackErrorInfo): DeliveryRetryInfo {
  if (info.code === "ratelimited")
    return { retry: "rate_limited", ...(info.retryAfterSeconds !== undefined ? { retryAfterMs: info.retryAfterSeconds * 1000 } : {}) };
  if (info.code.startsWith("http_") || info.code === "request_failed" || info.code === "unknown") return { retry: "transient" };
  // Any other platform error is Slack refusing this request as it stands (invalid_blocks, not_in_channel…).
  return { retry: isPermanentSlackError(info) || info.code in FIXES ? "permanent" : "transient" };
}

/** The caller-facing error: says which Slack call failed, Slack's code, and the fix; carries the retry info. */
export function slackDeliveryFailed(method: string, error: unknown, where?: string): WarmlineError {
  const info = describeSlackError(error);
  const at = where ? ` in ${where}` : "";
  const retry = info.retryAfterSeconds !== undefined ? ` (retry after ${info.retryAfterSeconds}s)` : "";
  return new WarmlineError(
    "delivery_failed",
    `Slack ${method}${at} failed with ${info.code}${retry}: ${info.fix}.`,
    error,
    slackRetryInfo(info),
  );
}
