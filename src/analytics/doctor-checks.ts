import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { IntentProblem } from "../assistant/config-intents.js";
import type { ModelEndpointCheck } from "../assistant/model/endpoint-check.js";
import type { EnvSettings, LlmEndpoint, WarmlineEnv } from "../config/load-config.js";
import { bestEffortConfig, envSettingsOf, loadEnv, readRawConfigFile } from "../config/load-config.js";
import { type FallbackSecrets, loadFallbackSecrets } from "../config/fallback-settings.js";
import type { WarmlineConfig } from "../config/schema.js";
import type { WhatsAppCloudEnv } from "../config/whatsapp-env.js";
import { isWarmlineError } from "../domain/errors.js";
import type { ConversationStore } from "../ports/conversation-store.js";

/**
 * `warmline doctor`: every check reports what it found and, when something is wrong, the fix.
 * The checks run over injected probes (Slack, the store, the file system) so tests can plant faults.
 */

export interface DoctorCheck {
  name: string;
  ok: boolean;
  /** Not run because an earlier check failed: neither passed nor failed. */
  skipped?: boolean;
  /** What was found, one line. */
  detail: string;
  /** One line per problem, each saying what to do. */
  fixes: string[];
  /** Problems that don't fail the check, each saying what to do. */
  warnings?: string[];
}

export type SlackAuthResult = { ok: true; user: string; team: string; scopes?: string[] } | { ok: false; error: string; fix: string };

/** What the doctor asks Slack, implemented in channels/slack/slack-doctor.ts. */
export interface SlackDoctorProbe {
  authTest(): Promise<SlackAuthResult>;
  /** Problems with the team and ops channels (missing, or the bot not in them), each with its fix; empty when all is well. */
  channelProblems(config: Pick<WarmlineConfig, "teams" | "slack">): Promise<string[]>;
}

export interface DoctorDeps {
  /** Loads and validates the config; throws WarmlineError config_invalid listing every problem. */
  loadConfig(): WarmlineConfig;
  configSource: string;
  env: Record<string, string | undefined>;
  slack(env: WarmlineEnv): SlackDoctorProbe;
  openStore(config: WarmlineConfig): Promise<ConversationStore>;
  dataDir: string;
  /** The WhatsApp LocalAuth folder inside the data directory. */
  whatsappSessionDir: string;
  /** Bot scopes manifest.json asks for. */
  manifestScopes: readonly string[];
  /** The Chrome/Chromium WhatsApp Web would drive, from whatsapp.browserPath, then the environment, then the usual places; throws saying where it looked and how to install one. */
  findBrowser(configured: string | undefined): string;
  /** Asks Meta's Graph API whether the Cloud API token works for the phone number id: undefined when it does, else what is wrong and how to fix it. */
  whatsappCloud?(env: WhatsAppCloudEnv): Promise<string | undefined>;
  /** Asks the fallback routes' servers whether they answer (the SMTP server); one line per problem, each with its fix. */
  probeFallback?(fallback: NonNullable<WarmlineConfig["fallback"]>, secrets: FallbackSecrets): Promise<string[]>;
  /** The config as written, however broken (default: configSource read as JSON), so the environment is checked even then. */
  rawConfig?(): unknown;
  /** Reads the corpus and answers and checks the config's intents against them (default: the assistant's own prepareAssistant). */
  assistantIntents?(config: WarmlineConfig): Promise<{ corpus: string; problems: IntentProblem[] }>;
  /** assistant.kind "openai-compatible": does the endpoint answer and serve the model (default: GET <LLM_BASE_URL>/models). */
  modelEndpoint?(endpoint: LlmEndpoint): Promise<ModelEndpointCheck>;
}

const REINSTALL = "then reinstall the app to the workspace (OAuth & Permissions → Reinstall) so the token gets it";

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The "- …" lines of a WarmlineError that lists problems, or its whole message. */
export function problemLines(message: string): string[] {
  const lines = message
    .split("\n")
    .filter((line) => /^\s+- /.test(line))
    .map((line) => line.replace(/^\s+- /, ""));
  return lines.length > 0 ? lines : [message];
}

