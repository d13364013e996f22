import { afterEach, describe, expect, it, vi } from "vitest";
import { createWebhookTicketing } from "../../channels/webhook/webhook-ticketing.js";
import { CASE_RETRY_AFTER_MS, caseNumberOf } from "../../src/engine/fallback.js";
import { type LocalWebhookReceiver, startWebhookReceiver } from "../helpers/fallback-receivers.js";
import { type SlackHarness, startSlackHarness } from "../helpers/slack-harness.js";

const SECRET = "engine-fallback-secret-0123456789";
const WAIT = { timeout: 20_000, interval: 20 };

let h: SlackHarness | undefined;
let hook: LocalWebhookReceiver | undefined;
afterEach(async () => {
  await h?.close();
  await hook?.close();
  h = hook = undefined;
});

async function outage(withFallback: boolean): Promise<SlackHarness> {
  hook = await startWebhookReceiver(SECRET);
  const url = hook.url;
  h = await startSlackHarness({
    configure: (config) => {
      config.outbox = { ...config.outbox, baseDelayMs: 20, maxDelayMs: 200 };
      if (withFallback) config.fallback = { afterMinutes: 5, contactWithinMinutes: 60, webhook: { url } };
    },
    ...(withFallback ? { ticketing: [createWebhookTicketing({ url, secret: SECRET, clock: { now: () => Date.now() } })] } : {}),
  });
  h.api.outage = { status: 500 };
  await h.customerSays("I want to cancel my order 100311 please");
  return h;
}

/** Fake time passes, with a tick after each step; the outbox's retry timers run in real time between polls. */
async function pass(harness: SlackHarness, ms: number): Promise<void> {
  harness.clock.advance(ms);
  await harness.engine.tick();
  await harness.engine.drain();
}
const current = async (harness: SlackHarness) => (await harness.store.listOpen())[0]!.escalations.at(-1)!;
const told = (harness: SlackHarness, caseNumber: string) => harness.whatsapp.sent.filter((s) => s.text.includes(caseNumber));

describe("fallback in the engine", () => {
  it("a route that refuses the case is tried again a minute later with the same number; the customer is told once it is taken", async () => {
    const harness = await outage(true);
    const caseNumber = caseNumberOf((await current(harness)).id);
    hook!.failWith = 503;
    await vi.waitFor(async () => {
      await pass(harness, 30_000);
      expect(hook!.received.filter((r) => r.event === "case.opened")).toHaveLength(1);
    }, WAIT);
    expect((await current(harness)).fallbackCase).toMatchObject({ number: caseNumber });
    expect((await current(harness)).fallbackCase!.openedAt).toBeUndefined();
    expect(told(harness, caseNumber)).toEqual([]);

    hook!.failWith = undefined;
    await pass(harness, CASE_RETRY_AFTER_MS / 2);
    expect(hook!.received.filter((r) => r.event === "case.opened")).toHaveLength(1);
    await pass(harness, CASE_RETRY_AFTER_MS / 2);
    const opened = hook!.received.filter((r) => r.event === "case.opened");
    expect(opened.map((r) => [r.idempotencyKey, r.verified])).toEqual([
      [caseNumber, true],
      [caseNumber, true],
    ]);
    expect((await current(harness)).fallbackCase).toMatchObject({ number: caseNumber, routes: ["webhook"], externalId: "1001" });
    expect(told(harness, caseNumber)).toHaveLength(1);
    expect(hook!.received.filter((r) => r.event === "ops.alert")).toHaveLength(1);

    for (let i = 0; i < 3; i++) await pass(harness, CASE_RETRY_AFTER_MS);
    expect(hook!.received.filter((r) => r.event === "case.opened")).toHaveLength(2);
    expect(told(harness, caseNumber)).toHaveLength(1);
  });

  it("without a fallback route nothing is opened and the customer is not told of a case", async () => {
    const harness = await outage(false);
    for (let i = 0; i < 12; i++) await pass(harness, 60_000);
    expect(hook!.received).toEqual([]);
    expect((await current(harness)).fallbackCase).toBeUndefined();
    expect(harness.whatsapp.sent.some((s) => /WL-[0-9A-Z]{8}/.test(s.text))).toBe(false);
  });
});
