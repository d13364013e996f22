import { afterEach, describe, expect, it } from "vitest";
import { SLACK_ACTION_IDS } from "../../channels/slack/context-card.js";
import type { WarmlineStore } from "../../src/ports/outbox.js";
import { type SlackHarness, startSlackHarness } from "../helpers/slack-harness.js";

let h: SlackHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** Lets fake time pass in steps, running the engine's tick each time. */
async function passTime(harness: SlackHarness, totalMs: number, stepMs = 1000): Promise<void> {
  for (let elapsed = 0; elapsed < totalMs; elapsed += stepMs) {
    harness.clock.advance(stepMs);
    await harness.engine.tick();
    await harness.engine.drain();
  }
}

describe("delivery reactions at Slack's rate limits", () => {
  it("a rate-limited reaction never holds up the customer's next reply, and is shown once Slack allows", async () => {
    h = await startSlackHarness();
    const harness = h;
    const escalation = await harness.escalateCancellation();
    await harness.click(SLACK_ACTION_IDS.claim, "U0AGENT01", escalation.conversationId, escalation.thread);
    // reactions.add is a Tier 3 method (about 50 a minute per workspace): a busy team meets its 429s.
    harness.api.failNext("reactions.add", { status: 429, retryAfter: 30 }, { times: 2 });
    const first = await harness.agentReplies("U0AGENT01", escalation.thread, "Let me check that for you");
    await harness.engine.drain();
    const second = await harness.agentReplies("U0AGENT01", escalation.thread, "Your refund is on its way");
    await passTime(harness, 2000);
    const sent = harness.whatsapp.sent.map((s) => s.text);
    expect(sent).toContain("Let me check that for you");
    expect(sent).toContain("Your refund is on its way");
    expect(harness.api.reactionsOn("C0RETENT1", first.ts)).toEqual([]);
    // Retry-After twice over: the reactions wait together, in order, and each is shown once.
    await passTime(harness, 120_000, 5000);
    expect(harness.api.reactionsOn("C0RETENT1", first.ts)).toEqual(["outbox_tray"]);
    expect(harness.api.reactionsOn("C0RETENT1", second.ts)).toEqual(["outbox_tray"]);
    expect(harness.api.callsTo("reactions.add")).toHaveLength(4);
    expect(await (harness.store as unknown as WarmlineStore).listOutbox()).toEqual([]);
  });

  it("a backlog behind a rate limit shows each message where it ended: one reaction, not a step through each state", async () => {
    h = await startSlackHarness();
    const harness = h;
    const escalation = await harness.escalateCancellation();
    await harness.click(SLACK_ACTION_IDS.claim, "U0AGENT01", escalation.conversationId, escalation.thread);
    harness.api.failNext("reactions.add", { status: 429, retryAfter: 30 });
    const reply = await harness.agentReplies("U0AGENT01", escalation.thread, "Your refund is on its way");
    await harness.engine.drain();
    const sent = harness.whatsapp.lastSent()!;
    expect(sent.text).toBe("Your refund is on its way");
    // While "sent" waits out Retry-After, WhatsApp says delivered, then read.
    harness.whatsapp.ack(sent.id, 2);
    await harness.engine.drain();
    harness.whatsapp.ack(sent.id, 3);
    await harness.engine.drain();
    expect(harness.api.reactionsOn("C0RETENT1", reply.ts)).toEqual([]);
    await passTime(harness, 60_000, 5000);
    expect(harness.api.reactionsOn("C0RETENT1", reply.ts)).toEqual(["eyes"]);
    // The refused "sent", then "read" alone: no "sent" and "delivered" added only to be removed.
    expect(harness.api.callsTo("reactions.add").map((call) => call.args.name)).toEqual(["outbox_tray", "eyes"]);
    expect(harness.api.callsTo("reactions.remove")).toEqual([]);
    expect(await (harness.store as unknown as WarmlineStore).listOutbox()).toEqual([]);
  });

  it("drops a reaction Slack held back for more than ten minutes, and still shows a failure however late", async () => {
    h = await startSlackHarness();
    const harness = h;
    const escalation = await harness.escalateCancellation();
    await harness.click(SLACK_ACTION_IDS.claim, "U0AGENT01", escalation.conversationId, escalation.thread);
    // A workspace over its reactions quota for a quarter of an hour.
    harness.api.failNext("reactions.add", { status: 429, retryAfter: 15 * 60 });
    const first = await harness.agentReplies("U0AGENT01", escalation.thread, "Let me check that for you");
    await harness.engine.drain();
    const second = await harness.agentReplies("U0AGENT01", escalation.thread, "Your refund is on its way");
    await harness.engine.drain();
    // WhatsApp could not deliver the second: its "failed" mark queues behind the held-back ones.
    harness.whatsapp.ack(harness.whatsapp.lastSent()!.id, -1);
    await harness.engine.drain();
    await passTime(harness, 20 * 60_000, 30_000);
    // The first message's "sent", refused and then twenty minutes old, is dropped rather than shown.
    expect(harness.api.reactionsOn("C0RETENT1", first.ts)).toEqual([]);
    expect(harness.api.reactionsOn("C0RETENT1", second.ts)).toEqual(["x"]);
    expect(harness.api.callsTo("reactions.add").map((call) => call.args.name)).toEqual(["outbox_tray", "x"]);
    expect(await (harness.store as unknown as WarmlineStore).listOutbox()).toEqual([]);
  });
});