export async function runDoctorChecks(deps: DoctorDeps): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  const pass = (name: string, detail: string) => checks.push({ name, ok: true, detail, fixes: [] });
  const fail = (name: string, detail: string, fixes: string[]) => checks.push({ name, ok: false, detail, fixes });
  const skip = (name: string, why: string) => checks.push({ name, ok: false, skipped: true, detail: `not checked: ${why}`, fixes: [] });

  let config: WarmlineConfig | undefined;
  try {
    config = deps.loadConfig();
    pass("config", `${deps.configSource} is valid (${Object.keys(config.teams).length} teams)`);
  } catch (error) {
    fail("config", `${deps.configSource} is not usable`, isWarmlineError(error) ? problemLines(error.message) : [messageOf(error)]);
  }

  // A broken config's intents are still checked, as far as it shows them: every problem in one run.
  const raw = config ? undefined : readRawConfig(deps);
  const intentsOf = config ?? (raw === undefined ? undefined : bestEffortConfig(raw));
  const asFarAs = config ? "" : " (as far as the broken config shows)";
  if (!intentsOf) skip("assistant intents", "the config can't be read");
  else {
    try {
      const { corpus, problems } = await (deps.assistantIntents ?? prepareAssistantIntents)(intentsOf);
      const errors = problems.filter((problem) => problem.severity === "error").map((problem) => problem.message);
      const warnings = problems.filter((problem) => problem.severity === "warning").map((problem) => problem.message);
      const detail =
        errors.length > 0
          ? `${errors.length} intent${errors.length === 1 ? "" : "s"} in ${deps.configSource} ${errors.length === 1 ? "is" : "are"} not in the corpus ${corpus}, so routing never matches ${errors.length === 1 ? "it" : "them"}${asFarAs}`
          : `every intent ${deps.configSource} names is in the corpus ${corpus}${asFarAs}`;
      checks.push({
        name: "assistant intents",
        ok: errors.length === 0,
        detail,
        fixes: errors,
        ...(warnings.length > 0 ? { warnings } : {}),
      });
    } catch (error) {
      fail(
        "assistant intents",
        "the corpus or answers can't be read",
        isWarmlineError(error) ? problemLines(error.message) : [messageOf(error)],
      );
    }
  }

  // Without a valid config, the secrets are checked for the slack.mode and store.kind it names, else their defaults: every problem at once.
  let env: WarmlineEnv | undefined;
  const settings: EnvSettings = config ?? envSettingsOf(raw);
  const assumed = config
    ? ""
    : ` (for slack.mode "${settings.slack.mode}" and store.kind "${settings.store.kind}", as far as the broken config shows)`;
  try {
    const checked = loadEnv(deps.env, settings);
    if (config) env = checked;
    pass("environment", `every secret the config needs is set${assumed}`);
  } catch (error) {
    fail("environment", `settings are missing from .env or the environment${assumed}`, problemLines(messageOf(error)));
  }

  if (config?.assistant.kind === "openai-compatible") {
    if (!env?.llm) skip("assistant model", "needs LLM_BASE_URL and LLM_MODEL");
    else {
      const model = await (deps.modelEndpoint ?? checkEndpoint)(env.llm).catch(
        (error: unknown): ModelEndpointCheck => ({ ok: false, problem: messageOf(error), fix: "Check LLM_BASE_URL." }),
      );
      if (model.ok) pass("assistant model", model.detail);
      else fail("assistant model", model.problem, [model.fix]);
    }
  }

  if (!env || !config) {
    skip("slack token", "the config and SLACK_BOT_TOKEN are needed first");
    skip("slack scopes", "needs a working token");
    skip("slack channels", "needs a working token");
  } else {
    const slack = deps.slack(env);
    const auth = await slack
      .authTest()
      .catch((error: unknown): SlackAuthResult => ({ ok: false, error: "request_failed", fix: messageOf(error) }));
    if (!auth.ok) {
      fail("slack token", `auth.test failed with ${auth.error}`, [auth.fix]);
      skip("slack scopes", "needs a working token");
      skip("slack channels", "needs a working token");
    } else {
      pass("slack token", `authenticated as ${auth.user} in ${auth.team}`);
      if (auth.scopes === undefined) {
        fail("slack scopes", "Slack did not say which scopes the token has (no x-oauth-scopes header)", [
          "Compare OAuth & Permissions → Scopes with manifest.json by hand.",
        ]);
      } else {
        const granted = new Set(auth.scopes);
        const missing = deps.manifestScopes.filter((scope) => !granted.has(scope));
        if (missing.length === 0) pass("slack scopes", `the token has all ${deps.manifestScopes.length} scopes manifest.json asks for`);
        else
          fail(
            "slack scopes",
            `the token lacks ${missing.join(", ")}`,
            // One reinstall grants them all: one fix line, not one per scope.
            [
              `Add the bot scope${missing.length === 1 ? "" : "s"} ${missing.join(", ")} under OAuth & Permissions (or re-paste manifest.json), ${REINSTALL}.`,
            ],
          );
      }
      const problems = await slack.channelProblems(config).catch((error: unknown) => [messageOf(error)]);
      if (problems.length === 0)
        pass(
          "slack channels",
          `the bot is in all ${Object.keys(config.teams).length} team channels${config.slack.opsChannel ? " and the ops channel" : ""}`,
        );
      else fail("slack channels", `${problems.length} channel problem${problems.length === 1 ? "" : "s"}`, problems);
    }
  }

  if (config?.whatsapp.kind === "cloud") {
    const cloud = env?.whatsappCloud;
    if (!cloud || !deps.whatsappCloud) skip("whatsapp cloud api", "needs the WHATSAPP_* settings first");
    else {
      const problem = await deps.whatsappCloud(cloud).catch((error: unknown) => messageOf(error));
      if (problem === undefined)
        pass("whatsapp cloud api", `the access token works for phone number id ${cloud.phoneNumberId} at ${cloud.apiUrl}`);
      else fail("whatsapp cloud api", "Meta's Graph API refused the token or the phone number id", [problem]);
    }
  } else checkWhatsAppWeb(config);

  function checkWhatsAppWeb(config: WarmlineConfig | undefined): void {
    const session = join(deps.dataDir, deps.whatsappSessionDir);
    if (existsSync(session) && readdirSync(session).length > 0) pass("whatsapp session", `a paired session is stored in ${session}`);
    else
      fail("whatsapp session", `no WhatsApp session in ${session}`, [
        `Run \`npm start\` and scan the QR code with the business phone (WhatsApp → Settings → Linked devices); or pass --data-dir with the service's data directory.`,
      ]);

    if (!config) skip("whatsapp browser", "needs a valid config (whatsapp.browserPath)");
    else {
      try {
        pass("whatsapp browser", `WhatsApp Web will drive ${deps.findBrowser(config.whatsapp.browserPath)}`);
      } catch (error) {
        fail("whatsapp browser", "no Chrome or Chromium for WhatsApp Web", [messageOf(error)]);
      }
    }
  }

  await checkFallback(deps, config, checks);

  if (!config) skip("store", "needs a valid config");
  else {
    let store: ConversationStore | undefined;
    try {
      store = await deps.openStore(config);
      const open = Object.values(await store.teamCounts()).reduce((sum, team) => sum + team.queued + team.assigned, 0);
      pass("store", `${config.store.kind} store answers (${open} open escalations)`);
    } catch (error) {
      fail("store", `the ${config.store.kind} store did not answer`, [messageOf(error)]);
    } finally {
      await store?.close().catch(() => undefined);
    }
  }
  return checks;
}

