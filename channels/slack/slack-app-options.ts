import type { AppOptions, CustomRoute } from "@slack/bolt";
import type { FetchFunction, WebClientOptions } from "@slack/web-api";
import type { WarmlineEnv } from "../../src/config/load-config.js";
import type { WarmlineConfig } from "../../src/config/schema.js";
import { WarmlineError } from "../../src/domain/errors.js";
import type { Logger } from "../../src/ports/logger.js";
import { boltLogLevel, createBoltLogger } from "./bolt-logger.js";
import { createSlackMaskingGate, type SlackMaskingGate } from "./masking-gate.js";
import { createScreenedHttpReceiver } from "./screened-receiver.js";
import { createSocketReceiver } from "./socket-receiver.js";

export const SLACK_EVENTS_PATH = "/slack/events";
export const DEFAULT_SLACK_PORT = 3000;

export interface SlackAppOptionsInput {
  config: Pick<WarmlineConfig, "slack">;
  env: WarmlineEnv;
  logger: Logger;
  /** HTTP mode: run listeners before answering Slack (tests; serverless). */
  processBeforeResponse?: boolean;
  /** Merged over Warmline's client defaults, e.g. `{ retryConfig: { retries: 0 } }` in tests. */
  clientOptions?: WebClientOptions;
  /** HTTP mode: extra routes on Bolt's own server, e.g. GET /metrics. (Socket Mode serves them separately.) */
  customRoutes?: CustomRoute[];
  /** Masks personal data in everything sent to Slack; absent, a gate with every detector on (no app is built without one). */
  maskingGate?: SlackMaskingGate;
  /**
   * What the gate sends with: src/main.ts passes createSlackHttpTransport over its keep-alive Agent.
   * Absent, Node's global fetch; a `clientOptions.fetch` (a test's recorder) comes before either.
   */
  transport?: FetchFunction;
}

/**
 * The options for `new App(...)`, for either mode. The signing secret is required in both
 * (there is no way to switch verification off); Socket Mode also needs the app-level token.
 */
export function slackAppOptions({
  config,
  env,
  logger,
  processBeforeResponse,
  clientOptions,
  customRoutes,
  maskingGate,
  transport,
}: SlackAppOptionsInput): AppOptions {
  if (!env.slackSigningSecret?.trim()) {
    throw new WarmlineError(
      "config_missing_setting",
      "SLACK_SIGNING_SECRET is required: copy it from your Slack app's Basic Information page into .env.",
    );
  }
  const logLevel = boltLogLevel(env.logLevel);
  const client: WebClientOptions = {
    // Slack's "five retries in five minutes" instead of the SDK's thirty: a card stuck for half
    // an hour is worse than a clear failure the engine can report and retry.
    retryConfig: { retries: 5, factor: 3.86 },
    // A 429 becomes an error the caller sees (and retries) instead of pausing every Slack call.
    rejectRateLimitedCalls: true,
    ...(env.slackApiUrl ? { slackApiUrl: env.slackApiUrl.endsWith("/") ? env.slackApiUrl : `${env.slackApiUrl}/` } : {}),
    ...clientOptions,
  };
  // Every WebClient Bolt makes from these options sends through the gate: there is no unmasked way out.
  client.fetch = (maskingGate ?? createSlackMaskingGate({ maskCards: true, maskEmails: true, maskPhones: true })).wrap(
    client.fetch ?? transport ?? (globalThis.fetch as FetchFunction),
  );
  const boltLogger = createBoltLogger(logger, logLevel);
  const common: AppOptions = {
    token: env.slackBotToken,
    logger: boltLogger,
    logLevel,
    clientOptions: client,
    // Bolt drops the app's own messages; the listeners also drop other bots' (see register-listeners).
    ignoreSelf: true,
    // Bolt's per-conversation memory is unused here (conversations live in Warmline's store), and its
    // default looks up every event and rejects with a fresh Error when nothing is kept: pure overhead.
    convoStore: false,
  };
  if (config.slack.mode === "socket") {
    if (!env.slackAppToken?.trim()) {
      throw new WarmlineError(
        "config_missing_setting",
        'SLACK_APP_TOKEN is required in Socket Mode: create an app-level token with connections:write under Basic Information → App-Level Tokens, or set slack.mode to "http".',
      );
    }
    // The SocketModeClient opens its connection with Web API calls: to the same Slack as the app's own client.
    const receiver = createSocketReceiver({
      appToken: env.slackAppToken,
      logger: boltLogger,
      logLevel,
      installerOptions: { clientOptions: client },
    });
    return { ...common, receiver };
  }
  // Bolt's own HTTPReceiver, screening bodies first so that no request can end the process.
  const receiver = createScreenedHttpReceiver(
    {
      signingSecret: env.slackSigningSecret,
      endpoints: SLACK_EVENTS_PATH,
      port: env.port ?? DEFAULT_SLACK_PORT,
      processBeforeResponse: processBeforeResponse ?? false,
      ...(customRoutes && customRoutes.length > 0 ? { customRoutes } : {}),
      logger: common.logger,
      logLevel,
    },
    logger,
  );
  return { ...common, receiver };
}
