import { setTimeout as delay } from "node:timers/promises";
import {
  LogLevel,
  WebAPIHTTPError,
  WebAPIPlatformError,
  WebAPIRateLimitedError,
  WebAPIRequestError,
  type WebClientOptions,
} from "@slack/web-api";
import { WarmlineError } from "../../src/domain/errors.js";
import type { Logger } from "../../src/ports/logger.js";
import { createBoltLogger } from "./bolt-logger.js";
import { describeSlackError } from "./slack-errors.js";

/** Start-up tries Slack this many times, then stops with one message (the SDK alone would retry for half an hour). */
export const SLACK_STARTUP_ATTEMPTS = 3;
/** The waits between start-up attempts. */
const SLACK_STARTUP_RETRY_DELAYS_MS = [1000, 2000] as const;
/** One start-up attempt gives up after this long (a network that drops packets would otherwise hang). */
const SLACK_STARTUP_TIMEOUT_MS = 10_000;
const SLACK_DEFAULT_API_URL = "https://slack.com/api/";

/** Who the bot token belongs to: Bolt is given these, so it does not call auth.test again. */
export interface SlackBotIdentity {
  botUserId: string;
  botId?: string;
}

/** The start-up check's client options: Warmline's own, with this module doing the retrying and the SDK's retry chatter at debug level. */
export function slackStartupClientOptions(base: WebClientOptions | undefined, logger: Logger): WebClientOptions {
  return {
    ...base,
    retryConfig: { retries: 0 },
    timeout: SLACK_STARTUP_TIMEOUT_MS,
    logger: createBoltLogger(debugOnly(logger), LogLevel.DEBUG),
  };
}

/** `logger` with every level lowered to debug. */
function debugOnly(logger: Logger): Logger {
  const debug = logger.debug.bind(logger);
  return { debug, info: debug, warn: debug, error: debug, child: (bindings) => debugOnly(logger.child(bindings)) };
}

/** Network trouble a later attempt may get past: no connection, a timeout, Slack's 5xx or rate limit. */
function isTransient(error: unknown): boolean {
  return (
    error instanceof WebAPIRequestError ||
    error instanceof WebAPIRateLimitedError ||
    (error instanceof WebAPIHTTPError && error.statusCode >= 500)
  );
}

function causeOf(error: unknown): string {
  if (error instanceof WebAPIRequestError) {
    // fetch puts the system error (ECONNREFUSED) under "fetch failed"; undici's request throws it as it is.
    const original = error.original as Error & { code?: string; cause?: { code?: string; message?: string } };
    return original.cause?.code ?? original.code ?? original.cause?.message ?? original.message;
  }
  if (error instanceof WebAPIHTTPError) return `HTTP ${error.statusCode}`;
  if (error instanceof WebAPIRateLimitedError) return "rate limited";
  return error instanceof Error ? error.message : String(error);
}

/**
 * Before anything else starts: checks SLACK_BOT_TOKEN with auth.test, trying a bounded number of
 * times when Slack cannot be reached. Fails with one message saying what happened and what to check.
 */
export async function checkSlackAtStartup(
  client: { auth: { test(): Promise<{ user_id?: string; bot_id?: string }> } },
  options: { apiUrl?: string; logger: Logger; wait?: (ms: number) => Promise<unknown> },
): Promise<SlackBotIdentity> {
  const apiUrl = options.apiUrl ?? SLACK_DEFAULT_API_URL;
  const wait = options.wait ?? delay;
  options.logger.info({ apiUrl }, "Checking the Slack bot token");
  for (let attempt = 1; ; attempt++) {
    try {
      const auth = await client.auth.test();
      return { botUserId: auth.user_id ?? "", ...(auth.bot_id ? { botId: auth.bot_id } : {}) };
    } catch (error) {
      if (error instanceof WebAPIPlatformError) {
        const { code, fix } = describeSlackError(error);
        throw new WarmlineError("slack_auth_failed", `Slack refused the bot token at ${apiUrl} (auth.test: ${code}): ${fix}.`, error);
      }
      if (!isTransient(error) || attempt >= SLACK_STARTUP_ATTEMPTS) {
        throw new WarmlineError(
          "slack_unreachable",
          `Cannot reach Slack at ${apiUrl} (${causeOf(error)}, ${attempt} attempt${attempt === 1 ? "" : "s"}): ` +
            "check this machine's network connection, any proxy or firewall between it and Slack, " +
            "and SLACK_API_URL if you set it; Slack's own status is at https://slack-status.com.",
          error,
        );
      }
      const retryIn = SLACK_STARTUP_RETRY_DELAYS_MS[attempt - 1] ?? SLACK_STARTUP_RETRY_DELAYS_MS.at(-1)!;
      options.logger.warn(
        { apiUrl, attempt, of: SLACK_STARTUP_ATTEMPTS, cause: causeOf(error), retryInMs: retryIn },
        "Slack is not reachable yet; trying again",
      );
      await wait(retryIn);
    }
  }
}
