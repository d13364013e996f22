import { readFileSync } from "node:fs";
import type { z } from "zod";
import { WarmlineError } from "../domain/errors.js";
import { closestName } from "./closest-name.js";
import { checkedConfigSchema, configSchema, type WarmlineConfig } from "./schema.js";
import { readWhatsAppCloudEnv, WHATSAPP_CLOUD_SECRET_HELP, type WhatsAppCloudEnv } from "./whatsapp-env.js";

export const DEFAULT_CONFIG_FILE = "warmline.config.json";

/** The schema under wrappers (default, optional, pipe…) that don't change which keys it takes. */
function unwrapSchema(schema: z.core.$ZodType): z.core.$ZodType {
  const def = schema._zod.def as { type: string; innerType?: z.core.$ZodType; in?: z.core.$ZodType };
  if (def.innerType) return unwrapSchema(def.innerType);
  if (def.type === "pipe" && def.in) return unwrapSchema(def.in);
  return schema;
}

/** The keys the config schema allows in the object at `path` (record keys and array indexes are walked through). */
function knownKeysAt(path: readonly PropertyKey[]): string[] {
  let schema = unwrapSchema(configSchema);
  for (const key of path) {
    const def = schema._zod.def as {
      type: string;
      shape?: Record<string, z.core.$ZodType>;
      valueType?: z.core.$ZodType;
      element?: z.core.$ZodType;
    };
    const next =
      def.type === "object"
        ? def.shape?.[String(key)]
        : def.type === "record"
          ? def.valueType
          : def.type === "array"
            ? def.element
            : undefined;
    if (!next) return [];
    schema = unwrapSchema(next);
  }
  const shape = (schema._zod.def as { shape?: Record<string, unknown> }).shape;
  return shape ? Object.keys(shape) : [];
}

/** An unknown key, with the allowed key it most likely means. */
function unknownKeyMessage(key: string, path: readonly PropertyKey[]): string {
  const meant = closestName(key, knownKeysAt(path));
  return meant !== undefined
    ? `unknown key "${key}": did you mean "${meant}"?`
    : `unknown key "${key}": check the spelling (it may belong elsewhere), or remove it`;
}

/** One issue's message, with zod's generic wording replaced where it hides the fix. */
function issueMessage(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case "unrecognized_keys": {
      if (!issue.message.startsWith("Unrecognized key")) return issue.message; // the schema's own wording
      return issue.keys.map((key) => unknownKeyMessage(key, issue.path)).join("; ");
    }
    case "invalid_key":
      // "Invalid key in record" alone hides the key's own rule (e.g. "team keys are lower-case words").
      return issue.issues.length > 0 ? `key not allowed: ${issue.issues.map(issueMessage).join("; ")}` : issue.message;
    default:
      return issue.message;
  }
}

const CONFIG_HINT = "warmline.config.schema.json lets your editor check the file as you type.";

/** Zod issues as one line per problem, each beginning with its JSON path. */
export function issueLines(error: z.ZodError): string[] {
  return error.issues.flatMap((issue) => {
    const path = issue.path.length > 0 ? issue.path.join(".") : "(top level)";
    // Each unknown key is a problem of its own, with its own suggestion.
    if (issue.code === "unrecognized_keys" && issue.message.startsWith("Unrecognized key"))
      return issue.keys.map((key) => `${path}: ${unknownKeyMessage(key, issue.path)}`);
    return [`${path}: ${issueMessage(issue)}`];
  });
}

/** Problems (one line each, path first) as one message, so every problem is listed at once. `hint` ends it: where to look for the file's rules. */
export function describeProblems(lines: readonly string[], source: string, hint = CONFIG_HINT): string {
  return `${source} has ${lines.length} problem${lines.length === 1 ? "" : "s"}:\n${lines.map((line) => `  - ${line}`).join("\n")}\nFix them in ${source}; ${hint}`;
}

/** Formats zod issues as one line per problem, with the JSON path (see describeProblems). */
export function describeIssues(error: z.ZodError, source: string, hint = CONFIG_HINT): string {
  return describeProblems(issueLines(error), source, hint);
}

/** Validates a config object (already parsed JSON): the config, or every problem (one line each, path first). */
export function checkConfig(raw: unknown): { ok: true; config: WarmlineConfig } | { ok: false; problems: string[]; error: z.ZodError } {
  const result = checkedConfigSchema.safeParse(raw);
  return result.success ? { ok: true, config: result.data } : { ok: false, problems: issueLines(result.error), error: result.error };
}

/** Validates a config object (already parsed JSON). Throws config_invalid listing every problem. */
export function parseConfig(raw: unknown, source = "config"): WarmlineConfig {
  const checked = checkConfig(raw);
  if (!checked.ok) throw new WarmlineError("config_invalid", describeProblems(checked.problems, source), checked.error);
  return checked.config;
}

/**
 * The config as far as it is usable: each setting as written where it validates, else its default
 * (or absent, when it has none). Cross-field checks are not applied. For checks that should report
 * their problems together with the schema's (the intents the config names), so one run lists every problem.
 */
