import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { SLACK_ACTION_IDS } from "../../channels/slack/context-card.js";
import { decodeSlackThreadRef } from "../../channels/slack/slack-ids.js";
import { loadConfigFile } from "../../src/config/load-config.js";
import type { WarmlineConfig } from "../../src/config/schema.js";
import { createSilentLogger } from "../../src/logging.js";
import { startWarmline, type WarmlineHandle } from "../../src/main.js";
import { SHIPPED_CONFIG_FILE } from "../../src/paths.js";
import {
  FAKE_GRAPH_ACCESS_TOKEN,
  FAKE_GRAPH_PHONE_NUMBER_ID,
  type FakeGraphApi,
  startFakeGraphApi,
} from "../../src/sandbox/fake-graph-api.js";
import { type FakeSlackApi, startFakeSlackApi } from "../../src/sandbox/fake-slack-api.js";
import { buttonAction, postEvent, postInteraction, threadReplyEvent } from "../../src/sandbox/slack-signing.js";
import { deleteRedisNamespace } from "../helpers/redis-namespace.js";
import { HARNESS_CHANNELS, HARNESS_USERS } from "../helpers/slack-harness.js";

const WAIT = { timeout: 30_000, interval: 20 };
// Tests are the one place besides src/config that read the environment: they choose their server.
const redisUrl = process.env.REDIS_URL;

