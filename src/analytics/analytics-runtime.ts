import type { IncomingMessage, ServerResponse } from "node:http";
import type { InboxCounts } from "../ports/inbox.js";
import { loadCorpus } from "../assistant/corpus.js";
import { DEFAULT_CORPUS_FILE } from "../assistant/paths.js";
import type { WarmlineConfig } from "../config/schema.js";
import type { AnalyticsActions } from "../ports/analytics.js";
import type { Clock } from "../ports/clock.js";
import type { ConversationStore } from "../ports/conversation-store.js";
import type { Logger } from "../ports/logger.js";
import { createAnalyticsActions } from "./analytics-actions.js";
import type { Figures } from "./compute-figures.js";
import { DIGEST_TICK_MS, startOfLocalDay } from "./digest-schedule.js";
import { figuresFromStore, parseWindow } from "./figures-source.js";
import { METRICS_PATH, createWarmlineMetrics, metricsRequestHandler, startMetricsServer, type WarmlineMetrics } from "./metrics.js";
import { runDigestTick } from "./weekly-digest.js";

const WEEK_MS = 7 * 86_400_000;

export interface AnalyticsRuntimeDeps {
  config: WarmlineConfig;
  store: ConversationStore;
  clock: Clock;
  logger: Logger;
  /** Read on each scrape. */
  whatsappConnected?: () => boolean;
  outboxBacklog?: () => Promise<number>;
  inboxBacklog?: () => Promise<InboxCounts>;
}

/** An HTTP route: structurally Bolt's CustomRoute, and what the Socket Mode server serves. */
export type HttpRoute = { path: string; method: string[]; handler: (req: IncomingMessage, res: ServerResponse) => void };

export interface AnalyticsRuntime {
  metrics: WarmlineMetrics;
  actions: AnalyticsActions;
  /** Intents the assistant knows (for the agent's pick in feedback). */
  intents: string[];
  /** Routes for Bolt's HTTP receiver (structurally Bolt's CustomRoute). */
  httpRoutes: HttpRoute[];
  dashboardFigures(): Promise<{ today: Figures; week: Figures }>;
  /** Socket Mode: serves /metrics (and `routes`) on http.port (or metrics.port); starts the weekly digest ticks when there is somewhere to post. */
  start(options: {
    socketMode: boolean;
    /** Socket Mode: more routes for the small server (the Cloud API webhook). */
    routes?: HttpRoute[];
    postDigest?: (week: Figures) => Promise<void>;
  }): Promise<{ metricsPort?: number }>;
  /** One digest tick (the timer calls it; tests call it with a fake clock). */
  digestTick(): Promise<boolean>;
  stop(): Promise<void>;
}

/** Everything analytics needs at run time, built from the config and the store; Slack is wired by the composition root. */
export async function createAnalyticsRuntime(deps: AnalyticsRuntimeDeps): Promise<AnalyticsRuntime> {
  const { config, store, clock } = deps;
  const logger = deps.logger.child({ component: "analytics" });
  const windowMs = parseWindow(config.metrics.window);
  const figures = (since: number, now: number) => figuresFromStore(store, config, { since, now });
  const metrics = createWarmlineMetrics({
    windowMs,
    figures: () => figuresFromStore(store, config, { since: clock.now() - windowMs, now: clock.now() }, { withDurations: true }),
    ...(deps.whatsappConnected ? { whatsappConnected: deps.whatsappConnected } : {}),
    ...(deps.outboxBacklog ? { outboxBacklog: deps.outboxBacklog } : {}),
    ...(deps.inboxBacklog ? { inboxBacklog: deps.inboxBacklog } : {}),
    assistantModel: config.assistant.kind !== "offline",
  });
  const onScrapeError = (error: unknown) => logger.error({ err: error }, "Could not compute metrics: is the store reachable?");
  const corpus = await loadCorpus(config.assistant.corpus ?? DEFAULT_CORPUS_FILE);
  const intents = [...new Set(corpus.map((example) => example.intent))].sort();

  let timer: ReturnType<typeof setInterval> | undefined;
  let server: { port: number; close(): Promise<void> } | undefined;
  let postDigest: ((week: Figures) => Promise<void>) | undefined;

  const digestTick = async (): Promise<boolean> => {
    if (!postDigest) return false;
    const post = postDigest;
    return runDigestTick({ schedule: config.digest, now: clock.now(), store, figures: (since, until) => figures(since, until), post });
  };

  return {
    metrics,
    actions: createAnalyticsActions({ store, clock, config, logger }),
    intents,
    httpRoutes: [{ path: METRICS_PATH, method: ["GET"], handler: metricsRequestHandler(metrics, onScrapeError, config.metrics.token) }],
    async dashboardFigures() {
      const now = clock.now();
      const [today, week] = await Promise.all([figures(startOfLocalDay(now, config.digest.timezone), now), figures(now - WEEK_MS, now)]);
      return { today, week };
    },
    async start(options) {
      const port = config.http.port ?? config.metrics.port;
      if (options.socketMode && port !== undefined) {
        server = await startMetricsServer({
          metrics,
          port,
          host: config.metrics.host,
          ...(config.metrics.token ? { token: config.metrics.token } : {}),
          onError: onScrapeError,
          routes: options.routes,
        });
        logger.info({ port: server.port }, "Metrics served at /metrics");
      }
      postDigest = options.postDigest;
      if (postDigest && config.digest.enabled) {
        const tick = () => void digestTick().catch((error: unknown) => logger.error({ err: error }, "Could not post the weekly digest"));
        timer = setInterval(tick, DIGEST_TICK_MS);
        timer.unref();
        tick();
      }
      return { ...(server ? { metricsPort: server.port } : {}) };
    },
    digestTick,
    async stop() {
      if (timer) clearInterval(timer);
      await server?.close();
    },
  };
}
