import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SLACK_MAX_CONNECTIONS } from "../../channels/slack/slack-http-transport.js";
import { startWarmlineE2E, type WarmlineE2E } from "../helpers/warmline-e2e.js";

/** Many customers asking for a person in the same moment: every card is posted, over a bounded set of connections. */
describe("a burst of handoffs (startWarmline)", () => {
  let e2e: WarmlineE2E;
  beforeAll(async () => {
    e2e = await startWarmlineE2E();
  }, 60_000);
  afterAll(async () => e2e?.stop());

  it("posts 120 cards with their transcripts, opening no more connections to Slack than its pool allows", async () => {
    const chats = Array.from({ length: 120 }, (_, i) => `4477009${String(i).padStart(5, "0")}@c.us`);
    const opened = e2e.api.connectionsOpened;
    for (const [i, chatId] of chats.entries()) e2e.whatsapp.customerSays("HUMAN", { from: chatId, name: `Burst ${i}` });
    const cards = await Promise.all(chats.map((chatId) => e2e.escalated(chatId)));
    await e2e.handle.idle();

    expect(new Set(cards.map((card) => card.cardTs)).size).toBe(chats.length);
    for (const card of cards) expect(e2e.api.threadReplies(card.channel, card.cardTs).length).toBeGreaterThan(0);
    // Unbounded, this burst opened a connection for nearly every card in flight at once.
    expect(e2e.api.connectionsOpened - opened).toBeLessThanOrEqual(SLACK_MAX_CONNECTIONS);
  }, 60_000);
});