if (redisUrl === undefined) {
  console.warn("Skipping the Cloud API multi-instance test on Redis: set REDIS_URL (e.g. redis://127.0.0.1:6379) to run it.");
  describe.skip("two Warmline instances on the Cloud API and one Redis (REDIS_URL is not set)", () => {
    it("needs REDIS_URL", () => {});
  });
} else {
  describe("two Warmline instances on the WhatsApp Cloud API and one Redis: both receive webhooks and both send", () => {
    const CONVERSATIONS = 8;
    const ROUNDS = 3;
    const SECRET = "cloud-multi-signing-secret-0123456789";
    const APP_SECRET = "cloud-multi-app-secret";
    const RETENTION = "C0RETENT1";
    const AGENTS = ["U0AGENT01", "U0AGENT02"];
    const namespace = `warmline-cloud-multi-${randomUUID()}`;
    let api: FakeSlackApi;
    let graph: FakeGraphApi;
    let config: WarmlineConfig;
    const dataDirs: string[] = [];
    const instances: WarmlineHandle[] = [];

    const phoneOf = (i: number) => `4477009${String(30000 + i)}`;
    const customer = (i: number) => ({ phone: phoneOf(i), name: `Customer ${i}` });
    const toCustomer = (i: number) => graph.sent.filter((m) => m.to === phoneOf(i)).map((m) => m.text);
    const eventsUrl = (handle: WarmlineHandle) => `http://127.0.0.1:${handle.port}/slack/events`;
    const cardsOf = (i: number) =>
      api.messages.filter(
        (m) =>
          m.channel === RETENTION && m.ts === m.thread_ts && api.threadReplies(RETENTION, m.ts).some((r) => r.text?.includes(`ref M${i}x`)),
      );
    const threadOf = (i: number) => api.threadReplies(RETENTION, cardsOf(i)[0]!.ts).map((m) => m.text ?? "");
    async function ok(response: Promise<{ status: number; text: string }>): Promise<void> {
      const { status, text } = await response;
      if (status !== 200) throw new Error(`Warmline answered ${status}: ${text}`);
    }
    let tsSeq = 0;

    beforeAll(async () => {
      api = await startFakeSlackApi({ channels: structuredClone(HARNESS_CHANNELS), users: HARNESS_USERS });
      graph = await startFakeGraphApi();
      config = structuredClone(loadConfigFile(SHIPPED_CONFIG_FILE));
      config.slack.mode = "http";
      config.whatsapp.kind = "cloud";
      config.store = { ...config.store, kind: "redis", redisNamespace: namespace };
      for (const team of Object.values(config.teams))
        team.businessHours = {
          ...team.businessHours,
          days: ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
          open: "00:00",
          close: "00:00",
        };
      config.outbox = { ...config.outbox, baseDelayMs: 50, maxDelayMs: 500 };
      for (const name of ["a", "b"]) {
        const dataDir = mkdtempSync(join(tmpdir(), `warmline-cloud-${name}-`));
        dataDirs.push(dataDir);
        instances.push(
          await startWarmline({
            config,
            dataDir,
            env: {
              SLACK_BOT_TOKEN: `xoxb-instance-${name}`,
              SLACK_SIGNING_SECRET: SECRET,
              SLACK_API_URL: api.url,
              PORT: "0",
              REDIS_URL: redisUrl,
              WHATSAPP_ACCESS_TOKEN: `${FAKE_GRAPH_ACCESS_TOKEN}-${name}`,
              WHATSAPP_PHONE_NUMBER_ID: FAKE_GRAPH_PHONE_NUMBER_ID,
              WHATSAPP_APP_SECRET: APP_SECRET,
              WHATSAPP_VERIFY_TOKEN: "verify",
              WHATSAPP_API_URL: graph.url,
            },
            logger: createSilentLogger(),
            slack: { processBeforeResponse: true, clientOptions: { retryConfig: { retries: 0 } } },
          }),
        );
      }
      // The load balancer: Meta's posts alternate between the two instances.
      graph.setWebhook(
        instances.map((h) => `http://127.0.0.1:${h.port}/whatsapp/webhook`),
        APP_SECRET,
      );
    });

    afterAll(async () => {
      for (const handle of instances) await handle.stop();
      await api?.close();
      await graph?.close();
      await deleteRedisNamespace(redisUrl, namespace);
      for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
    });

    it(`${CONVERSATIONS} conversations: one claim winner each, every message once and in order both ways`, {
      timeout: 60_000,
    }, async () => {
      const [a, b] = instances as [WarmlineHandle, WarmlineHandle];
      await Promise.all(
        Array.from({ length: CONVERSATIONS }, async (_, i) => {
          const { messageId } = await graph.customerSays(customer(i), `I want to cancel my order 100311 please ref M${i}x`);
          // Meta delivers it again, to the other instance.
          await graph.redeliver(messageId);
          const card = await vi.waitFor(async () => {
            const conversation = await b.store.findActiveByCustomer(`whatsapp:${phoneOf(i)}@c.us`);
            const thread = conversation?.escalations.at(-1)?.thread;
            if (!conversation || !thread) throw new Error(`No card yet for customer ${i}`);
            return { conversationId: conversation.id, cardTs: decodeSlackThreadRef(thread).threadTs };
          }, WAIT);
          // Both agents click Claim at once, each through another instance.
          await Promise.all(
            AGENTS.map((user, n) =>
              ok(
                postInteraction(
                  eventsUrl(n === 0 ? a : b),
                  SECRET,
                  buttonAction(SLACK_ACTION_IDS.claim, {
                    user,
                    channel: RETENTION,
                    messageTs: card.cardTs,
                    conversationId: card.conversationId,
                  }),
                ),
              ),
            ),
          );
          const conversation = (await a.store.get(card.conversationId))!;
          const winner = conversation.assignee!.id.split(":").at(-1)!;
          for (let n = 1; n <= ROUNDS; n++) {
            await graph.customerSays(customer(i), `customer ${i} says C${i}x${n}`);
            await ok(
              postEvent(
                eventsUrl(n % 2 === 0 ? a : b),
                SECRET,
                threadReplyEvent({
                  channel: RETENTION,
                  user: winner,
                  text: `agent answers A${i}x${n}`,
                  ts: `1717000000.${String(++tsSeq).padStart(6, "0")}`,
                  threadTs: card.cardTs,
                }),
              ),
            );
          }
        }),
      );
      // A message stored by one instance while the other holds its lane waits for the once-a-second poll,
      // which idle() does not cover: wait for both directions.
      await vi.waitFor(() => {
        for (let i = 0; i < CONVERSATIONS; i++) {
          if (toCustomer(i).filter((t) => t.startsWith("agent answers")).length < ROUNDS)
            throw new Error(`Customer ${i} waits for answers`);
          if (threadOf(i).filter((t) => t.includes(`C${i}x`)).length < ROUNDS) throw new Error(`Thread ${i} waits for messages`);
        }
      }, WAIT);
      await Promise.all(instances.map((h) => h.idle()));

      for (let i = 0; i < CONVERSATIONS; i++) {
        const rounds = (prefix: string) => Array.from({ length: ROUNDS }, (_, n) => `${prefix}${i}x${n + 1}`);
        expect(
          toCustomer(i).filter((t) => t.startsWith("agent answers")),
          `customer ${i}`,
        ).toEqual(rounds("agent answers A"));
        expect(
          toCustomer(i).filter((t) => t.includes("has joined")),
          `customer ${i}: one claim winner`,
        ).toHaveLength(1);
        expect(new Set(toCustomer(i)).size, `customer ${i} got a message twice`).toBe(toCustomer(i).length);
        expect(cardsOf(i), `cards of customer ${i}`).toHaveLength(1);
        expect(
          threadOf(i).flatMap((t) => t.match(new RegExp(`C${i}x\\d+\\b`, "g")) ?? []),
          `thread ${i}`,
        ).toEqual(rounds("C"));
        const conversation = (await a.store.findActiveByCustomer(`whatsapp:${phoneOf(i)}@c.us`))!;
        expect(
          (await a.store.listAudit(conversation.id)).filter((e) => e.action === "claimed"),
          `claims of customer ${i}`,
        ).toHaveLength(1);
      }
      // Both instances sent to WhatsApp and did Slack work (the tokens show it).
      expect(new Set(graph.sent.map((m) => m.token))).toEqual(new Set([`${FAKE_GRAPH_ACCESS_TOKEN}-a`, `${FAKE_GRAPH_ACCESS_TOKEN}-b`]));
      expect(new Set(api.calls.filter((c) => c.method === "chat.postMessage").map((c) => c.token))).toEqual(
        new Set(["xoxb-instance-a", "xoxb-instance-b"]),
      );
    });
  });
}
