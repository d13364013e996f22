import { readFileSync } from "node:fs";
import { join } from "node:path";
import { runDoctorChecks, formatDoctorReport, type DoctorDeps } from "../analytics/doctor-checks.js";
import { storeLocationOf } from "../config/environment.js";
import { loadConfigFile } from "../config/load-config.js";
import { PACKAGE_ROOT } from "../paths.js";
import { createSlackDoctorProbe } from "../../channels/slack/slack-doctor.js";
import { findBrowser } from "../../channels/whatsapp/browser-path.js";
import { WHATSAPP_SESSION_DIR } from "../../channels/whatsapp/whatsapp-session.js";
import { openConversationStore } from "../store/open-store.js";
import { createSmtpTransport } from "../../channels/email/email-ticketing.js";
import type { FallbackSecrets } from "../config/fallback-settings.js";
import type { WarmlineConfig } from "../config/schema.js";

/** The bot scopes manifest.json asks for: what the installed token should have. */
export function manifestBotScopes(file = join(PACKAGE_ROOT, "manifest.json")): string[] {
  const manifest = JSON.parse(readFileSync(file, "utf8")) as { oauth_config?: { scopes?: { bot?: string[] } } };
  return manifest.oauth_config?.scopes?.bot ?? [];
}

/** `warmline doctor`: prints every check with its fix; exits 1 when any fails (a check skipped because of it is not a failure). */
export async function runDoctor(options: {
  configFile: string;
  dataDir: string;
  env: Record<string, string | undefined>;
  output: NodeJS.WritableStream;
  /** Tests plant faults by replacing a probe. */
  overrides?: Partial<DoctorDeps>;
}): Promise<number> {
  const checks = await runDoctorChecks({
    loadConfig: () => loadConfigFile(options.configFile),
    configSource: options.configFile,
    env: options.env,
    slack: (env) => createSlackDoctorProbe(env),
    openStore: (config) => openConversationStore(config.store, { ...storeLocationOf(options.dataDir, options.env), existing: true }),
    dataDir: options.dataDir,
    whatsappSessionDir: WHATSAPP_SESSION_DIR,
    manifestScopes: manifestBotScopes(),
    // The same resolution `npm start` uses, over the same variables.
    findBrowser: (configured) =>
      findBrowser({
        configured,
        env: { CHROME_PATH: options.env.CHROME_PATH, PUPPETEER_EXECUTABLE_PATH: options.env.PUPPETEER_EXECUTABLE_PATH },
      }),
    probeFallback: (fallback, secrets) => probeFallback(fallback, secrets),
    ...options.overrides,
  });
  options.output.write(formatDoctorReport(checks));
  return checks.some((check) => !check.ok && !check.skipped) ? 1 : 0;
}

/** The SMTP server of fallback.email answers and takes the login (nodemailer's verify: no mail is sent). A webhook is not probed: a test post would open a ticket. */
async function probeFallback(fallback: NonNullable<WarmlineConfig["fallback"]>, secrets: FallbackSecrets): Promise<string[]> {
  if (!fallback.email) return [];
  const transport = createSmtpTransport(fallback.email.smtpUrl, secrets.smtpAuth);
  try {
    await transport.verify();
    return [];
  } catch (error) {
    return [
      `The SMTP server ${fallback.email.smtpUrl} did not accept a connection (${error instanceof Error ? error.message : String(error)}): check fallback.email.smtpUrl, FALLBACK_SMTP_USER and FALLBACK_SMTP_PASSWORD.`,
    ];
  } finally {
    transport.close();
  }
}
