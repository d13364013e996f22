import { z } from "zod";
import { signalActionsSchema, signalPhrasesSchema } from "./signal-actions.js";
import { ESCALATION_REASONS } from "../domain/escalation.js";
import { customerLanguagesSchema, keywordsSchema, languageCode, messagesSchema } from "./customer-messages-schema.js";
import { checkWhatsAppSettings, whatsappConfigSchema } from "./whatsapp-schema.js";
import { fallbackSchema } from "./fallback-schema.js";

/**
 * The single source of truth for Warmline's configuration. `warmline.config.json` is validated
 * against it, and `npm run schema` writes warmline.config.schema.json from it for editors.
 * Each field's description doubles as the fix hint in error messages and as the config reference.
 * Objects are strict: a misspelled setting is reported rather than silently replaced by its default.
 */

const time = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'use 24-hour HH:MM, e.g. "09:00"')
  .describe("24-hour time, HH:MM");

const weekday = z.enum(["mon", "tue", "wed", "thu", "fri", "sat", "sun"]);

const timeZone = z
  .string()
  .refine((tz) => {
    try {
      new Intl.DateTimeFormat("en", { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, 'use an IANA time zone such as "Europe/London" or "America/New_York"')
  .describe("IANA time zone");

export const businessHoursSchema = z
  .strictObject({
    timezone: timeZone,
    days: z.array(weekday).min(1, 'list at least one open day, e.g. ["mon","tue"]'),
    open: time,
    close: time,
  })
  .describe("When the team works. Outside these hours the customer is offered a callback instead of a false promise.");

const slackChannel = z
  .string()
  .regex(
    /^(#[a-z0-9][a-z0-9._-]{0,79}|[CG][A-Z0-9]{6,})$/,
    'use a channel name like "#support-escalations" or a channel ID like "C0123ABCD"',
  )
  .describe("Slack channel name (#name) or ID (C…)");

/** U… ids, and W… ids on Enterprise Grid: both are people. */
const slackUserId = z
  .string()
  .regex(/^[UW][A-Z0-9]{6,}$/, 'use Slack user IDs such as "U0123ABCD" or, on Enterprise Grid, "W0123ABCD" (profile → ⋮ → Copy member ID)');

export const teamSchema = z.strictObject({
  displayName: z.string().min(1).describe('Shown to customers and agents, e.g. "Billing"'),
  channel: slackChannel,
  claimWithinMinutes: z
    .number()
    .positive()
    .max(24 * 60)
    .describe("Minutes an escalation may wait unclaimed before the rota is pinged"),
  businessHours: businessHoursSchema,
  rota: z.array(slackUserId).default([]).describe("Slack user IDs allowed to claim; empty means anyone in the channel"),
  pingGroup: z
    .string()
    .regex(/^S[A-Z0-9]{6,}$/, 'use a Slack user group ID such as "S0123ABCD"')
    .optional()
    .describe("User group pinged when the claim deadline passes"),
  overflowTeam: z.string().optional().describe("Team that receives the escalation at twice the claim deadline"),
  languages: z
    .array(languageCode)
    .optional()
    .describe("Languages the team serves (ISO 639-1): routing prefers it, among routing.alternateTeams, for customers writing them"),
  rotaLanguages: z
    .record(slackUserId, z.array(languageCode).min(1))
    .optional()
    .describe('Languages each agent speaks, e.g. { "U0123ABCD": ["es", "pt"] }: the card suggests those who speak the customer\'s'),
});

export const routingRuleSchema = z
  .strictObject({
    when: z
      .strictObject({
        intent: z.string().optional(),
        reason: z.enum(ESCALATION_REASONS).optional(),
        tier: z.enum(["standard", "vip"]).optional(),
        keyword: z.string().optional().describe("Case-insensitive substring of the customer's message"),
      })
      .refine((w) => Object.keys(w).length > 0, "give at least one condition: intent, reason, tier or keyword"),
    team: z.string(),
  })
  .describe("First matching rule wins, before the intent table");

export const assistantConfigSchema = z.strictObject({
  corpus: z.string().optional().describe("CSV (text,intent) to train on instead of the shipped corpus"),
  answers: z.string().optional().describe("JSON intent → answer overrides"),
  orders: z.string().optional().describe("JSON file of sample orders for the file-backed Commerce"),
  orderIntents: z
    .array(z.string())
    .default(["track_order", "cancel_order", "change_order", "get_refund", "track_refund", "check_refund_policy"])
    .describe("Intents whose answer depends on the order: with an order number the assistant looks it up, without one it asks"),
  kind: z
    .enum(["offline", "openai-compatible"])
    .default("offline")
    .describe(
      "offline: the NLP.js assistant, no network. openai-compatible: a model behind LLM_BASE_URL (Ollama, llama-server, vLLM, a hosted API) judges each message; the rules still decide, and the offline assistant answers whenever the model fails",
    ),
  timeoutMs: z
    .number()
    .int()
    .positive()
    .max(120_000)
    .default(8000)
    .describe("openai-compatible: a model call slower than this is abandoned and the offline assistant answers (counted in /metrics)"),
  maxContextMessages: z
    .number()
    .int()
    .min(0)
    .max(50)
    .default(10)
    .describe("openai-compatible: earlier messages of the conversation sent with each call, newest kept"),
  maskPii: z
    .boolean()
    .default(true)
    .describe("openai-compatible: mask card numbers, emails and phone numbers before any text leaves for the model"),
  jsonSchema: z
    .boolean()
    .default(true)
    .describe(
      "openai-compatible: ask for the answer's JSON schema (response_format json_schema; Ollama, llama-server, vLLM and OpenAI support it). false: plain JSON mode, the schema spelled out in the prompt. The answer is validated either way",
    ),
  summaryLanguage: languageCode
    .default("en")
    .describe("openai-compatible: the language the agents read, for the card's summary the model writes (ISO 639-1)"),
});

export const policySchema = z.strictObject({
  confidenceThreshold: z.number().min(0).max(1).default(0.55).describe("Below this assistant confidence the bot counts a miss"),
  missesBeforeEscalation: z.number().int().min(1).default(2).describe("Misses (unsure answers, noise) before low_confidence escalates"),
  repeatSimilarity: z.number().min(0).max(1).default(0.5).describe("Text similarity at which two customer messages count as the same need"),
  repeatsBeforeEscalation: z
    .number()
    .int()
    .min(2)
    .max(5)
    .default(3)
    .describe("Times the customer states the same need before repeated_failure escalates"),
  negativeSentimentThreshold: z
    .number()
    .min(-1)
    .max(0)
    .default(-0.6)
    .describe("Sentiment at or below this escalates as negative_sentiment"),
  refundLimit: z.number().nonnegative().default(100).describe("Refunds above this amount need a human (money_threshold)"),
  currency: z.string().length(3).default("USD"),
  toolFailuresBeforeEscalation: z.number().int().min(1).default(2),
  maxBotTurns: z.number().int().min(2).default(12).describe("Customer turns with the bot before conversation_length escalates"),
  priorityIntents: z.array(z.string()).default(["cancel_order", "delete_account", "payment_issue"]),
  alwaysHumanIntents: z.array(z.string()).default(["complaint"]),
  alwaysHumanTopics: z
    .record(z.string(), z.array(z.string().min(2)))
    .default({})
    .describe("Topic name → phrases; any match hands over (legal, safety, security, complaint)"),
  humanRequestPhrases: z
    .array(z.string())
    .default([])
    .describe("Extra phrases that mean 'let me talk to a person' (same as signalPhrases.human_request)"),
  humanWords: z
    .array(z.string())
    .default([])
    .describe("Extra words that name a person or the support team (same as signalPhrases.human_request)"),
  signalPhrases: signalPhrasesSchema,
  signalActions: signalActionsSchema,
  humanRequestIntents: z
    .array(z.string())
    .default(["contact_human_agent", "contact_customer_service"])
    .describe("Intents that are a request for a person when the assistant is confident (explicit_request)"),
  refundIntents: z
    .array(z.string())
    .default(["get_refund", "check_refund_policy"])
    .describe("Intents that ask for money back: refundLimit applies, and the assistant asks for the order first"),
  refundTrackingIntents: z
    .array(z.string())
    .default(["track_refund"])
    .describe("Intents that ask where a refund already granted is: no money decision, so refundLimit does not apply"),
  smallTalkIntents: z
    .array(z.string())
    .default(["greeting", "thanks"])
    .describe("Intents that say nothing of the customer's goal (the card's summary skips them)"),
  mandatoryReasons: z
    .array(z.enum(ESCALATION_REASONS))
    .default(["always_human", "priority_intent", "money_threshold", "policy_exception"])
    .describe(
      "Reasons the customer cannot decline with BOT; the rest are optional. Leave out explicit_request: a customer who asked for a person may change their mind",
    ),
  stillQueuedEveryMinutes: z
    .number()
    .positive()
    .max(24 * 60)
    .default(10)
    .describe("While a customer waits in line, their messages are acknowledged (messages.stillQueued) at most this often"),
  priorityByReason: z
    .partialRecord(z.enum(ESCALATION_REASONS), z.enum(["normal", "high", "urgent"]), {
      // A partial record reports keys outside the enum as unrecognized_keys (not in its declared issue types).
      error: (issue) => {
        const keys = (issue as { keys?: string[] }).keys;
        return keys
          ? `unknown escalation reason${keys.length === 1 ? "" : "s"} ${keys.map((key) => `"${key}"`).join(", ")}: use ${ESCALATION_REASONS.join(", ")}`
          : undefined;
      },
    })
    .default({})
    .describe("Escalation reason → card priority"),
});

const tcpPort = z.number().int().min(0).max(65535);

export const configSchema = z.strictObject({
  $schema: z.string().optional(),
  business: z.strictObject({ name: z.string().min(1) }),
  slack: z
    .strictObject({
      mode: z
        .enum(["socket", "http"])
        .default("socket")
        .describe("socket needs SLACK_APP_TOKEN and no public URL; http listens on PORT at /slack/events"),
      opsChannel: slackChannel.optional(),
      admins: z.array(slackUserId).default([]),
      notesByDefault: z
        .boolean()
        .optional()
        .describe(
          "Default false. True: thread replies stay internal unless they start with >> or are sent with the Send to customer shortcut (safer; the claimant must opt in per reply)",
        ),
    })
    .default({ mode: "socket", admins: [] }),
  http: z
    .strictObject({
      host: z
        .string()
        .default("0.0.0.0")
        .describe("HTTP mode: the address Slack's events listener binds (127.0.0.1 behind a reverse proxy on the same host)"),
      port: tcpPort
        .optional()
        .describe(
          "Socket Mode: the port of a small HTTP server for /whatsapp/webhook (whatsapp.kind cloud) and GET /metrics; metrics.port is its older name. HTTP mode serves both on PORT beside /slack/events",
        ),
    })
    .default({ host: "0.0.0.0" }),
  teams: z.record(z.string().regex(/^[a-z][a-z0-9_-]*$/, 'team keys are lower-case words like "billing"'), teamSchema),
  routing: z.strictObject({
    defaultTeam: z.string(),
    vipTeam: z.string().optional().describe("Priority lane for VIP customers"),
    intentTeams: z.record(z.string(), z.string()).default({}),
    rules: z.array(routingRuleSchema).default([]),
    alternateTeams: z
      .record(z.string(), z.array(z.string()).min(1))
      .optional()
      .describe(
        'Team → teams that can take its escalations too, e.g. { "retention": ["retention_latam"] }: a customer writing a language the usual team does not list in teams.<key>.languages goes to the first alternate that does',
      ),
  }),
  policy: policySchema.default(policySchema.parse({})),
  keywords: keywordsSchema,
  messages: messagesSchema.prefault({}),
  languages: customerLanguagesSchema,
  customers: z
    .strictObject({
      vip: z.array(z.string()).default([]).describe("Phone numbers (international form) of VIP customers"),
    })
    .default({ vip: [] }),
  privacy: z
    .strictObject({
      maskCards: z.boolean().default(true),
      maskEmails: z.boolean().default(true),
      maskPhones: z.boolean().default(true),
      maskIbans: z.boolean().optional().describe("Default true: IBANs (checked by mod-97) are masked"),
      defaultRegion: z
        .string()
        .regex(/^[A-Z]{2}$/, 'use a two-letter country code such as "GB"')
        .optional()
        .describe("Country national phone numbers are read in when the customer's own number does not say (ISO 3166, e.g. GB)"),
      transcriptRetentionDays: z.number().positive().default(90),
    })
    .default({ maskCards: true, maskEmails: true, maskPhones: true, transcriptRetentionDays: 90 }),
  outbox: z
    .strictObject({
      maxAttempts: z
        .number()
        .int()
        .min(1)
        .max(50)
        .default(6)
        .describe(
          "Failed attempts (Slack 5xx, network errors) before an outbound message is parked as failed, reported in its thread and the ops channel, and kept for replay",
        ),
      baseDelayMs: z
        .number()
        .int()
        .positive()
        .default(1000)
        .describe(
          "First retry delay; it doubles per attempt, and each wait is spread between half and all of it so messages that failed together do not retry together",
        ),
      maxDelayMs: z
        .number()
        .int()
        .positive()
        .default(5 * 60_000)
        .describe("Longest delay between two attempts"),
      giveUpAfterMinutes: z
        .number()
        .positive()
        .default(60)
        .describe("Rate limits and a disconnected WhatsApp don't use up attempts; after this long the message is reported as failed"),
    })
    .default({ maxAttempts: 6, baseDelayMs: 1000, maxDelayMs: 5 * 60_000, giveUpAfterMinutes: 60 })
    .describe("Every outbound message is stored before it is sent, and retried until delivered"),
  fallback: fallbackSchema.optional(),
  store: z
    .strictObject({
      kind: z.enum(["sqlite", "redis", "memory"]).default("sqlite").describe("redis for several instances (needs REDIS_URL)"),
      sqliteFile: z.string().default("warmline.sqlite").describe("Relative to the data directory"),
      redisNamespace: z
        .string()
        .regex(/^[\w.-]+$/, "use letters, digits, '.', '_' or '-'")
        .optional()
        .describe(
          'redis only: the key prefix (default "warmline"); every instance of one deployment uses the same, so separate deployments can share a Redis',
        ),
    })
    .default({ kind: "sqlite", sqliteFile: "warmline.sqlite" }),
  assistant: assistantConfigSchema.prefault({}),
  metrics: z
    .strictObject({
      port: tcpPort
        .optional()
        .describe(
          "Socket Mode: the port of a small HTTP server for GET /metrics (unset: no metrics server). HTTP mode serves /metrics on PORT",
        ),
      host: z
        .string()
        .default("0.0.0.0")
        .describe("Socket Mode: the address the /metrics server listens on (127.0.0.1 for a local scraper only)"),
      token: z
        .string()
        .min(16, "use at least 16 random characters (e.g. openssl rand -hex 24)")
        .optional()
        .describe("When set, /metrics answers only requests with Authorization: Bearer <token> (401 otherwise)"),
      window: z
        .string()
        .regex(/^\d+[mhdw]$/, 'use a number and a unit, e.g. "24h" or "7d"')
        .default("24h")
        .describe("Rolling window the escalation figures on /metrics cover"),
    })
    .default({ window: "24h", host: "0.0.0.0" }),
  digest: z
    .strictObject({
      enabled: z.boolean().default(true).describe("Post the weekly escalation digest to slack.opsChannel"),
      day: weekday.default("mon"),
      time: time.default("09:00"),
      timezone: timeZone.default("UTC"),
    })
    .default({ enabled: true, day: "mon", time: "09:00", timezone: "UTC" })
    .describe("The weekly digest of escalation figures in the ops channel"),
  whatsapp: whatsappConfigSchema,
});

export { customerLanguagesSchema, keywordsSchema, messagesSchema };
export type WarmlineConfig = z.infer<typeof configSchema>;
export type TeamConfig = z.infer<typeof teamSchema>;
export type PolicyConfig = z.infer<typeof policySchema>;
export type RoutingConfig = WarmlineConfig["routing"];
export type BusinessHoursConfig = z.infer<typeof businessHoursSchema>;
export type KeywordsConfig = z.infer<typeof keywordsSchema>;
export type MessagesConfig = z.infer<typeof messagesSchema>;
export type CustomerLanguagesConfig = z.infer<typeof customerLanguagesSchema>;
export type { WhatsAppConfig, WhatsAppTemplateConfig } from "./whatsapp-schema.js";
export type { FallbackConfig } from "./fallback-schema.js";

const recordOf = (value: unknown): Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};

/**
 * Cross-field checks zod's shape can't express: every team a setting names must exist. They run
 * even when other settings are wrong (reading the raw values defensively), so every problem is
 * listed at once.
 */
export const checkedConfigSchema = configSchema.superRefine(
  (value, ctx) => {
    const config = recordOf(value as unknown);
    const teams = new Set(Object.keys(recordOf(config.teams)));
    const requireTeam = (team: unknown, path: (string | number)[]) => {
      if (typeof team === "string" && !teams.has(team)) {
        ctx.addIssue({
          code: "custom",
          path,
          message: `team "${team}" is not defined: add it under "teams"${teams.size > 0 ? ` or use one of ${[...teams].join(", ")}` : ""}`,
        });
      }
    };
    const routing = recordOf(config.routing);
    requireTeam(routing.defaultTeam, ["routing", "defaultTeam"]);
    requireTeam(routing.vipTeam, ["routing", "vipTeam"]);
    for (const [intent, team] of Object.entries(recordOf(routing.intentTeams))) requireTeam(team, ["routing", "intentTeams", intent]);
    if (Array.isArray(routing.rules)) routing.rules.forEach((rule, i) => requireTeam(recordOf(rule).team, ["routing", "rules", i, "team"]));
    for (const [key, team] of Object.entries(recordOf(config.teams)))
      requireTeam(recordOf(team).overflowTeam, ["teams", key, "overflowTeam"]);
    checkWhatsAppSettings(config, ctx);
    for (const [key, alternates] of Object.entries(recordOf(routing.alternateTeams))) {
      requireTeam(key, ["routing", "alternateTeams", key]);
      if (Array.isArray(alternates)) alternates.forEach((team, i) => requireTeam(team, ["routing", "alternateTeams", key, i]));
    }
  },
  { when: () => true },
);
