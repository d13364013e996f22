import { afterEach, describe, expect, it } from "vitest";
import { SLACK_ACTION_IDS } from "../../channels/slack/context-card.js";
import { MAX_CUSTOMER_UPDATES } from "../../routing/claim-timers.js";
import { type SlackHarness, type SlackHarnessOptions, startSlackHarness } from "../helpers/slack-harness.js";

let h: SlackHarness | undefined;
async function start(options?: SlackHarnessOptions): Promise<SlackHarness> {
  h = await startSlackHarness(options);
  return h;
}
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const MINUTE = 60_000;
const toCustomer = (harness: SlackHarness) => harness.whatsapp.sent.map((s) => s.text);

async function minutesPass(harness: SlackHarness, minutes: number): Promise<void> {
  for (let i = 0; i < minutes; i++) {
    harness.clock.advance(MINUTE);
    await harness.engine.tick();
    await harness.engine.drain();
  }
}

describe("claim timers under fake time (retention: claim within 5 min, overflow to support)", () => {
  it("pings the user group at the deadline, updates the customer honestly, and overflows at twice the deadline", async () => {
    const harness = await start({ configure: (c) => void (c.teams.retention!.pingGroup = "S0RETAIN1") });
    const { conversationId, cardTs } = await harness.escalateCancellation();
    await minutesPass(harness, 4);
    expect(harness.api.threadReplies("C0RETENT1", cardTs).some((m) => m.text?.includes("<!subteam^S0RETAIN1>"))).toBe(false);

    await minutesPass(harness, 1);
    const pings = harness.api.threadReplies("C0RETENT1", cardTs).filter((m) => m.text?.includes("<!subteam^S0RETAIN1>"));
    expect(pings).toHaveLength(1);
    expect(pings[0]!.text).toContain("Nobody has claimed this in 5 minutes");
    const update = toCustomer(harness).find((t) => t.startsWith("You're number"));
    // A cancellation is mandatory: the update does not offer BOT, which would be refused.
    expect(update).toBe("You're number 1 in line; the wait is about 5 min. Reply CALLBACK for a call back, or just keep waiting.");

    await minutesPass(harness, 5);
    const conversation = (await harness.store.get(conversationId))!;
    expect(conversation.escalations.map((e) => e.team)).toEqual(["retention", "support"]);
    expect(conversation.escalations[0]).toMatchObject({
      outcome: "transferred",
      overflowedAt: expect.any(Number),
      pingedAt: expect.any(Number),
    });
    expect(harness.api.messages.filter((m) => m.channel === "C0SUPPORT" && m.thread_ts === m.ts)).toHaveLength(1);
    expect(toCustomer(harness).some((t) => t.includes("passing you to our Support team"))).toBe(true);
    expect((await harness.store.listAudit(conversationId)).find((a) => a.action === "transferred")?.actor).toBe("system");
    // Each timer fires once: more time brings no second ping on the old card.
    await minutesPass(harness, 3);
    expect(harness.api.threadReplies("C0RETENT1", cardTs).filter((m) => m.text?.includes("<!subteam^S0RETAIN1>"))).toHaveLength(1);
  });

  it("with no user group and no rota (the shipped config), the missed-deadline ping calls @here and is shown in the channel", async () => {
    const harness = await start();
    expect(harness.config.teams.retention).toMatchObject({ rota: [] });
    expect(harness.config.teams.retention!.pingGroup).toBeUndefined();
    const { cardTs } = await harness.escalateCancellation();
    await minutesPass(harness, 5);
    const pings = harness.api
      .callsTo("chat.postMessage")
      .filter((c) => c.args.thread_ts === cardTs && String(c.args.text).includes("Nobody has claimed"));
    expect(pings).toHaveLength(1);
    // The fake API reads arguments as Slack does, form-encoded: the flag arrives as "true".
    expect(pings[0]!.args).toMatchObject({
      channel: "C0RETENT1",
      reply_broadcast: "true",
      text: ":bell: <!here> Nobody has claimed this in 5 minutes: can someone take it?",
    });
    // Other thread posts stay in the thread.
    expect(
      harness.api.callsTo("chat.postMessage").filter((c) => c.args.thread_ts === cardTs && String(c.args.reply_broadcast) === "true"),
    ).toHaveLength(1);
  });

  it("with a rota and no user group, the ping mentions the rota, not @here", async () => {
    const harness = await start({ configure: (c) => void (c.teams.retention!.rota = ["U0AGENT01", "U0AGENT02"]) });
    const { cardTs } = await harness.escalateCancellation();
    await minutesPass(harness, 5);
    const [ping] = harness.api.threadReplies("C0RETENT1", cardTs).filter((m) => m.text?.includes("Nobody has claimed"));
    expect(ping?.text).toBe(":bell: <@U0AGENT01> <@U0AGENT02> Nobody has claimed this in 5 minutes: can someone take it?");
  });

  it("offers BOT in the queue update only on an optional escalation", async () => {
    const harness = await start();
    await harness.customerSays("asdfgh");
    await harness.customerSays("🙃🙃🙃");
    const [queued] = await harness.store.listOpen();
    expect(queued?.escalations[0]).toMatchObject({ reason: "low_confidence", mandatory: false, team: "support" });
    await minutesPass(harness, 5);
    expect(toCustomer(harness).filter((t) => t.startsWith("You're number"))).toEqual([
      "You're number 1 in line; the wait is about 10 min. Reply CALLBACK for a call back, BOT to continue with me, or just keep waiting.",
    ]);
  });

  it("estimates the wait from recent claim times", async () => {
    const harness = await start();
    for (let i = 0; i < 3; i++) {
      const { conversationId, thread } = await harness.escalateCancellation();
      harness.clock.advance(2 * MINUTE);
      await harness.click(SLACK_ACTION_IDS.claim, "U0AGENT01", conversationId, thread);
      await harness.click(SLACK_ACTION_IDS.resolve, "U0AGENT01", conversationId, thread);
      await harness.customerSays("5");
      await harness.customerSays("yes");
    }
    await harness.escalateCancellation();
    await minutesPass(harness, 5);
    expect(
      toCustomer(harness)
        .filter((t) => t.startsWith("You're number"))
        .at(-1),
    ).toContain("about 2 min");
  });

  it("nudges a silent assignee once, and the timers survive a restart because they live on the escalation", async () => {
    const harness = await start();
    const { conversationId, thread, cardTs } = await harness.escalateCancellation();
    await harness.click(SLACK_ACTION_IDS.claim, "U0AGENT01", conversationId, thread);
    await harness.customerSays("hello? are you there?");
    await minutesPass(harness, 6);
    const nudges = harness.api
      .threadReplies("C0RETENT1", cardTs)
      .filter((m) => m.text?.includes("<@U0AGENT01>") && m.text.includes("waiting for your reply"));
    expect(nudges).toHaveLength(1);
    expect((await harness.store.get(conversationId))!.escalations[0]!.nudgedAt).toEqual(expect.any(Number));
    await minutesPass(harness, 6);
    expect(harness.api.threadReplies("C0RETENT1", cardTs).filter((m) => m.text?.includes("waiting for your reply"))).toHaveLength(1);
  });

  it("after hours: no false promise, the card is marked and no wait estimate is sent", async () => {
    const harness = await start();
    harness.clock.advance(12 * 60 * MINUTE); // 22:00 in London
    const { conversationId } = await harness.escalateCancellation();
    expect(toCustomer(harness).at(-1)).toMatch(/away right now and opens tomorrow at 09:00 BST\. .*Reply CALLBACK/);
    expect((await harness.store.get(conversationId))!.escalations[0]!.afterHours).toBe(true);
    await minutesPass(harness, 6);
    expect(toCustomer(harness).some((t) => t.startsWith("You're number"))).toBe(false);
  });

  it("nobody available: an optional escalation stays with the bot and offers a callback; a mandatory one is queued honestly", async () => {
    const harness = await start({
      configure: (c) => {
        c.teams.support!.rota = ["U0AGENT01"];
        c.teams.retention!.rota = ["U0AGENT01"];
      },
    });
    harness.api.presence.set("U0AGENT01", "away");
    await harness.customerSays("asdfgh");
    await harness.customerSays("🙃🙃🙃");
    expect(toCustomer(harness).at(-1)).toBe(
      "I'd like to bring in someone from our Support team, but nobody is free right now. Reply CALLBACK and they'll call you back, or keep chatting with me meanwhile.",
    );
    expect(await harness.store.listOpen()).toHaveLength(0);

    await harness.customerSays("I want to cancel my order 100311 please");
    const [queued] = await harness.store.listOpen();
    expect(queued?.escalations.at(-1)).toMatchObject({ mandatory: true, nobodyAvailable: true });
    // One message, which does not both promise a colleague and say nobody is free.
    expect(toCustomer(harness).at(-1)).toBe(
      "I've passed this to our Customer Care team with everything we've discussed, so you won't need to repeat yourself. Nobody is free right now, so it may take a while. Reply CALLBACK if you'd rather be called back.",
    );
  });

  it("nobody available: a customer who asked for a person is queued honestly (not kept with the bot), and may still go back with BOT", async () => {
    const harness = await start({ configure: (c) => void (c.teams.support!.rota = ["U0AGENT01"]) });
    harness.api.presence.set("U0AGENT01", "away");
    await harness.customerSays("HUMAN");
    const [queued] = await harness.store.listOpen();
    expect(queued).toMatchObject({ state: "queued" });
    expect(queued?.escalations.at(-1)).toMatchObject({
      reason: "explicit_request",
      mandatory: false,
      nobodyAvailable: true,
      team: "support",
    });
    expect(toCustomer(harness).at(-1)).toBe(
      "I've passed this to our Support team with everything we've discussed, so you won't need to repeat yourself. Nobody is free right now, so it may take a while. Reply CALLBACK if you'd rather be called back.",
    );
    await harness.customerSays("BOT");
    expect((await harness.store.get(queued!.id))?.state).toBe("bot");
    expect(toCustomer(harness).at(-1)).toBe("You're back with the assistant. Type HUMAN at any time to reach a person again.");
  });

  it("purges transcripts past their retention from the tick", async () => {
    const harness = await start({ configure: (c) => void (c.privacy.transcriptRetentionDays = 1) });
    await harness.customerSays("hi there");
    const [conversation] = await harness.store.listSince(0);
    await harness.engine.resolve(conversation!.id, { id: "slack:U0AGENT01", name: "Alex" });
    harness.clock.advance(2 * 24 * 60 * MINUTE);
    await harness.engine.tick();
    expect(await harness.store.get(conversation!.id)).toBeUndefined();
  });
});

describe("claim timers at night (retention open until 23:00, its overflow team support closes at 20:00)", () => {
  it("does not pass the customer to a closed overflow team, and sends at most MAX_CUSTOMER_UPDATES updates, counted on the escalation", async () => {
    const harness = await start({ configure: (c) => void (c.teams.retention!.businessHours.close = "23:00") });
    harness.clock.advance(10.5 * 60 * MINUTE); // 20:30 in London
    const { conversationId } = await harness.escalateCancellation();
    await minutesPass(harness, 30);
    const conversation = (await harness.store.get(conversationId))!;
    expect(conversation.escalations.map((e) => e.team)).toEqual(["retention"]);
    expect(toCustomer(harness).some((t) => t.includes("passing you to"))).toBe(false);
    expect(toCustomer(harness).filter((t) => t.startsWith("You're number"))).toHaveLength(MAX_CUSTOMER_UPDATES);
    expect(conversation.escalations[0]!.customerUpdatesSent).toBe(MAX_CUSTOMER_UPDATES);
  });
});
