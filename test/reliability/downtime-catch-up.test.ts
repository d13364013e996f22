import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfigFile } from "../../src/config/load-config.js";
import { SANDBOX_CHANNELS, SANDBOX_USERS } from "../../src/demo/sandbox.js";
import { createSilentLogger } from "../../src/logging.js";
import { startWarmline, type WarmlineHandle } from "../../src/main.js";
import { SHIPPED_CONFIG_FILE } from "../../src/paths.js";
import { type FakeSlackApi, startFakeSlackApi } from "../../src/sandbox/fake-slack-api.js";
import { FakeWhatsAppClient } from "../../src/sandbox/fake-whatsapp-client.js";

let api: FakeSlackApi;
let dataDir: string;
const running = new Set<WarmlineHandle>();

beforeAll(async () => {
  api = await startFakeSlackApi({ channels: structuredClone(SANDBOX_CHANNELS), users: SANDBOX_USERS });
  dataDir = mkdtempSync(join(tmpdir(), "warmline-downtime-"));
});

afterAll(async () => {
  for (const handle of running) await handle.stop();
  await api?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Warmline through startWarmline on a SQLite file in `dataDir`, with `client` standing in for WhatsApp's servers. */
async function start(client: FakeWhatsAppClient): Promise<WarmlineHandle> {
  const config = structuredClone(loadConfigFile(SHIPPED_CONFIG_FILE));
  config.slack.mode = "http";
  config.store = { ...config.store, kind: "sqlite", sqliteFile: "downtime.sqlite" };
  // Open around the clock, so the run does not depend on the hour it runs at.
  for (const team of Object.values(config.teams))
    team.businessHours = { ...team.businessHours, days: ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], open: "00:00", close: "00:00" };
  const handle = await startWarmline({
    config,
    dataDir,
    env: { SLACK_BOT_TOKEN: "xoxb-downtime", SLACK_SIGNING_SECRET: "downtime-signing-secret", SLACK_API_URL: api.url, PORT: "0" },
    logger: createSilentLogger(),
    whatsapp: { client },
    slack: { clientOptions: { retryConfig: { retries: 0 } } },
  });
  running.add(handle);
  return handle;
}

async function stop(handle: WarmlineHandle): Promise<void> {
  running.delete(handle);
  await handle.stop();
}

describe("a WhatsApp message sent while Warmline is down", () => {
  it("reaches the Slack thread after the restart, once, after the messages before it", { timeout: 60_000 }, async () => {
    // WhatsApp's servers outlive Warmline's process: one fake client across both runs.
    const client = new FakeWhatsAppClient();
    const first = await start(client);
    client.customerSays("I want to cancel my order 100311 please", { name: "Dana" });
    client.customerSays("it was a gift DOWN1");
    await first.idle();
    const card = api.messages.find((m) => m.channel === "C0RETENT1" && m.ts === m.thread_ts);
    expect(card).toBeDefined();
    const thread = () => api.threadReplies("C0RETENT1", card!.ts).map((m) => m.text ?? "");
    await stop(first);

    client.customerSaysWhileOffline("are you there? DOWN2");
    client.customerSaysWhileOffline("hello?? DOWN3");
    const second = await start(client);
    await second.idle();
    const relayed = thread().filter((t) => /DOWN\d/.test(t));
    expect(relayed).toHaveLength(3);
    expect(relayed.map((t) => /DOWN\d/.exec(t)![0])).toEqual(["DOWN1", "DOWN2", "DOWN3"]);
    await stop(second);
  });
});
