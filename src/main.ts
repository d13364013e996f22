/**
 * The composition root: the only place that constructs the service's SDK clients (Bolt,
 * whatsapp-web.js), its store (through openConversationStore) and its adapters. Everything else
 * receives its dependencies (test/routing/composition-root.test.ts holds the rule).
 */
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { App } from "@slack/bolt";
import { WebClient } from "@slack/web-api";
import { Agent } from "undici";
import { type PreparedAssistant, prepareCheckedConfig } from "./assistant/from-config.js";
import { dataDirOf, readEnvironment } from "./config/environment.js";
import { envSettingsOf, loadEnv, readConfigJson, readRawConfigFile, type WarmlineEnv } from "./config/load-config.js";
import type { WarmlineConfig } from "./config/schema.js";
import { isWarmlineError, WarmlineError } from "./domain/errors.js";
import { maskOptionsFor } from "./domain/pii.js";
import { createEngine, ENGINE_TICK_INTERVAL_MS, type Engine } from "./engine/engine.js";
import { createLogger } from "./logging.js";
import type { Clock } from "./ports/clock.js";
import { systemClock } from "./ports/clock.js";
import type { ConversationStore } from "./ports/conversation-store.js";
import type { WarmlineStore } from "./ports/outbox.js";
import type { Logger } from "./ports/logger.js";
import { openConversationStore } from "./store/open-store.js";
import { createInFlightTracker } from "../channels/slack/in-flight.js";
import { registerInteractionDedupe } from "../channels/slack/interactivity-dedupe.js";
import { registerSendToCustomer } from "../channels/slack/send-to-customer.js";
import { createSlackTeamAccess } from "../channels/slack/team-access.js";
import { createSlackMaskingGate } from "../channels/slack/masking-gate.js";
import { registerSlackListeners } from "../channels/slack/register-listeners.js";
import { resolveTeamChannels } from "../channels/slack/resolve-channels.js";
import { slackAppOptions } from "../channels/slack/slack-app-options.js";
import { createSlackHttpTransport, SLACK_MAX_CONNECTIONS, useNativeFormEscape } from "../channels/slack/slack-http-transport.js";
import { checkSlackAtStartup, slackStartupClientOptions } from "../channels/slack/slack-startup-check.js";
import { SlackWorkspaceAdapter } from "../channels/slack/slack-workspace.js";
import { findBrowser } from "../channels/whatsapp/browser-path.js";
import type { WhatsAppClientPort } from "../channels/whatsapp/client-port.js";
import { WhatsAppChannelAdapter } from "../channels/whatsapp/whatsapp-channel.js";
import { WhatsAppCloudChannelAdapter } from "../channels/whatsapp-cloud/cloud-channel.js";
import { createGraphClient } from "../channels/whatsapp-cloud/cloud-graph.js";
import { createAnalyticsRuntime } from "./analytics/analytics-runtime.js";
import type { WarmlineMetrics } from "./analytics/metrics.js";
import { registerAnalyticsListeners } from "../channels/slack/analytics-listeners.js";
import { postWeeklyDigest } from "../channels/slack/app-home.js";
import { registerTemplateListeners } from "../channels/slack/template-listeners.js";
import { createEmailTicketing, createSmtpTransport } from "../channels/email/email-ticketing.js";
import { createWebhookTicketing } from "../channels/webhook/webhook-ticketing.js";
import { type FallbackSecrets, loadFallbackSecrets } from "./config/fallback-settings.js";
import type { Ticketing } from "./ports/ticketing.js";

export interface StartWarmlineOptions {
  /** A config object, or the path of a config file. Default: ./warmline.config.json. */
  config?: WarmlineConfig | Record<string, unknown> | string;
  /** Used instead of the process's environment. */
  env?: Record<string, string | undefined>;
  /** Inject a WhatsApp client (tests, sandbox); when absent, the real whatsapp-web.js client. */
  whatsapp?: { client?: WhatsAppClientPort };
  /** Where the SQLite file and the WhatsApp session live. Default: WARMLINE_DATA_DIR or ./.data */
  dataDir?: string;
  logger?: Logger;
  clock?: Clock;
  /** Sandbox and tests: answer Slack only after the listener ran, and pass extra WebClient options. */
  slack?: { processBeforeResponse?: boolean; clientOptions?: Record<string, unknown> };
}

