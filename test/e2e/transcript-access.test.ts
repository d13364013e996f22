import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SLACK_ACTION_IDS, SLACK_ANALYTICS_ACTION_IDS } from "../../channels/slack/context-card.js";
import { E2E_WAIT, startWarmlineE2E, type WarmlineE2E } from "../helpers/warmline-e2e.js";
import { vi } from "vitest";

/**
 * "View full transcript" on a card shows what happened while that card's team held the
 * conversation, and only to that team's channel members, rota or admins: checked on the server.
 */
describe("transcript access after a transfer (startWarmline)", () => {
  let e2e: WarmlineE2E;
  beforeAll(async () => {
    e2e = await startWarmlineE2E();
    for (const channel of e2e.api.channels) {
      if (channel.id === "C0RETENT1") channel.members = ["U0AGENT01"];
      if (channel.id === "C0BILLING") channel.members = ["U0AGENT02"];
    }
  }, 60_000);
  afterAll(async () => e2e?.stop());

  it("the old team's card shows none of the new team's messages or notes, and nobody outside the team sees it", async () => {
    const chat = "447911222333@c.us";
    e2e.whatsapp.customerSays("I want to cancel my order 100311 please", { from: chat, name: "Tove" });
    const retention = await e2e.escalated(chat);
    await e2e.click(SLACK_ACTION_IDS.claim, "U0AGENT01", retention);
    await e2e.agentSays("U0AGENT01", retention, "// retention note: offer 10%");
    await e2e.handle.idle();
    const conversation = (await e2e.handle.store.get(retention.conversationId))!;
    const result = await e2e.handle.engine.transfer(
      retention.conversationId,
      { id: "slack:U0AGENT01", name: "Alex" },
      "billing",
      "Refund question, over to billing",
      conversation.escalations.at(-1)!.id,
    );
    expect(result).toEqual({ ok: true });
    const billing = await vi.waitFor(async () => {
      const card = await e2e.escalated(chat);
      if (card.channel !== "C0BILLING") throw new Error("not yet with billing");
      return card;
    }, E2E_WAIT);
    await e2e.click(SLACK_ACTION_IDS.claim, "U0AGENT02", billing);
    await e2e.agentSays("U0AGENT02", billing, "// billing secret: refund code 7781");
    await e2e.agentSays("U0AGENT02", billing, "Billing here, your refund is approved");
    e2e.whatsapp.customerSays("thanks billing team", { from: chat, name: "Tove" });
    await e2e.handle.idle();

    const opened = () => e2e.api.callsTo("views.open").map((c) => JSON.stringify(c.args.view));
    await e2e.click(SLACK_ANALYTICS_ACTION_IDS.viewTranscript, "U0AGENT01", retention);
    await e2e.handle.idle();
    expect(opened()).toHaveLength(1);
    const view = opened()[0]!;
    expect(view).toContain("I want to cancel my order 100311");
    expect(view).toContain("retention note");
    expect(view).not.toMatch(/billing secret|refund code|Billing here|thanks billing/);

    // Someone in neither channel nor rota, and not an admin, gets no transcript.
    await e2e.click(SLACK_ANALYTICS_ACTION_IDS.viewTranscript, "U0CROWD07", retention);
    await e2e.handle.idle();
    expect(opened()).toHaveLength(1);
    const refusal = e2e.api.callsTo("chat.postEphemeral").at(-1)!;
    expect(refusal.args.user).toBe("U0CROWD07");
    expect(String(refusal.args.text)).toMatch(/members of|rota/);
  });
});
