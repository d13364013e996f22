import { readFileSync } from "node:fs";
import type { z } from "zod";
import { WarmlineError } from "../domain/errors.js";
import { checkedConfigSchema, configSchema, type WarmlineConfig } from "./schema.js";

export const DEFAULT_CONFIG_FILE = "warmline.config.json";

/** One issue's message, with zod's generic wording replaced where it hides the fix. */
function issueMessage(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case "unrecognized_keys": {
      if (!issue.message.startsWith("Unrecognized key")) return issue.message; // the schema's own wording
      const keys = issue.keys.map((key) => `"${key}"`).join(", ");
      return `unknown key${issue.keys.length === 1 ? "" : "s"} ${keys}: check the spelling (it may belong elsewhere), or remove ${issue.keys.length === 1 ? "it" : "them"}`;
    }
    case "invalid_key":
      // "Invalid key in record" alone hides the key's own rule (e.g. "team keys are lower-case words").
      return issue.issues.length > 0 ? `key not allowed: ${issue.issues.map(issueMessage).join("; ")}` : issue.message;
    default:
      return issue.message;
  }
}

const CONFIG_HINT = "warmline.config.schema.json lets your editor check the file as you type.";

/**
 * Formats zod issues as one line per problem, with the JSON path, so every problem is listed at once.
 * `hint` ends the message: where to look for the file's rules.
 */
export function describeIssues(error: z.ZodError, source: string, hint = CONFIG_HINT): string {
  const lines = error.issues.map((issue) => {
    const path = issue.path.length > 0 ? issue.path.join(".") : "(top level)";
    return `  - ${path}: ${issueMessage(issue)}`;
  });
  return `${source} has ${error.issues.length} problem${error.issues.length === 1 ? "" : "s"}:\n${lines.join("\n")}\nFix them in ${source}; ${hint}`;
}

/** Validates a config object (already parsed JSON). Throws config_invalid listing every problem. */
export function parseConfig(raw: unknown, source = "config"): WarmlineConfig {
  const result = checkedConfigSchema.safeParse(raw);
  if (!result.success) throw new WarmlineError("config_invalid", describeIssues(result.error, source), result.error);
  return result.data;
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
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw new WarmlineError(
      "config_invalid",
      `${file} is not valid JSON (${(cause as Error).message}): fix the syntax, e.g. a missing comma or quote.`,
      cause,
    );
  }
  return parseConfig(raw, file);
}

/** Secrets and deployment settings: from the environment only, never from the config file. */
const secretHelp = {
  SLACK_BOT_TOKEN: "the Bot User OAuth Token (xoxb-…) from your Slack app's OAuth & Permissions page",
  SLACK_SIGNING_SECRET: "the Signing Secret from your Slack app's Basic Information page",
  SLACK_APP_TOKEN: "an app-level token (xapp-…) with connections:write, from Basic Information → App-Level Tokens (Socket Mode only)",
  PORT: "the HTTP port Slack's requests reach, e.g. 3000 (HTTP mode only)",
  REDIS_URL: 'the Redis URL, e.g. redis://127.0.0.1:6379 (store.kind "redis" only)',
} as const;

export interface WarmlineEnv {
  slackBotToken: string;
  slackSigningSecret: string;
  slackAppToken?: string;
  slackApiUrl?: string;
  port?: number;
  redisUrl?: string;
  chromePath?: string;
  logLevel: string;
}

/** The settings that decide which secrets are needed. */
export interface EnvSettings {
  slack: Pick<WarmlineConfig["slack"], "mode">;
  store: Pick<WarmlineConfig["store"], "kind">;
}

/**
 * Reads secrets from `env` (process.env in production, a plain object in tests).
 * Lists every missing or malformed setting at once, with where to get it.
 */
const SLACK_MODE = configSchema.shape.slack.unwrap().shape.mode;
const STORE_KIND = configSchema.shape.store.unwrap().shape.kind;
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
  };
}
