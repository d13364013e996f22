import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { decodeSlackThreadRef } from "../../channels/slack/slack-ids.js";
import { loadConfigFile } from "../../src/config/load-config.js";
import type { WarmlineConfig } from "../../src/config/schema.js";
import { caseNumberOf } from "../../src/engine/fallback.js";
import { createSilentLogger } from "../../src/logging.js";
import { startWarmline, type WarmlineHandle } from "../../src/main.js";
import { SHIPPED_CONFIG_FILE } from "../../src/paths.js";
import type { WarmlineStore } from "../../src/ports/outbox.js";
import { type FakeSlackApi, startFakeSlackApi } from "../../src/sandbox/fake-slack-api.js";
import { FakeWhatsAppClient } from "../../src/sandbox/fake-whatsapp-client.js";
import {
  type LocalSmtpServer,
  type LocalWebhookReceiver,
  startLocalSmtpServer,
  startWebhookReceiver,
} from "../helpers/fallback-receivers.js";
import { HARNESS_CHANNELS, HARNESS_START, HARNESS_USERS } from "../helpers/slack-harness.js";

const SECRET = "fallback-webhook-secret-0123456789";
const OPS = "C0OPS0001";
const ENGLISH = "447700900101@c.us";
const SPANISH = "34600900102@c.us";
const AFTER_MINUTES = 10;
const WAIT = { timeout: 20_000, interval: 20 };

/**
 * Issue 10, item 6, through startWarmline: the fake Slack API fails every call for longer than the
 * fallback window; a case is opened by e-mail (local SMTP server) and webhook (local receiver), each
 * customer is told its number in their language, and the cards appear, marked late, once Slack is back.
 */