/** The route cases take while Slack is down (config.fallback): its secrets, and whether its SMTP server answers. */
async function checkFallback(deps: DoctorDeps, config: WarmlineConfig | undefined, checks: DoctorCheck[]): Promise<void> {
  const name = "fallback";
  if (!config) {
    checks.push({ name, ok: false, skipped: true, detail: "not checked: needs a valid config", fixes: [] });
    return;
  }
  const fallback = config.fallback;
  if (!fallback) {
    checks.push({
      name,
      ok: true,
      detail: "off: while Slack is down, customers waiting for a person are not told (see README: Fallback)",
      fixes: [],
    });
    return;
  }
  const routes = [
    ...(fallback.email ? [`e-mail to ${fallback.email.to.join(", ")}`] : []),
    ...(fallback.webhook ? [`webhook ${fallback.webhook.url}`] : []),
  ];
  let secrets: FallbackSecrets;
  try {
    secrets = loadFallbackSecrets(deps.env, fallback);
  } catch (error) {
    checks.push({ name, ok: false, detail: `${routes.join(" and ")} can't be used`, fixes: problemLines(messageOf(error)) });
    return;
  }
  const problems = (await deps.probeFallback?.(fallback, secrets).catch((error: unknown) => [messageOf(error)])) ?? [];
  checks.push({
    name,
    ok: problems.length === 0,
    detail:
      problems.length === 0
        ? `after ${fallback.afterMinutes} min without a card, cases go by ${routes.join(" and ")}${fallback.email ? " (the SMTP server answers)" : ""}`
        : `${routes.join(" and ")}: ${problems.length} problem${problems.length === 1 ? "" : "s"}`,
    fixes: problems,
  });
}

