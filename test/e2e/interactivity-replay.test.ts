import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SLACK_ACTION_IDS } from "../../channels/slack/context-card.js";
import { SLACK_INTERACTION_RUNNING_TTL_MS, slackInteractionKey } from "../../channels/slack/interactivity-dedupe.js";
import { buttonAction, postInteraction } from "../../src/sandbox/slack-signing.js";
import { E2E_SECRET, startWarmlineE2E, type WarmlineE2E } from "../helpers/warmline-e2e.js";

/** A captured, signed click sent again inside Slack's five-minute signature window must not act twice. */
describe("interactivity replay (startWarmline, real Bolt receiver)", () => {
  let e2e: WarmlineE2E;
  beforeAll(async () => {
    e2e = await startWarmlineE2E();
  }, 60_000);
  afterAll(async () => e2e?.stop());

  it("a replayed Release click does not release the conversation again", async () => {
    e2e.whatsapp.customerSays("I want to cancel my order 100311 please", { from: "447911123456@c.us", name: "Rhys" });
    const card = await e2e.escalated("447911123456@c.us");
    const click = (actionId: string) =>
      buttonAction(actionId, { user: "U0AGENT01", channel: card.channel, messageTs: card.cardTs, conversationId: card.conversationId });
    const withTs = (body: ReturnType<typeof buttonAction>, actionTs: string) => ({
      ...body,
      actions: [{ ...(body.actions as object[])[0], action_ts: actionTs }],
    });
    const send = (body: object) => postInteraction(e2e.eventsUrl, E2E_SECRET, body as never);
    const state = async () => (await e2e.handle.store.get(card.conversationId))!.state;

    await send(withTs(click(SLACK_ACTION_IDS.claim), "1717000001.000001"));
    const release = withTs(click(SLACK_ACTION_IDS.release), "1717000002.000002");
    await send(release);
    await send(withTs(click(SLACK_ACTION_IDS.claim), "1717000003.000003"));
    await e2e.handle.idle();
    expect(await state()).toBe("assigned");

    const replayed = await send(release);
    await e2e.handle.idle();
    expect(replayed.status).toBe(200);
    expect(await state()).toBe("assigned");
  });

  it("a copy of a click that arrives while another copy is being handled gets no 200, so it is sent again", async () => {
    e2e.whatsapp.customerSays("I want to cancel my order 100311 please", { from: "447911654321@c.us", name: "Nia" });
    const card = await e2e.escalated("447911654321@c.us");
    const click = buttonAction(SLACK_ACTION_IDS.claim, {
      user: "U0AGENT01",
      channel: card.channel,
      messageTs: card.cardTs,
      conversationId: card.conversationId,
    });
    // The first copy is being handled (or its process died while it was).
    await e2e.handle.store.markSeen(`${slackInteractionKey(click)}:running`, SLACK_INTERACTION_RUNNING_TTL_MS);
    const racing = await postInteraction(e2e.eventsUrl, E2E_SECRET, click);
    await e2e.handle.idle();
    expect(racing.status).not.toBe(200);
    expect((await e2e.handle.store.get(card.conversationId))!.state).toBe("queued");
  });
});