export interface WarmlineHandle {
  engine: Engine;
  /** The store with its outbox and inbox, for tests, the bench and tools that look at what is queued. */
  store: WarmlineStore;
  config: WarmlineConfig;
  /** The HTTP port Bolt listens on (HTTP mode). */
  port?: number;
  /** Prometheus metrics (also served at /metrics). */
  metrics: WarmlineMetrics;
  /** Socket Mode: the port of the small HTTP server (/metrics, /whatsapp/webhook), when http.port or metrics.port is set. */
  metricsPort?: number;
  /** Resolves once every message and action received so far has been fully handled. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

/** In the data directory: this instance's id (see instanceIdOf). */
const INSTANCE_ID_FILE = "instance-id";

/** SIGTERM waits this long for work in flight; whatever is left stays in the outbox for the next start. */
const SHUTDOWN_DRAIN_TIMEOUT_MS = 10_000;

async function withTimeout(work: Promise<void>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([work, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

/**
 * The config and the assistant it names, its intents checked against the corpus before anything
 * starts (one the corpus lacks would never route). A broken config is reported together with
 * unknown intents and any secrets missing for the slack.mode and store.kind it names, so one run
 * lists every problem.
 */
async function resolveConfig(
  input: StartWarmlineOptions["config"],
  rawEnv: Record<string, string | undefined>,
): Promise<{ config: WarmlineConfig; assistant: PreparedAssistant }> {
  const source = typeof input === "string" ? input : input === undefined ? "warmline.config.json" : "the config object";
  try {
    return await prepareCheckedConfig(typeof input === "object" ? input : readConfigJson(source), source);
  } catch (error) {
    if (!isWarmlineError(error, "config_invalid")) throw error;
    try {
      loadEnv(rawEnv, envSettingsOf(typeof input === "object" ? input : readRawConfigFile(source)));
    } catch (envError) {
      if (isWarmlineError(envError, "config_missing_setting"))
        throw new WarmlineError("config_invalid", `${error.message}\n\n${envError.message}`, error);
    }
    throw error;
  }
}

/**
 * Which instance this is, among those sharing a store: kept in the data directory (beside the
 * WhatsApp session), so a restarted instance takes back its outbox lanes at once instead of waiting
 * for their leases to lapse.
 */
function instanceIdOf(dataDir: string): string {
  const file = join(dataDir, INSTANCE_ID_FILE);
  try {
    const saved = existsSync(file) ? readFileSync(file, "utf8").trim() : "";
    if (saved !== "") return saved;
    const created = `instance_${randomUUID()}`;
    writeFileSync(file, `${created}\n`);
    return created;
  } catch (error) {
    throw new WarmlineError(
      "store_unavailable",
      `Cannot read or create this instance's id in ${file} (${error instanceof Error ? error.message : String(error)}): make the data directory (WARMLINE_DATA_DIR) writable.`,
      error,
    );
  }
}

/** The configured customer channel: WhatsApp Web on a linked phone, or Meta's Cloud API. */
interface CustomerChannelDeps {
  config: WarmlineConfig;
  env: WarmlineEnv;
  options: StartWarmlineOptions;
  dataDir: string;
  store: ConversationStore;
  clock: Clock;
  logger: Logger;
}

/** The Cloud API channel when whatsapp.kind is "cloud"; made before the Slack app, whose server serves its webhook. */
function createCloudChannel(deps: CustomerChannelDeps): WhatsAppCloudChannelAdapter | undefined {
  const { config, env, clock, logger } = deps;
  if (config.whatsapp.kind !== "cloud" || !env.whatsappCloud) return undefined;
  const cloud = env.whatsappCloud;
  return new WhatsAppCloudChannelAdapter({
    graph: createGraphClient({ apiUrl: cloud.apiUrl, accessToken: cloud.accessToken, phoneNumberId: cloud.phoneNumberId }),
    phoneNumberId: cloud.phoneNumberId,
    appSecret: cloud.appSecret,
    verifyToken: cloud.verifyToken,
    store: deps.store,
    ...(config.whatsapp.inDoubtGraceMs !== undefined ? { inDoubtGraceMs: config.whatsapp.inDoubtGraceMs } : {}),
    clock,
    logger,
  });
}

/**
 * The whatsapp-web.js channel; made after Slack answered, so a wrong Slack token is reported before a missing browser.
 * whatsapp-web.js (with puppeteer, about 13 MB of heap) is imported only here, when the real client is built:
 * the Cloud API, the sandbox and the tests never load it.
 */
async function createWebChannel(deps: CustomerChannelDeps): Promise<WhatsAppChannelAdapter> {
  const { config, clock, logger } = deps;
  const client = deps.options.whatsapp?.client ?? (await createWhatsAppWebClient(deps));
  return new WhatsAppChannelAdapter({
    client,
    logger,
    pairing: { mode: config.whatsapp.pairing, phone: config.whatsapp.pairingPhone },
    clock,
  });
}

async function createWhatsAppWebClient(deps: CustomerChannelDeps): Promise<WhatsAppClientPort> {
  const [{ default: wweb }, { whatsappClientOptions }] = await Promise.all([
    import("whatsapp-web.js"),
    import("../channels/whatsapp/client-options.js"),
  ]);
  const browserPath = findBrowser({ configured: deps.config.whatsapp.browserPath, env: { CHROME_PATH: deps.env.chromePath } });
  return new wweb.Client(whatsappClientOptions({ dataDir: deps.dataDir, browserPath }));
}

/** The routes cases take while Slack is down (config.fallback): e-mail over SMTP and/or a signed webhook. */
function fallbackRoutes(fallback: WarmlineConfig["fallback"], secrets: FallbackSecrets, clock: Clock): Ticketing[] {
  if (!fallback) return [];
  const routes: Ticketing[] = [];
  if (fallback.email) {
    const { smtpUrl, from, to, opsTo } = fallback.email;
    routes.push(createEmailTicketing({ transport: createSmtpTransport(smtpUrl, secrets.smtpAuth), from, to, ...(opsTo ? { opsTo } : {}) }));
  }
  if (fallback.webhook && secrets.webhookSecret)
    routes.push(createWebhookTicketing({ ...fallback.webhook, secret: secrets.webhookSecret, clock }));
  return routes;
}

export async function startWarmline(options: StartWarmlineOptions = {}): Promise<WarmlineHandle> {
  const rawEnv = options.env ?? readEnvironment();
  const { config, assistant: preparedAssistant } = await resolveConfig(options.config, rawEnv);
  const env = loadEnv(rawEnv, config);
  const fallbackSecrets = loadFallbackSecrets(rawEnv, config.fallback);
  const logger = options.logger ?? createLogger({ level: env.logLevel });
  for (const problem of preparedAssistant.problems)
    if (problem.severity === "warning") logger.warn({ component: "assistant", corpus: preparedAssistant.corpus }, problem.message);
  const clock = options.clock ?? systemClock;
  const dataDir = dataDirOf(options.dataDir, rawEnv);
  mkdirSync(dataDir, { recursive: true });

  // What has started so far, undone in reverse if a later step fails, so a failed start exits cleanly.
  const undo: (() => Promise<unknown> | unknown)[] = [];
  try {
    const store = await openConversationStore(config.store, { dataDir, redisUrl: env.redisUrl, clock, logger });
    undo.push(() => store.close());
    // `customers` is read at scrape time, after it is created below.
    const analytics = await createAnalyticsRuntime({
      config,
      store,
      clock,
      logger,
      whatsappConnected: () => customers.isReady(),
      // Every item still stored: pending, in flight, and failed ones parked for replay.
      outboxBacklog: () => store.countOutbox(),
      inboxBacklog: () => store.countInbox(),
    });
    const assistantLog = logger.child({ component: "assistant" });
    // With a model, its endpoint is checked here: a wrong URL or model stops the start with the fix.
    const assistant = await preparedAssistant.create({
      ...(env.llm ? { llm: env.llm } : {}),
      onCall: analytics.metrics.recordAssistantCall,
      onFallback: (cause, detail) => assistantLog.warn({ cause, detail }, "The model failed; the offline assistant answered"),
    });

    const maskingGate = createSlackMaskingGate(maskOptionsFor(config.privacy, undefined));
    const channelDeps: CustomerChannelDeps = {
      config,
      env,
      options,
      dataDir,
      store,
      clock,
      logger: logger.child({ component: "whatsapp" }),
    };
    const cloudChannel = createCloudChannel(channelDeps);
    // The Cloud API's webhook is served beside /slack/events (HTTP mode) or with /metrics (Socket Mode).
    const webhookRoutes = cloudChannel ? [cloudChannel.webhook] : [];

    // Keep-alive connections to Slack's Web API (what the masking gate sends with), closed last on stop.
    const slackHttp = new Agent({ connections: SLACK_MAX_CONNECTIONS });
    undo.push(() => slackHttp.destroy());
    // The same form bytes, encoded in one pass (see useNativeFormEscape).
    useNativeFormEscape();
    const appOptions = slackAppOptions({
      config,
      env,
      logger: logger.child({ component: "slack" }),
      // Answer Slack after the event is stored: a crash before that makes Slack retry instead of losing it.
      processBeforeResponse: options.slack?.processBeforeResponse ?? true,
      clientOptions: options.slack?.clientOptions,
      customRoutes: [...analytics.httpRoutes, ...webhookRoutes],
      maskingGate,
      transport: createSlackHttpTransport(slackHttp),
    });
    // A wrong token or no network stops the start here with one message, after a bounded number of attempts.
    const identity = await checkSlackAtStartup(
      new WebClient(env.slackBotToken, slackStartupClientOptions(appOptions.clientOptions, logger.child({ component: "slack" }))),
      { apiUrl: appOptions.clientOptions?.slackApiUrl, logger: logger.child({ component: "slack" }) },
    );
    // Given the bot's ids, Bolt does not run auth.test again in the background.
    const app = new App({ ...appOptions, botUserId: identity.botUserId, ...(identity.botId ? { botId: identity.botId } : {}) });
    const customers = cloudChannel ?? (await createWebChannel(channelDeps));
    const channels = await resolveTeamChannels(app.client, config);
    const workspace = new SlackWorkspaceAdapter({
      client: app.client,
      channels: channels.teams,
      opsChannel: channels.ops,
      teams: Object.entries(config.teams).map(([key, team]) => ({ key, displayName: team.displayName })),
      logger: logger.child({ component: "slack" }),
      maskingGate,
    });

    const engine = createEngine({
      config,
      store,
      assistant,
      customers,
      workspace,
      clock,
      logger,
      instanceId: instanceIdOf(dataDir),
      ticketing: fallbackRoutes(config.fallback, fallbackSecrets, clock),
    });
    const slackInFlight = createInFlightTracker();
    app.use(slackInFlight.middleware);
    const access = createSlackTeamAccess(app.client, config, channels.teams, logger.child({ component: "slack" }), clock);
    registerSlackListeners(app, {
      access,
      actions: engine,
      admin: engine,
      workspace,
      config,
      logger: logger.child({ component: "slack" }),
      botUserId: identity.botUserId,
      idempotency: store,
    });
    registerInteractionDedupe(app, store, logger.child({ component: "slack" }));
    registerSendToCustomer(app, { actions: engine, workspace, logger: logger.child({ component: "slack" }) });
    registerTemplateListeners(app, { actions: engine, workspace, config, logger: logger.child({ component: "slack" }) });
    registerAnalyticsListeners(app, {
      analytics: analytics.actions,
      agentRef: (userId) => workspace.users.agentRef(userId),
      intents: analytics.intents,
      teams: workspace.teams,
      config,
      teamChannels: channels.teams,
      access,
      figures: () => analytics.dashboardFigures(),
      logger: logger.child({ component: "slack" }),
    });

    undo.push(() => app.stop());
    const server = config.slack.mode === "http" ? await app.start({ port: env.port ?? 3000, host: config.http.host }) : await app.start();
    const address = config.slack.mode === "http" ? (server as { address?: () => unknown }).address?.() : undefined;
    const port =
      typeof address === "object" && address !== null && "port" in address ? Number((address as { port: number }).port) : undefined;

    undo.push(() => customers.stop());
    // Each customer message is stored in the inbox before the channel lets go of it, then processed from there.
    await customers.start({
      ...engine.customerEvents,
      onConnectionProblem: async (problem) => {
        logger.warn({ code: problem.code }, problem.message);
        await workspace
          .notifyOps?.(problem.qrText ? `${problem.message}\n\`\`\`\n${problem.qrText}\n\`\`\`` : problem.message)
          .catch(() => undefined);
      },
    });
    // Processes what an earlier run received and did not finish, delivers what it left in the outbox (in-flight items are checked before any resend), then keeps time.
    undo.push(() => engine.stop());
    await engine.start();
    const ticker = setInterval(() => {
      engine.tick().catch((error: unknown) => logger.error({ err: error }, "The engine tick failed; it runs again shortly"));
    }, ENGINE_TICK_INTERVAL_MS);
    ticker.unref();
    undo.push(() => clearInterval(ticker));
    const opsChannel = channels.ops;
    undo.push(() => analytics.stop());
    const { metricsPort } = await analytics.start({
      socketMode: config.slack.mode === "socket",
      routes: webhookRoutes,
      ...(opsChannel ? { postDigest: (week) => postWeeklyDigest(app.client, opsChannel, week, workspace.teams) } : {}),
    });
    logger.info({ mode: config.slack.mode, port, store: config.store.kind }, "Warmline is running");

    let stopped = false;
    return {
      engine,
      store,
      config,
      port,
      metrics: analytics.metrics,
      ...(metricsPort !== undefined ? { metricsPort } : {}),
      async idle() {
        // Each stage can start work in the next, so go round until all three are quiet.
        for (let round = 0; round < 3; round++) {
          await slackInFlight.idle();
          await customers.whenIdle();
          await engine.drain();
        }
      },
      async stop() {
        if (stopped) return;
        stopped = true;
        clearInterval(ticker);
        await analytics.stop();
        // Stop taking Slack events, finish what is in flight (WhatsApp still connected), then disconnect.
        await app.stop();
        await withTimeout(engine.stop(), SHUTDOWN_DRAIN_TIMEOUT_MS);
        await customers.stop();
        // A post still in flight had the engine's drain time; a later start finds it in doubt (the outbox checks).
        await slackHttp.destroy();
        await store.close();
      },
    };
  } catch (error) {
    for (const step of undo.reverse())
      await Promise.resolve()
        .then(step)
        .catch(() => undefined);
    throw error;
  }
}