export function formatDoctorReport(checks: readonly DoctorCheck[]): string {
  const warned = (check: DoctorCheck) => (check.warnings?.length ?? 0) > 0;
  const lines = checks.flatMap((check) => [
    `${check.skipped ? "skip" : !check.ok ? "FAIL" : warned(check) ? "warn" : "ok  "} ${check.name}: ${check.detail}`,
    ...check.fixes.map((fix) => `       fix: ${fix}`),
    ...(check.warnings ?? []).map((warning) => `       warning: ${warning}`),
  ]);
  const failed = checks.filter((c) => !c.ok && !c.skipped).length;
  const skipped = checks.filter((c) => c.skipped).length;
  const warnings = checks.filter((c) => c.ok && warned(c)).length;
  const withWarnings = warnings > 0 ? `, ${warnings} with warnings above` : "";
  const withSkipped = skipped > 0 ? `, ${skipped} not checked until ${failed === 1 ? "it is" : "they are"} fixed` : "";
  lines.push(
    failed === 0
      ? `All checks passed${withWarnings}.`
      : `${failed} check${failed === 1 ? "" : "s"} failed${withSkipped}${withWarnings}: apply the fixes above and run \`warmline doctor\` again.`,
  );
  return `${lines.join("\n")}\n`;
}

async function prepareAssistantIntents(config: WarmlineConfig): Promise<{ corpus: string; problems: IntentProblem[] }> {
  // Loaded on demand: it brings in NLP.js, which the other checks don't need.
  const { prepareAssistant } = await import("../assistant/from-config.js");
  return prepareAssistant(config);
}

async function checkEndpoint(endpoint: LlmEndpoint): Promise<ModelEndpointCheck> {
  // Loaded on demand, like the corpus: only a config with a model needs it.
  const { checkModelEndpoint } = await import("../assistant/model/endpoint-check.js");
  return checkModelEndpoint(endpoint);
}

function readRawConfig(deps: DoctorDeps): unknown {
  if (!deps.rawConfig) return readRawConfigFile(deps.configSource);
  try {
    return deps.rawConfig();
  } catch {
    return undefined;
  }
}
