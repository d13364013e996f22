/**
 * Warmline as the system under test: startWarmline as the tests start it (HTTP mode, silent logs),
 * on the requested store, against the parent's fake Slack and this process's fake WhatsApp client.
 */
import { decodeSlackThreadRef } from "../../channels/slack/slack-ids.js";
import { encodeWhatsAppAddress } from "../../channels/whatsapp/whatsapp-address.js";
import { tuneHeapForService } from "../../src/cli/service-heap.js";
import { loadConfigFile } from "../../src/config/load-config.js";
import type { WarmlineConfig } from "../../src/config/schema.js";
import { createSilentLogger } from "../../src/logging.js";
import { startWarmline, type WarmlineHandle } from "../../src/main.js";
import { SHIPPED_CONFIG_FILE } from "../../src/paths.js";
import type { FakeWhatsAppClient } from "../../src/sandbox/fake-whatsapp-client.js";
import type { InstanceSpec, SystemUnderTest } from "./protocol.js";
import { padTranscripts, seedConversations } from "./seed.js";

/** The shipped config in HTTP mode on the requested store, every team open around the clock (the bench runs any day). */
function benchConfig(spec: InstanceSpec): WarmlineConfig {
  const config = structuredClone(loadConfigFile(SHIPPED_CONFIG_FILE));
  config.slack.mode = "http";
  config.store =
    spec.target === "redis"
      ? { kind: "redis", sqliteFile: "bench.sqlite", ...(spec.redisNamespace ? { redisNamespace: spec.redisNamespace } : {}) }
      : { kind: spec.target === "memory" ? "memory" : "sqlite", sqliteFile: "bench.sqlite" };
  for (const team of Object.values(config.teams))
    team.businessHours = { ...team.businessHours, days: ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], open: "00:00", close: "00:00" };
  return config;
}

export async function startWarmlineUnderTest(spec: InstanceSpec, whatsapp: FakeWhatsAppClient): Promise<SystemUnderTest> {
  if (!spec.dataDir) throw new Error("Warmline needs a data directory: the bench's parent passes one in the instance spec");
  // The V8 heap tuning `npm start` sets, so the bench measures what production runs.
  tuneHeapForService();
  const handle: WarmlineHandle = await startWarmline({
    config: benchConfig(spec),
    dataDir: spec.dataDir,
    env: {
      SLACK_BOT_TOKEN: spec.botToken,
      SLACK_SIGNING_SECRET: spec.signingSecret,
      SLACK_API_URL: spec.slackApiUrl,
      PORT: "0",
      LOG_LEVEL: "silent",
      ...(spec.redisUrl ? { REDIS_URL: spec.redisUrl } : {}),
    },
    logger: createSilentLogger(),
    whatsapp: { client: whatsapp },
    slack: { processBeforeResponse: true, clientOptions: { retryConfig: { retries: 0 } } },
  });
  const { store } = handle;
  const current = (chatId: string) => store.findActiveByCustomer(encodeWhatsAppAddress(chatId));
  return {
    port: handle.port ?? 0,
    async threadOf(chatId) {
      const conversation = await current(chatId);
      const escalation = conversation?.escalations.at(-1);
      if (!conversation || !escalation?.thread) return undefined;
      const ref = decodeSlackThreadRef(escalation.thread);
      return { chatId, channel: ref.channel, threadTs: ref.threadTs, conversationId: conversation.id, escalationId: escalation.id };
    },
    isClaimed: async (chatId) => (await current(chatId))?.state === "assigned",
    seed: (request) => seedConversations(store, request.templateChatId, request.count, request.state),
    padTranscripts: (chatIds, length) => padTranscripts(store, chatIds, length),
    outboxPending: () => store.countOutbox(),
    idle: () => handle.idle(),
    stop: () => handle.stop(),
  };
}
