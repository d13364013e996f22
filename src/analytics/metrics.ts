import { createHash, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { WarmlineError } from "../domain/errors.js";
import type { AgentFeedbackKind } from "../domain/conversation.js";
import { type AssistantCallReport, FALLBACK_CAUSES } from "../ports/assistant.js";
import type { InboxCounts } from "../ports/inbox.js";
import { ALL_TEAMS, FEEDBACK_FIGURES, type FeedbackFigures, type Figures, type TeamFigures } from "./compute-figures.js";

/**
 * Prometheus metrics. The escalation figures are gauges over a rolling window, filled from
 * computeFigures on each scrape (the store is the source of truth, so every instance reports the
 * same numbers and a restart loses nothing). The handoff durations are a histogram over the same
 * window: buckets add up across teams (quantiles don't), and histogram_quantile reads any quantile
 * from them. Connection state and outbox backlog are live gauges the composition root sets.
 */

export const METRICS_PATH = "/metrics";
export const METRICS_PREFIX = "warmline_";

export type WhatsAppConnectionState = "connected" | "disconnected";

export interface WarmlineMetrics {
  registry: Registry;
  /** The Prometheus text exposition, as served at /metrics. */
  render(): Promise<string>;
  contentType: string;
  setOutboxBacklog(count: number): void;
  setWhatsAppConnection(state: WhatsAppConnectionState): void;
  /** One model call (assistant.kind "openai-compatible"): its outcome, fallback cause, tokens and latency. */
  recordAssistantCall(report: AssistantCallReport): void;
  /** A rejection or exception no handler caught (src/cli/process-guards.ts). */
  countProcessFault(kind: "unhandled_rejection" | "uncaught_exception"): void;
}

export interface WarmlineMetricsOptions {
  /** Figures for the current window; called once per scrape. */
  figures: () => Promise<Figures>;
  windowMs: number;
  /** Read on each scrape when given; otherwise the setters' last values are served. */
  outboxBacklog?: () => Promise<number>;
  /** Received messages not yet processed: waiting their turn, and parked after their retries (for /warmline replay). */
  inboxBacklog?: () => Promise<InboxCounts>;
  whatsappConnected?: () => boolean;
  /** A model answers (assistant.kind "openai-compatible"): its calls are counted. Without one there is nothing to count, and no series. */
  assistantModel?: boolean;
}

type Sample = { labels: Record<string, string>; value: number };
type Stage = "timeToEscalation" | "timeToClaim" | "timeToFirstReply";
const STAGES: Record<Stage, string> = { timeToEscalation: "escalation", timeToClaim: "claim", timeToFirstReply: "first_reply" };
const OUTCOMES = ["claimed", "abandoned", "transferred", "returnedToBot", "resolved"] as const;
const OUTCOME_LABELS: Record<(typeof OUTCOMES)[number], string> = {
  claimed: "claimed",
  abandoned: "abandoned",
  transferred: "transferred",
  returnedToBot: "returned_to_bot",
  resolved: "resolved",
};

/** Upper bounds (seconds) of the handoff histogram's buckets: from a quick bot answer to a day's wait. */
export const HANDOFF_BUCKETS_SECONDS = [5, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14_400, 28_800, 86_400] as const;
const HANDOFF_HISTOGRAM = "handoff_seconds";

/** Every figure gauge: name, help, labels, and how to read its samples from the figures. */
const FIGURE_GAUGES: {
  name: string;
  help: string;
  labels: string[];
  samples: (team: string, row: TeamFigures, figures: Figures) => Sample[];
}[] = [
  {
    name: "conversations",
    help: "Conversations started in the window",
    labels: [],
    samples: (team, _row, f) => (team === ALL_TEAMS ? [{ labels: {}, value: f.conversations }] : []),
  },
  {
    name: "escalations",
    help: "Escalations (the bot handed over) created in the window, by team and reason",
    labels: ["team", "reason"],
    samples: (team, row) => Object.entries(row.byReason).map(([reason, value]) => ({ labels: { team, reason }, value: value ?? 0 })),
  },
  {
    name: "escalation_rate",
    help: "Share of conversations started in the window that escalated (per team: to that team)",
    labels: ["team"],
    samples: (team, row) => opt({ team }, row.escalationRate),
  },
  {
    name: "transfers_in",
    help: "Escalations that arrived by transfer from another team",
    labels: ["team"],
    samples: (team, row) => [{ labels: { team }, value: row.transfersIn }],
  },
  {
    name: "reescalations",
    help: "Escalations of a conversation whose earlier handoff had ended (returned to bot, declined)",
    labels: ["team"],
    samples: (team, row) => [{ labels: { team }, value: row.reEscalations }],
  },
  {
    name: "claimed_within_deadline_ratio",
    help: "Claims made within the team's claimWithinMinutes",
    labels: ["team"],
    samples: (team, row) => opt({ team }, row.claimedWithinDeadlineRate),
  },
  {
    name: "claim_deadline_seconds",
    help: "The team's claim deadline (claimWithinMinutes)",
    labels: ["team"],
    samples: (team, row) => opt({ team }, row.claimDeadlineMinutes === undefined ? undefined : row.claimDeadlineMinutes * 60),
  },
  {
    name: "escalation_outcomes",
    help: "Escalations created in the window by what became of them: claimed, abandoned (queue abandonment), transferred (re-escalation), returned_to_bot, resolved",
    labels: ["team", "outcome"],
    samples: (team, row) => OUTCOMES.map((o) => ({ labels: { team, outcome: OUTCOME_LABELS[o] }, value: row.outcomes[o] })),
  },
  {
    name: "abandonment_rate",
    help: "Escalations the customer withdrew while queued, over escalations",
    labels: ["team"],
    samples: (team, row) => opt({ team }, row.abandonmentRate),
  },
  {
    name: "survey_responses",
    help: "Satisfaction surveys answered (sent in the window)",
    labels: ["team"],
    samples: (team, row) => [{ labels: { team }, value: row.survey.responses }],
  },
  {
    name: "survey_score_average",
    help: "Average satisfaction score after a handoff (1-5)",
    labels: ["team"],
    samples: (team, row) => opt({ team }, row.survey.averageScore),
  },
  {
    name: "handover_helped",
    help: "Answers to 'did the handover help?'",
    labels: ["team", "answer"],
    samples: (team, row) => [
      { labels: { team, answer: "yes" }, value: row.survey.helpedYes },
      { labels: { team, answer: "no" }, value: row.survey.helpedNo },
    ],
  },
  {
    name: "customer_repeats",
    help: "Claimed escalations where the customer wrote after the claim, by whether they repeated what they had told the bot",
    labels: ["team", "repeated"],
    samples: (team, row) => [
      { labels: { team, repeated: "true" }, value: row.repeats.repeated },
      { labels: { team, repeated: "false" }, value: row.repeats.measured - row.repeats.repeated },
    ],
  },
  {
    name: "repeat_rate",
    help: "Share of measured handoffs where the customer repeated themselves to the human",
    labels: ["team"],
    samples: (team, row) => opt({ team }, row.repeats.rate),
  },
  {
    name: "context_views",
    help: "Times an agent opened the full transcript from a card",
    labels: ["team"],
    samples: (team, row) => [{ labels: { team }, value: row.contextViews.views }],
  },
  {
    name: "context_view_rate",
    help: "Share of escalation cards whose full transcript was opened",
    labels: ["team"],
    samples: (team, row) => opt({ team }, row.contextViews.rate),
  },
  {
    name: "agent_feedback",
    help: "Agent feedback on resolved cards (one answer per agent and escalation): right_call, bot_should_have_handled, escalated_too_late",
    labels: ["team", "kind"],
    samples: (team, row) =>
      (Object.entries(FEEDBACK_FIGURES) as [AgentFeedbackKind, keyof FeedbackFigures][]).map(([kind, figure]) => ({
        labels: { team, kind },
        value: row.feedback[figure],
      })),
  },
  {
    name: "open_escalations",
    help: "Escalations open now, by state",
    labels: ["team", "state"],
    samples: (team, row) => [
      { labels: { team, state: "queued" }, value: row.open.queued },
      { labels: { team, state: "assigned" }, value: row.open.assigned },
    ],
  },
  {
    name: "oldest_wait_seconds",
    help: "How long the longest-waiting unclaimed customer has waited",
    labels: ["team"],
    samples: (team, row) => opt({ team }, row.open.oldestWaitSeconds),
  },
];

function opt(labels: Record<string, string>, value: number | undefined): Sample[] {
  return value === undefined ? [] : [{ labels, value }];
}

function stages(row: TeamFigures): [string, TeamFigures[Stage]][] {
  return (Object.keys(STAGES) as Stage[]).map((stage) => [STAGES[stage], row[stage]]);
}

/**
 * The handoff histogram's series, one per team and stage, each with its durations (seconds).
 * Per team only: the whole business is the sum of the buckets, so an "_all" series would count everything twice.
 */
export function handoffObservations(figures: Figures): { labels: { team: string; stage: string }; seconds: readonly number[] }[] {
  return Object.entries(figures.teams).flatMap(([team, row]) =>
    team === ALL_TEAMS ? [] : stages(row).map(([stage, d]) => ({ labels: { team, stage }, seconds: d.seconds ?? [] })),
  );
}

/** Every sample of every figure gauge, by metric name (without prefix). Also used by tests to compare with `report`. */
export function figureSamples(figures: Figures): Map<string, Sample[]> {
  const out = new Map<string, Sample[]>();
  for (const gauge of FIGURE_GAUGES) {
    out.set(
      gauge.name,
      Object.entries(figures.teams).flatMap(([team, row]) => gauge.samples(team, row, figures)),
    );
  }
  return out;
}

export function createWarmlineMetrics(options: WarmlineMetricsOptions): WarmlineMetrics {
  const registry = new Registry();
  // One computation per scrape: prom-client collects every metric concurrently.
  let inFlight: Promise<{ gauges: Map<string, Sample[]>; handoffs: ReturnType<typeof handoffObservations> }> | undefined;
  const samplesForScrape = () =>
    (inFlight ??= options
      .figures()
      .then((figures) => ({ gauges: figureSamples(figures), handoffs: handoffObservations(figures) }))
      .finally(() => {
        inFlight = undefined;
      }));

  for (const spec of FIGURE_GAUGES) {
    new Gauge({
      name: METRICS_PREFIX + spec.name,
      help: spec.help,
      labelNames: spec.labels,
      registers: [registry],
      async collect() {
        const samples = (await samplesForScrape()).gauges.get(spec.name) ?? [];
        this.reset();
        for (const sample of samples) this.set(sample.labels, sample.value);
      },
    });
  }
  new Histogram({
    name: METRICS_PREFIX + HANDOFF_HISTOGRAM,
    help: "Time to escalation (the bot phase), to claim (the handoff) and to the first agent reply, in seconds, of escalations created in the window",
    labelNames: ["team", "stage"],
    buckets: [...HANDOFF_BUCKETS_SECONDS],
    registers: [registry],
    async collect() {
      const { handoffs } = await samplesForScrape();
      this.reset();
      for (const series of handoffs) {
        // A quiet team or stage reads 0 rather than vanishing.
        this.zero(series.labels);
        for (const seconds of series.seconds) this.observe(series.labels, seconds);
      }
    },
  });
  new Gauge({
    name: `${METRICS_PREFIX}figures_window_seconds`,
    help: "The rolling window the escalation figures cover",
    registers: [registry],
  }).set(options.windowMs / 1000);
  const backlog = new Gauge({
    name: `${METRICS_PREFIX}outbox_backlog`,
    help: "Deliveries (to customers and to Slack) waiting in the outbox",
    registers: [registry],
    async collect() {
      if (options.outboxBacklog) this.set(await options.outboxBacklog());
    },
  });
  const inbox = new Gauge({
    name: `${METRICS_PREFIX}inbox_backlog`,
    help: "Received messages (customers' and agents') not yet processed: pending in their turn, or parked after their retries and waiting for /warmline replay",
    labelNames: ["state"],
    registers: [registry],
    async collect() {
      if (!options.inboxBacklog) return;
      const { pending, parked } = await options.inboxBacklog();
      this.set({ state: "pending" }, pending);
      this.set({ state: "parked" }, parked);
    },
  });
  const connected = new Gauge({
    name: `${METRICS_PREFIX}whatsapp_connected`,
    help: "1 while the WhatsApp session is connected, else 0",
    registers: [registry],
    collect() {
      if (options.whatsappConnected) this.set(options.whatsappConnected() ? 1 : 0);
    },
  });
  backlog.set(0);
  for (const state of ["pending", "parked"]) inbox.set({ state }, 0);
  connected.set(0);
  const recordAssistantCall = options.assistantModel ? assistantCallMetrics(registry) : () => undefined;
  const faults = new Counter({
    name: `${METRICS_PREFIX}process_faults_total`,
    help: "Rejections and exceptions no handler caught, by kind; an uncaught exception also restarts the process",
    labelNames: ["kind"],
    registers: [registry],
  });
  for (const kind of ["unhandled_rejection", "uncaught_exception"]) faults.inc({ kind }, 0);

  return {
    registry,
    contentType: registry.contentType,
    render: () => registry.metrics(),
    setOutboxBacklog: (count) => backlog.set(count),
    setWhatsAppConnection: (state) => connected.set(state === "connected" ? 1 : 0),
    recordAssistantCall,
    countProcessFault: (kind) => faults.inc({ kind }),
  };
}

/** Upper bounds (seconds) of the model call histogram: from a small local model to a timed-out call. */
export const ASSISTANT_CALL_BUCKETS_SECONDS = [0.25, 0.5, 1, 2, 4, 8, 15, 30, 60] as const;

/**
 * The model's calls since this instance started (counters, unlike the store-backed figures above):
 * answered or fallen back, why it fell back, tokens, latency.
 */
function assistantCallMetrics(registry: Registry): (report: AssistantCallReport) => void {
  const calls = new Counter({
    name: `${METRICS_PREFIX}assistant_calls_total`,
    help: "Model calls (assistant.kind openai-compatible) by outcome: answered (the model's answer was used) or fallback (the offline assistant answered)",
    labelNames: ["outcome"],
    registers: [registry],
  });
  const fallbacks = new Counter({
    name: `${METRICS_PREFIX}assistant_fallbacks_total`,
    help: "Model calls the offline assistant answered instead, by cause: timeout, http_error, unreachable, invalid_json, schema_violation, unknown_intent",
    labelNames: ["cause"],
    registers: [registry],
  });
  const tokens = new Counter({
    name: `${METRICS_PREFIX}assistant_tokens_total`,
    help: "Tokens the model server reported, by kind: input (prompt) and output (completion)",
    labelNames: ["kind"],
    registers: [registry],
  });
  const latency = new Histogram({
    name: `${METRICS_PREFIX}assistant_call_seconds`,
    help: "Duration of each model call, answered or not, in seconds",
    buckets: [...ASSISTANT_CALL_BUCKETS_SECONDS],
    registers: [registry],
  });
  // Every series reads 0 until it happens, so a rate() has a baseline.
  for (const outcome of ["answered", "fallback"]) calls.inc({ outcome }, 0);
  for (const cause of FALLBACK_CAUSES) fallbacks.inc({ cause }, 0);
  for (const kind of ["input", "output"]) tokens.inc({ kind }, 0);
  return (report) => {
    calls.inc({ outcome: report.outcome });
    if (report.fallback) fallbacks.inc({ cause: report.fallback });
    if (report.inputTokens) tokens.inc({ kind: "input" }, report.inputTokens);
    if (report.outputTokens) tokens.inc({ kind: "output" }, report.outputTokens);
    latency.observe(report.latencyMs / 1000);
  };
}

/** A request handler for /metrics: Bolt's customRoutes in HTTP mode, the small server in Socket Mode. */
export function metricsRequestHandler(
  metrics: WarmlineMetrics,
  onError: (error: unknown) => void,
  token?: string,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    if (token !== undefined && !hasBearerToken(req, token)) {
      res.writeHead(401, { "content-type": "text/plain", "www-authenticate": 'Bearer realm="warmline-metrics"' });
      res.end("Unauthorized: send Authorization: Bearer <metrics.token from warmline.config.json>.\n");
      return;
    }
    metrics.render().then(
      (body) => {
        res.writeHead(200, { "content-type": metrics.contentType });
        res.end(body);
      },
      (error: unknown) => {
        onError(error);
        res.writeHead(500, { "content-type": "text/plain" });
        res.end("Metrics are unavailable: the store did not answer. See Warmline's log.\n");
      },
    );
  };
}