describe("Slack down for longer than fallback.afterMinutes", () => {
  let api: FakeSlackApi;
  let smtp: LocalSmtpServer;
  let hook: LocalWebhookReceiver;
  let handle: WarmlineHandle;
  let dataDir: string;
  const whatsapp = new FakeWhatsAppClient();
  let now = HARNESS_START;
  const clock = { now: () => now };

  /** Fake time passes a minute at a time, with the engine's tick (timers, retries, the fallback) after each. */
  async function passMinutes(minutes: number): Promise<void> {
    for (let i = 0; i < minutes; i++) {
      now += 60_000;
      await handle.engine.tick();
      await handle.idle();
    }
  }
  /**
   * Minutes pass until `check` holds: the outbox's retry timers run in real time in between (their
   * delays are the fake clock's backoff, milliseconds here), as they do between real ticks.
   */
  const minutesUntil = (check: () => Promise<void> | void) =>
    vi.waitFor(async () => {
      await passMinutes(1);
      await check();
    }, WAIT);
  const conversationOf = async (chat: string) => (await handle.store.findActiveByCustomer(`whatsapp:${chat}`))!;
  const toCustomer = (chat: string) => whatsapp.sentTo(chat).map((s) => s.text);
  /** Cards: top-level messages in the team channels (an overflow transfer during the outage moves the card to another team). */
  const cards = () => api.messages.filter((m) => m.channel !== OPS && m.ts === m.thread_ts);

  beforeAll(async () => {
    [api, smtp, hook] = await Promise.all([
      startFakeSlackApi({ channels: structuredClone(HARNESS_CHANNELS), users: HARNESS_USERS }),
      startLocalSmtpServer(),
      startWebhookReceiver(SECRET),
    ]);
    const config: WarmlineConfig = structuredClone(loadConfigFile(SHIPPED_CONFIG_FILE));
    config.slack.mode = "http";
    for (const team of Object.values(config.teams))
      team.businessHours = {
        ...team.businessHours,
        days: ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
        open: "00:00",
        close: "00:00",
      };
    config.outbox = { ...config.outbox, baseDelayMs: 20, maxDelayMs: 200 };
    config.fallback = {
      afterMinutes: AFTER_MINUTES,
      contactWithinMinutes: 120,
      email: { smtpUrl: smtp.url, from: "warmline@shop.example", to: ["support@shop.example"], opsTo: ["ops@shop.example"] },
      webhook: { url: hook.url },
    };
    dataDir = mkdtempSync(join(tmpdir(), "warmline-fallback-"));
    handle = await startWarmline({
      config,
      dataDir,
      clock,
      env: {
        SLACK_BOT_TOKEN: "xoxb-fallback",
        SLACK_SIGNING_SECRET: "fallback-signing-secret",
        SLACK_API_URL: api.url,
        PORT: "0",
        FALLBACK_WEBHOOK_SECRET: SECRET,
      },
      logger: createSilentLogger(),
      whatsapp: { client: whatsapp },
      slack: { processBeforeResponse: true, clientOptions: { retryConfig: { retries: 0 } } },
    });
  }, 60_000);

  afterAll(async () => {
    await handle?.stop();
    await Promise.all([api?.close(), smtp?.close(), hook?.close()]);
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it("opens one case per card by e-mail and webhook, tells each customer its number, alerts ops once, and posts the cards late", {
    timeout: 60_000,
  }, async () => {
    api.outage = { status: 500 };
    whatsapp.customerSays("I want to cancel my order 100311 please, it has not shipped", { from: ENGLISH, name: "Maria Lopez" });
    whatsapp.customerSays("Quiero cancelar mi pedido 100311, por favor, todavía no ha salido", { from: SPANISH, name: "Lucía Pérez" });
    await vi.waitFor(async () => {
      expect((await conversationOf(ENGLISH))?.state).toBe("queued");
      expect((await conversationOf(SPANISH))?.state).toBe("queued");
    }, WAIT);
    await handle.idle();
    // Every card attempt failed and was parked; the customers heard of the handoff, not of the case yet.
    // The case is named after the wait's first card (an overflow transfer during the outage queues another).
    const english = await conversationOf(ENGLISH);
    const spanish = await conversationOf(SPANISH);
    const englishCase = caseNumberOf(english.escalations.at(-1)!.id);
    const spanishCase = caseNumberOf(spanish.escalations.at(-1)!.id);
    expect(api.callsTo("chat.postMessage").length).toBeGreaterThan(0);
    expect(cards()).toEqual([]);

    await passMinutes(AFTER_MINUTES - 1);
    expect(smtp.mails).toEqual([]);
    expect(toCustomer(ENGLISH).join("\n")).not.toContain(englishCase);

    // Past the window; two ticks at once, as two instances would run them: still one case each.
    now += 60_000;
    await Promise.all([handle.engine.tick(), handle.engine.tick()]);
    await handle.idle();
    await minutesUntil(() => {
      expect(toCustomer(ENGLISH).some((t) => t.includes(englishCase))).toBe(true);
      expect(toCustomer(SPANISH).some((t) => t.includes(spanishCase))).toBe(true);
    });

    const englishTold = toCustomer(ENGLISH).filter((t) => t.includes(englishCase));
    expect(englishTold).toHaveLength(1);
    expect(englishTold[0]).toMatch(
      new RegExp(`opened case ${englishCase} .*Our [\\w ]+ team will contact you by today at 12:\\d\\d (BST|GMT\\+1)\\.$`),
    );
    const spanishTold = toCustomer(SPANISH).filter((t) => t.includes(spanishCase));
    expect(spanishTold).toHaveLength(1);
    expect(spanishTold[0]).toMatch(new RegExp(`he abierto el caso ${spanishCase} .*a más tardar hoy, 12:\\d\\d`));

    const cases = smtp.mails.filter((m) => m.to.includes("support@shop.example"));
    expect(cases.map((m) => m.headers["x-warmline-case"]).sort()).toEqual([englishCase, spanishCase].sort());
    expect(cases.find((m) => m.headers["x-warmline-case"] === englishCase)!.text).toContain("I want to cancel my order 100311 please");
    const opsMails = smtp.mails.filter((m) => m.to.includes("ops@shop.example"));
    expect(opsMails).toHaveLength(1);
    expect(opsMails[0]!.headers.subject).toMatch(/Slack unreachable/);
    expect(opsMails[0]!.text).toMatch(/2 cards are waiting for Slack/);

    expect(hook.received.every((r) => r.verified)).toBe(true);
    expect(
      hook.received
        .filter((r) => r.event === "case.opened")
        .map((r) => r.idempotencyKey)
        .sort(),
    ).toEqual([englishCase, spanishCase].sort());
    expect(hook.received.filter((r) => r.event === "ops.alert")).toHaveLength(1);
    const recorded = (await conversationOf(ENGLISH)).escalations.at(-1)!.fallbackCase!;
    expect(recorded).toMatchObject({ number: englishCase, routes: ["e-mail", "webhook"] });
    expect(recorded.externalId).toMatch(/^\d+$/);
    expect((await handle.store.listAudit(english.id)).filter((a) => a.action === "case_opened")).toHaveLength(1);
    expect(cards()).toEqual([]);

    // What the customer writes meanwhile waits for the thread.
    whatsapp.customerSays("Any news on this? ref Q7", { from: ENGLISH });
    await vi.waitFor(
      async () => expect((await conversationOf(ENGLISH)).transcript.some((t) => t.text.includes("ref Q7"))).toBe(true),
      WAIT,
    );
    await passMinutes(1);

    // Slack comes back: each card is posted once, late, with the case on it and a note in its thread.
    api.outage = undefined;
    await minutesUntil(async () => {
      expect(cards()).toHaveLength(2);
      for (const chat of [ENGLISH, SPANISH])
        expect((await conversationOf(chat)).escalations.at(-1)!.fallbackCase!.cardPostedAt).toBeDefined();
    });
    await passMinutes(1);
    for (const [chat, caseNumber] of [
      [ENGLISH, englishCase],
      [SPANISH, spanishCase],
    ] as const) {
      const escalation = (await conversationOf(chat)).escalations.at(-1)!;
      const { channel, threadTs } = decodeSlackThreadRef(escalation.thread!);
      const card = cards().find((m) => m.channel === channel && m.ts === threadTs);
      expect(card, `the card of ${chat}`).toBeDefined();
      expect(JSON.stringify(card!.blocks)).toMatch(
        new RegExp(`Posted late\\*: Slack could not be reached for \\d+ min, so case \\*${caseNumber}\\* was opened by e-mail and webhook`),
      );
      const notes = api.threadReplies(channel, threadTs).map((m) => m.text ?? "");
      expect(
        notes.some((t) => new RegExp(`posted \\d+ min late: Slack could not be reached\\. Case ${caseNumber} was opened`).test(t)),
      ).toBe(true);
      expect(escalation.fallbackCase!.cardPostedAt).toBeDefined();
      if (chat === ENGLISH) expect(notes.filter((t) => t.includes("ref Q7"))).toHaveLength(1);
    }
    // Nothing more is opened, told or alerted once Slack is back.
    await passMinutes(5);
    expect(smtp.mails.filter((m) => m.to.includes("support@shop.example"))).toHaveLength(2);
    expect(toCustomer(ENGLISH).filter((t) => t.includes(englishCase))).toHaveLength(1);
    expect(cards()).toHaveLength(2);
    // Nothing of the current escalations is left waiting (the cards of the teams it overflowed from stay parked).
    const waiting = (await (handle.store as unknown as WarmlineStore).listOutbox()).filter(
      (i) => i.status !== "failed" && i.lane !== "ops",
    );
    expect(waiting).toEqual([]);
  });
});