export function bestEffortConfig(raw: unknown): WarmlineConfig {
  const sections: Record<string, unknown> = {};
  for (const [key, section] of Object.entries(configSchema.shape)) {
    const value = fieldsOf(raw)[key];
    const whole = section.safeParse(value);
    if (whole.success) {
      sections[key] = whole.data;
      continue;
    }
    const def = unwrapSchema(section)._zod.def as { shape?: Record<string, z.ZodType>; valueType?: z.ZodType };
    // An object keeps its valid settings; a record (teams) its valid entries.
    const entries = def.shape
      ? Object.entries(def.shape).map(([field, schema]) => {
          const parsed = schema.safeParse(fieldsOf(value)[field]);
          return [field, parsed.success ? parsed.data : schema.safeParse(undefined).data];
        })
      : def.valueType
        ? Object.entries(fieldsOf(value)).flatMap(([entry, item]) => {
            const parsed = def.valueType!.safeParse(item);
            return parsed.success ? [[entry, parsed.data]] : [];
          })
        : undefined;
    if (entries) sections[key] = Object.fromEntries(entries);
  }
  return sections as WarmlineConfig;
}

/** A config file's JSON as written, valid or not; undefined when it can't be read or parsed. */
export function readRawConfigFile(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return undefined;
  }
}

/** Reads and validates a config file. A missing file or broken JSON gets a message saying how to fix it. */
export function loadConfigFile(file: string): WarmlineConfig {
  return parseConfig(readConfigJson(file), file);
}

/** A config file's JSON, not yet validated. A missing file or broken JSON gets a message saying how to fix it. */
export function readConfigJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (cause) {
    throw new WarmlineError(
      "config_invalid",
      `Cannot read config file ${file}: copy warmline.config.json from the Warmline repository or pass --config with the right path.`,
      cause,
    );
  }
  return parseConfigJson(text, file);
}

/** The config file's JSON; a syntax error is reported at its line and column (file:line:column, as editors link it). */
export function parseConfigJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    const message = (cause as Error).message;
    // V8 gives a character offset ("at position 42"), or none when the text ends too soon.
    const offset = Number(/at position (\d+)/.exec(message)?.[1] ?? text.length);
    const before = text.slice(0, offset).split("\n");
    const where = `${before.length}:${before.at(-1)!.length + 1}`;
    const what = message.replace(/\s*(in JSON )?at position \d+.*$/, "").replace(/ in JSON$/, "");
    throw new WarmlineError(
      "config_invalid",
      `${file}:${where} is not valid JSON (${what}): fix the syntax there, e.g. a missing comma or quote.`,
      cause,
    );
  }
}

/** Secrets and deployment settings: from the environment only, never from the config file. */
const secretHelp = {
  SLACK_BOT_TOKEN: "the Bot User OAuth Token (xoxb-…) from your Slack app's OAuth & Permissions page",
  SLACK_SIGNING_SECRET: "the Signing Secret from your Slack app's Basic Information page",
  SLACK_APP_TOKEN: "an app-level token (xapp-…) with connections:write, from Basic Information → App-Level Tokens (Socket Mode only)",
  PORT: "the HTTP port Slack's requests reach, e.g. 3000 (HTTP mode only)",
  REDIS_URL: 'the Redis URL, e.g. redis://127.0.0.1:6379 (store.kind "redis" only)',
  ...WHATSAPP_CLOUD_SECRET_HELP,
  LLM_BASE_URL:
    'the model server\'s OpenAI-compatible base URL, e.g. http://127.0.0.1:11434/v1 for Ollama (assistant.kind "openai-compatible" only)',
  LLM_MODEL: 'the model\'s id as the server lists it at /models, e.g. "llama3.1:8b" (assistant.kind "openai-compatible" only)',
} as const;

/** Where the model of assistant.kind "openai-compatible" is: LLM_BASE_URL, LLM_MODEL and (hosted APIs) LLM_API_KEY. */
export interface LlmEndpoint {
  baseUrl: string;
  model: string;
  /** Absent for local servers (Ollama, llama-server, vLLM) that need none. */
  apiKey?: string;
}

export interface WarmlineEnv {
  slackBotToken: string;
  slackSigningSecret: string;
  slackAppToken?: string;
  slackApiUrl?: string;
  port?: number;
  redisUrl?: string;
  chromePath?: string;
  logLevel: string;
  /** whatsapp.kind "cloud" only. */
  whatsappCloud?: WhatsAppCloudEnv;
  /** assistant.kind "openai-compatible" only. */
  llm?: LlmEndpoint;
}

/** The settings that decide which secrets are needed. */
export interface EnvSettings {
  slack: Pick<WarmlineConfig["slack"], "mode">;
  store: Pick<WarmlineConfig["store"], "kind">;
  whatsapp?: Pick<WarmlineConfig["whatsapp"], "kind">;
  /** Absent: the offline assistant, which needs no setting. */
  assistant?: Pick<WarmlineConfig["assistant"], "kind">;
}