/** Compares in constant time, so the token cannot be guessed a character at a time. */
function hasBearerToken(req: IncomingMessage, token: string): boolean {
  const given = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "")?.[1] ?? "";
  const [a, b] = [createHash("sha256").update(given).digest(), createHash("sha256").update(token).digest()];
  return timingSafeEqual(a, b);
}

/** Socket Mode has no HTTP server of its own: a tiny one serves /metrics (and 404 elsewhere). */
export async function startMetricsServer(options: {
  metrics: WarmlineMetrics;
  port: number;
  host?: string;
  token?: string;
  onError: (error: unknown) => void;
  /** More routes served beside /metrics (the WhatsApp Cloud API webhook). */
  routes?: { path: string; method: string[]; handler: (req: IncomingMessage, res: ServerResponse) => void }[];
}): Promise<{ port: number; close(): Promise<void> }> {
  const handle = metricsRequestHandler(options.metrics, options.onError, options.token);
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    if (req.method === "GET" && path === METRICS_PATH) return handle(req, res);
    const route = options.routes?.find((r) => r.path === path && r.method.includes(req.method ?? ""));
    if (route) return route.handler(req, res);
    res.writeHead(404, { "content-type": "text/plain" });
    res.end(`Not found: metrics are at ${METRICS_PATH}\n`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error) =>
      reject(
        new WarmlineError(
          "config_invalid",
          `Cannot serve metrics on port ${options.port} (${error.message}): pick a free port in metrics.port of warmline.config.json.`,
          error,
        ),
      ),
    );
    server.listen(options.port, options.host ?? "0.0.0.0", () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
