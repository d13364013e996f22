/**
 * The process the crash test kills: Warmline through startWarmline, in HTTP mode, on a SQLite file
 * (or Redis: CRASH_STORE=redis with REDIS_URL and CRASH_REDIS_NAMESPACE), with Slack's and
 * WhatsApp's servers in the parent (SLACK_API_URL; WARMLINE_BRIDGE_URL for WhatsApp Web, or
 * CRASH_CHANNEL=cloud with the WHATSAPP_* settings for the Cloud API).
 * Prints "READY <port>" once it listens. It runs with the V8 heap tuning `npm start` sets, as production does.
 */
import { tuneHeapForService } from "../../src/cli/service-heap.js";
import { loadConfigFile } from "../../src/config/load-config.js";
import { createSilentLogger } from "../../src/logging.js";
import { startWarmline } from "../../src/main.js";
import { SHIPPED_CONFIG_FILE } from "../../src/paths.js";
import { WhatsAppBridgeClient } from "../helpers/whatsapp-bridge.js";

/** Short, for a test: long enough for the parent's fake Graph API to post the statuses it holds once this process listens. */
const CRASH_IN_DOUBT_GRACE_MS = 3_000;

const config = structuredClone(loadConfigFile(SHIPPED_CONFIG_FILE)) as ReturnType<typeof loadConfigFile> & Record<string, unknown>;
config.slack.mode = "http";
config.store =
  process.env.CRASH_STORE === "redis"
    ? { kind: "redis", sqliteFile: "crash.sqlite", redisNamespace: process.env.CRASH_REDIS_NAMESPACE! }
    : { kind: "sqlite", sqliteFile: "crash.sqlite" };
// Open around the clock, so the run does not depend on the hour it runs at.
for (const team of Object.values(config.teams))
  team.businessHours = { ...team.businessHours, days: ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], open: "00:00", close: "00:00" };
// Fast retries: the parent's servers may be hit while this process is being restarted.
config.outbox = { ...config.outbox, baseDelayMs: 50, maxDelayMs: 500 };
const cloud = process.env.CRASH_CHANNEL === "cloud";
// The fake Graph API posts a status (or posts it again) within milliseconds of this process listening.
if (cloud) config.whatsapp = { ...config.whatsapp, kind: "cloud", inDoubtGraceMs: CRASH_IN_DOUBT_GRACE_MS };
const cloudEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => name.startsWith("WHATSAPP_"))) as Record<string, string>;

tuneHeapForService();
const handle = await startWarmline({
  config,
  dataDir: process.env.WARMLINE_DATA_DIR!,
  env: {
    SLACK_BOT_TOKEN: "xoxb-crash-test",
    SLACK_SIGNING_SECRET: process.env.CRASH_SIGNING_SECRET!,
    SLACK_API_URL: process.env.SLACK_API_URL!,
    PORT: "0",
    LOG_LEVEL: "warn",
    ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
    ...(cloud ? cloudEnv : {}),
  },
  logger: createSilentLogger(),
  ...(cloud ? {} : { whatsapp: { client: new WhatsAppBridgeClient(process.env.WARMLINE_BRIDGE_URL!) } }),
  slack: { processBeforeResponse: true, clientOptions: { retryConfig: { retries: 0 } } },
});
process.stdout.write(`READY ${handle.port}\n`);
process.once("SIGTERM", () => {
  void handle.stop().then(() => {
    process.stdout.write("STOPPED\n");
    process.exit(0);
  });
});
