import { describe, expect, it } from "vitest";
import { loadFallbackSecrets } from "../../src/config/fallback-settings.js";
import { checkConfig, loadConfigFile } from "../../src/config/load-config.js";
import { isWarmlineError } from "../../src/domain/errors.js";
import { SHIPPED_CONFIG_FILE } from "../../src/paths.js";

const shipped = () => structuredClone(loadConfigFile(SHIPPED_CONFIG_FILE)) as unknown as Record<string, unknown>;
const problemsWith = (fallback: unknown) => {
  const checked = checkConfig({ ...shipped(), fallback });
  return checked.ok ? [] : checked.problems;
};
const email = { smtpUrl: "smtp://mail.shop.example:587", from: "warmline@shop.example", to: ["support@shop.example"] };

describe("config: fallback", () => {
  it("is off unless set, and takes e-mail, a webhook or both with defaults for the timings", () => {
    expect(loadConfigFile(SHIPPED_CONFIG_FILE).fallback).toBeUndefined();
    const checked = checkConfig({ ...shipped(), fallback: { email, webhook: { url: "https://helpdesk.shop.example/hooks" } } });
    expect(checked.ok && checked.config.fallback).toMatchObject({ afterMinutes: 10, contactWithinMinutes: 120 });
  });

  it("names each broken setting with its path and fix", () => {
    expect(problemsWith({})).toEqual([
      "fallback: give `email`, `webhook` or both: the route cases take while Slack is down (or remove `fallback` to turn it off)",
    ]);
    expect(problemsWith({ afterMinutes: 0, email: { ...email, smtpUrl: "smtp://warmline:hunter2@mail.shop.example" } })).toEqual([
      "fallback.afterMinutes: Too small: expected number to be >0",
      "fallback.email.smtpUrl: keep the password out of the config file: put it in FALLBACK_SMTP_PASSWORD (and the user in FALLBACK_SMTP_USER)",
    ]);
    expect(problemsWith({ webhook: { url: "ftp://helpdesk.shop.example" }, emial: email })).toEqual([
      'fallback.webhook.url: use the receiver\'s http(s) URL, e.g. "https://example.zendesk.com/api/v2/…"',
      'fallback: unknown key "emial": did you mean "email"?',
    ]);
  });
});

describe("fallback secrets from the environment", () => {
  const fallback = { afterMinutes: 10, contactWithinMinutes: 120, email, webhook: { url: "https://helpdesk.shop.example/hooks" } };

  it("needs nothing when the fallback is off", () => {
    expect(loadFallbackSecrets({}, undefined)).toEqual({});
  });

  it("reads the webhook secret and the SMTP login", () => {
    const env = { FALLBACK_WEBHOOK_SECRET: "0123456789abcdef0123", FALLBACK_SMTP_USER: "warmline", FALLBACK_SMTP_PASSWORD: "pw" };
    expect(loadFallbackSecrets(env, fallback)).toEqual({
      webhookSecret: "0123456789abcdef0123",
      smtpAuth: { user: "warmline", pass: "pw" },
    });
  });

  it("lists every problem at once: a missing webhook secret and half an SMTP login", () => {
    const error = (() => {
      try {
        loadFallbackSecrets({ FALLBACK_SMTP_USER: "warmline" }, fallback);
      } catch (e) {
        return e;
      }
    })();
    expect(isWarmlineError(error, "config_missing_setting")).toBe(true);
    const message = (error as Error).message;
    expect(message).toMatch(/2 settings need attention/);
    expect(message).toMatch(/- FALLBACK_WEBHOOK_SECRET is missing: .*openssl rand -hex 32/);
    expect(message).toMatch(/- FALLBACK_SMTP_PASSWORD is missing: the SMTP login needs both/);
    expect(() => loadFallbackSecrets({ FALLBACK_WEBHOOK_SECRET: "short" }, { ...fallback, email: undefined })).toThrow(
      /too short \(5 characters\)/,
    );
  });
});
