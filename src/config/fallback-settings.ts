import { WarmlineError } from "../domain/errors.js";
import type { FallbackConfig } from "./fallback-schema.js";

/** The fallback route's secrets: from the environment only, never from the config file. */
export interface FallbackSecrets {
  /** FALLBACK_WEBHOOK_SECRET: the HMAC key the receiver checks signatures with. */
  webhookSecret?: string;
  /** FALLBACK_SMTP_USER and FALLBACK_SMTP_PASSWORD, when the SMTP server needs a login. */
  smtpAuth?: { user: string; pass: string };
}

/** Shortest webhook secret accepted: a guessable key makes the signature worthless. */
export const MIN_WEBHOOK_SECRET_LENGTH = 16;

/**
 * The secrets `fallback` needs, from `env` (readEnvironment() in production). Lists every problem at
 * once with its fix; nothing is needed when the fallback is off.
 */
export function loadFallbackSecrets(env: Record<string, string | undefined>, fallback: FallbackConfig | undefined): FallbackSecrets {
  if (!fallback) return {};
  const problems: string[] = [];
  const secrets: FallbackSecrets = {};
  if (fallback.webhook) {
    const secret = env.FALLBACK_WEBHOOK_SECRET?.trim();
    if (!secret)
      problems.push(
        "FALLBACK_WEBHOOK_SECRET is missing: set it to a random string of 32 characters or more (e.g. `openssl rand -hex 32`) and give the same one to the webhook's receiver.",
      );
    else if (secret.length < MIN_WEBHOOK_SECRET_LENGTH)
      problems.push(
        `FALLBACK_WEBHOOK_SECRET is too short (${secret.length} characters): use ${MIN_WEBHOOK_SECRET_LENGTH} or more, e.g. \`openssl rand -hex 32\`.`,
      );
    else secrets.webhookSecret = secret;
  }
  const user = env.FALLBACK_SMTP_USER?.trim() || undefined;
  const pass = env.FALLBACK_SMTP_PASSWORD || undefined;
  if (fallback.email && (user === undefined) !== (pass === undefined))
    problems.push(
      `FALLBACK_SMTP_${user === undefined ? "USER" : "PASSWORD"} is missing: the SMTP login needs both FALLBACK_SMTP_USER and FALLBACK_SMTP_PASSWORD (or neither, for a server that takes mail without one).`,
    );
  else if (fallback.email && user !== undefined && pass !== undefined) secrets.smtpAuth = { user, pass };
  if (problems.length > 0)
    throw new WarmlineError(
      "config_missing_setting",
      `The fallback route (config "fallback") can't be used: ${problems.length} setting${problems.length === 1 ? " needs" : "s need"} attention.\n${problems.map((p) => `  - ${p}`).join("\n")}\nPut them in .env (see .env.example) or the environment, or remove "fallback" from the config.`,
    );
  return secrets;
}
