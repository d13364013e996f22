import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { vi } from "vitest";
import { decodeSlackThreadRef } from "../../channels/slack/slack-ids.js";
import { loadConfigFile } from "../../src/config/load-config.js";
import type { WarmlineConfig } from "../../src/config/schema.js";
import { createSilentLogger } from "../../src/logging.js";
import { startWarmline, type WarmlineHandle } from "../../src/main.js";
import { SHIPPED_CONFIG_FILE } from "../../src/paths.js";
import { type FakeSlackApi, type FakeSlackFile, startFakeSlackApi } from "../../src/sandbox/fake-slack-api.js";
import { FakeWhatsAppClient } from "../../src/sandbox/fake-whatsapp-client.js";
import { buttonAction, postEvent, postInteraction, type SlackResponse, threadReplyEvent } from "../../src/sandbox/slack-signing.js";
import { HARNESS_CHANNELS, HARNESS_USERS } from "./slack-harness.js";

export const E2E_SECRET = "e2e-signing-secret-0123456789abcdef";
export const E2E_WAIT = { timeout: 30_000, interval: 20 };

/** The whole service through startWarmline: real Bolt over HTTP, SQLite in a temp dir, fake Slack and WhatsApp servers. */
export interface WarmlineE2E {
  api: FakeSlackApi;
  whatsapp: FakeWhatsAppClient;
  handle: WarmlineHandle;
  eventsUrl: string;
  /** Waits until the customer's conversation has a card; returns it. */
  escalated(chatId: string): Promise<{ conversationId: string; channel: string; cardTs: string; thread: string }>;
  click(
    actionId: string,
    user: string,
    card: { conversationId: string; channel: string; cardTs: string },
    extra?: object,
  ): Promise<SlackResponse>;
  /** An agent's reply in the card's thread; `files` as Slack lists a file share's (see FakeSlackApi.addFile). */
  agentSays(user: string, card: { channel: string; cardTs: string }, text: string, files?: FakeSlackFile[]): Promise<SlackResponse>;
  /** Every argument Warmline sent to Slack, as one string. */
  everythingSent(): string;
  stop(): Promise<void>;
}

let tsSeq = 0;

export async function startWarmlineE2E(configure?: (config: WarmlineConfig) => void): Promise<WarmlineE2E> {
  const api = await startFakeSlackApi({ channels: structuredClone(HARNESS_CHANNELS), users: HARNESS_USERS });
  const config = structuredClone(loadConfigFile(SHIPPED_CONFIG_FILE));
  config.slack.mode = "http";
  config.store = { kind: "sqlite", sqliteFile: "e2e.sqlite" };
  for (const team of Object.values(config.teams))
    team.businessHours = { ...team.businessHours, days: ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], open: "00:00", close: "00:00" };
  configure?.(config);
  const dataDir = mkdtempSync(join(tmpdir(), "warmline-e2e-"));
  const whatsapp = new FakeWhatsAppClient();
  const handle = await startWarmline({
    config,
    dataDir,
    env: { SLACK_BOT_TOKEN: "xoxb-e2e", SLACK_SIGNING_SECRET: E2E_SECRET, SLACK_API_URL: api.url, PORT: "0", LOG_LEVEL: "warn" },
    logger: createSilentLogger(),
    whatsapp: { client: whatsapp },
    slack: { processBeforeResponse: true, clientOptions: { retryConfig: { retries: 0 } } },
  });
  const eventsUrl = `http://127.0.0.1:${handle.port}/slack/events`;
  return {
    api,
    whatsapp,
    handle,
    eventsUrl,
    escalated: (chatId) =>
      vi.waitFor(async () => {
        const conversation = await handle.store.findActiveByCustomer(`whatsapp:${chatId}`);
        const thread = conversation?.escalations.at(-1)?.thread;
        if (!conversation || !thread) throw new Error(`No card yet for ${chatId}`);
        const ref = decodeSlackThreadRef(thread);
        return { conversationId: conversation.id, channel: ref.channel, cardTs: ref.threadTs, thread };
      }, E2E_WAIT),
    click: (actionId, user, card, extra = {}) =>
      postInteraction(eventsUrl, E2E_SECRET, {
        ...buttonAction(actionId, { user, channel: card.channel, messageTs: card.cardTs, conversationId: card.conversationId }),
        ...extra,
      }),
    agentSays: (user, card, text, files) =>
      postEvent(
        eventsUrl,
        E2E_SECRET,
        threadReplyEvent({
          channel: card.channel,
          user,
          text,
          ts: `1717000000.${String(++tsSeq).padStart(6, "0")}`,
          threadTs: card.cardTs,
          ...(files ? { files } : {}),
        }),
      ),
    everythingSent: () => JSON.stringify(api.calls.map((c) => c.args)),
    async stop() {
      await handle.stop();
      await api.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