/**
 * Reads secrets from `env` (process.env in production, a plain object in tests).
 * Lists every missing or malformed setting at once, with where to get it.
 */
const SLACK_MODE = configSchema.shape.slack.unwrap().shape.mode;
const STORE_KIND = configSchema.shape.store.unwrap().shape.kind;
const WHATSAPP_KIND = configSchema.shape.whatsapp.unwrap().shape.kind;
const ASSISTANT_KIND = configSchema.shape.assistant.unwrap().shape.kind;
const fieldsOf = (value: unknown): Record<string, unknown> =>
  typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};

/**
 * What decides the secrets needed, from a config that doesn't validate: each setting as written
 * when valid there, else its default. So a broken config and missing secrets are reported together.
 */
export function envSettingsOf(raw: unknown): EnvSettings {
  const setting = <T>(schema: { safeParse(value: unknown): { data?: T } }, value: unknown): T =>
    schema.safeParse(value).data ?? schema.safeParse(undefined).data!;
  return {
    slack: { mode: setting(SLACK_MODE, fieldsOf(fieldsOf(raw).slack).mode) },
    store: { kind: setting(STORE_KIND, fieldsOf(fieldsOf(raw).store).kind) },
    whatsapp: { kind: setting(WHATSAPP_KIND, fieldsOf(fieldsOf(raw).whatsapp).kind) },
    assistant: { kind: setting(ASSISTANT_KIND, fieldsOf(fieldsOf(raw).assistant).kind) },
  };
}

export function loadEnv(env: Record<string, string | undefined>, config: EnvSettings): WarmlineEnv {
  const problems: string[] = [];
  const need = (name: keyof typeof secretHelp, pattern?: RegExp, patternHint?: string): string | undefined => {
    const value = env[name]?.trim();
    if (!value) {
      problems.push(`  - ${name} is missing: set it to ${secretHelp[name]}.`);
      return undefined;
    }
    if (pattern && !pattern.test(value)) {
      problems.push(`  - ${name} looks wrong (${patternHint}): set it to ${secretHelp[name]}.`);
      return undefined;
    }
    return value;
  };

  const slackBotToken = need("SLACK_BOT_TOKEN", /^xox[bp]-/, "it should start with xoxb-");
  const slackSigningSecret = need("SLACK_SIGNING_SECRET");
  const slackAppToken = config.slack.mode === "socket" ? need("SLACK_APP_TOKEN", /^xapp-/, "it should start with xapp-") : undefined;
  let port: number | undefined;
  if (config.slack.mode === "http") {
    const raw = need("PORT", /^\d{1,5}$/, "it should be a port number");
    port = raw === undefined ? undefined : Number(raw);
  }
  const redisUrl = config.store.kind === "redis" ? need("REDIS_URL", /^rediss?:\/\//, "it should start with redis://") : env.REDIS_URL;

  const whatsappCloud = config.whatsapp?.kind === "cloud" ? readWhatsAppCloudEnv(env, (name) => need(name), problems) : undefined;
  const llm = config.assistant?.kind === "openai-compatible" ? llmEndpointOf(env, need) : undefined;

  const slackApiUrl = env.SLACK_API_URL?.trim() || undefined;
  if (slackApiUrl !== undefined && !/^https?:\/\//.test(slackApiUrl)) {
    problems.push("  - SLACK_API_URL must be an http(s) URL such as https://slack.com/api/ (or unset to use Slack's).");
  }

  if (problems.length > 0) {
    throw new WarmlineError(
      "config_missing_setting",
      `Warmline can't start: ${problems.length} setting${problems.length === 1 ? " needs" : "s need"} attention.\n${problems.join("\n")}\nPut them in .env (see .env.example) or the environment.`,
    );
  }
  return {
    slackBotToken: slackBotToken!,
    slackSigningSecret: slackSigningSecret!,
    slackAppToken,
    slackApiUrl,
    port,
    redisUrl,
    chromePath: env.CHROME_PATH?.trim() || env.PUPPETEER_EXECUTABLE_PATH?.trim() || undefined,
    logLevel: env.LOG_LEVEL?.trim() || "info",
    ...(whatsappCloud ? { whatsappCloud } : {}),
    ...(llm ? { llm } : {}),
  };
}

/** LLM_BASE_URL, LLM_MODEL and the optional LLM_API_KEY; a missing or malformed one is reported through `need`. */
function llmEndpointOf(
  env: Record<string, string | undefined>,
  need: (name: keyof typeof secretHelp, pattern?: RegExp, patternHint?: string) => string | undefined,
): LlmEndpoint | undefined {
  const baseUrl = need("LLM_BASE_URL", /^https?:\/\//, "it should be an http(s) URL ending in /v1");
  const model = need("LLM_MODEL");
  const apiKey = env.LLM_API_KEY?.trim() || undefined;
  if (baseUrl === undefined || model === undefined) return undefined;
  return { baseUrl: baseUrl.replace(/\/+$/, ""), model, ...(apiKey ? { apiKey } : {}) };
}
