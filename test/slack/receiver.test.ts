import { HTTPModuleFunctions } from "@slack/bolt";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { FakeSlackFailure } from "../../src/sandbox/fake-slack-api.js";
import { HARNESS_SIGNING_SECRET, type SlackHarness, startSlackHarness } from "../helpers/slack-harness.js";
import { postCommand, postEvent, postInteraction, slackFixture, slashCommand, threadReplyEvent } from "../../src/sandbox/slack-signing.js";

let h: SlackHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** A reply in a thread of a channel no team uses: signed, a Slack payload, and nothing for Warmline to do. */
const replyInAnotherChannel = () =>
  threadReplyEvent({ channel: "C0GENERAL", user: "U0AGENT01", text: "hi", ts: "1715000001.000001", threadTs: "1715000000.000001" });

describe("the Bolt HTTP receiver", () => {
  it("accepts correctly signed requests and refuses bad signatures and stale timestamps with 401", async () => {
    h = await startSlackHarness();
    const event = replyInAnotherChannel();
    expect((await postEvent(h.url, HARNESS_SIGNING_SECRET, event)).status).toBe(200);
    expect((await postEvent(h.url, HARNESS_SIGNING_SECRET, event, { signature: "v0=0000" })).status).toBe(401);
    expect((await postEvent(h.url, "the-wrong-secret", event)).status).toBe(401);
    const sixMinutesAgo = Math.floor(Date.now() / 1000) - 6 * 60;
    expect((await postEvent(h.url, HARNESS_SIGNING_SECRET, event, { timestamp: sixMinutesAgo })).status).toBe(401);
    expect((await postInteraction(h.url, "the-wrong-secret", slackFixture("block-actions-button.json"))).status).toBe(401);
    expect(
      (await postCommand(h.url, HARNESS_SIGNING_SECRET, slashCommand({ user: "U0AGENT01", text: "help" }), { timestamp: sixMinutesAgo }))
        .status,
    ).toBe(401);
    // Nothing reached a listener.
    expect(h.api.callsTo("chat.postEphemeral")).toEqual([]);
  });

  it("checks a good request's signature once (each check costs three HMACs and a random key)", async () => {
    h = await startSlackHarness();
    const checks = vi.spyOn(HTTPModuleFunctions, "parseAndVerifyHTTPRequest");
    try {
      const event = replyInAnotherChannel();
      expect((await postEvent(h.url, HARNESS_SIGNING_SECRET, event)).status).toBe(200);
      expect(checks).toHaveBeenCalledTimes(1);
      // A bad one is still refused, by Bolt's own check.
      expect((await postEvent(h.url, "the-wrong-secret", event)).status).toBe(401);
    } finally {
      checks.mockRestore();
    }
  });

  it("answers Slack's url_verification challenge", async () => {
    h = await startSlackHarness();
    const response = await postEvent(h.url, HARNESS_SIGNING_SECRET, { type: "url_verification", token: "x", challenge: "c-123" });
    expect(response.status).toBe(200);
    expect(response.json?.challenge).toBe("c-123");
  });

  it.each<[string, FakeSlackFailure, RegExp]>([
    ["not_in_channel", { error: "not_in_channel" }, /invite the app/],
    ["channel_not_found", { error: "channel_not_found" }, /check the channel/],
    ["invalid_auth", { error: "invalid_auth" }, /SLACK_BOT_TOKEN/],
    ["ratelimited", { status: 429, retryAfter: 3 }, /rate-limiting/],
  ])("Slack answering %s produces a clear log line and no crash", async (code, failure, fix) => {
    h = await startSlackHarness();
    // The card post fails...
    h.api.failNext("chat.postMessage", failure, { when: (args) => args.thread_ts === undefined });
    await h.customerSays("I want to cancel my order 100311 please");
    const line = h.logs.find((l) => l.level === "error" && l.context.slackError === code);
    expect(line?.message).toMatch(fix);
    expect(line?.message).toContain("chat.postMessage");
    expect(line?.context.channel).toBe("C0RETENT1");

    // ...and the app keeps working: the next escalation attempt and a command go through.
    const status = await postCommand(h.url, HARNESS_SIGNING_SECRET, slashCommand({ user: "U0AGENT01", text: "status" }));
    expect(status.status).toBe(200);

    // The outbox reports it: parked as failed (permanent errors) or waiting to retry (rate limit).
    expect(h.logs.some((l) => l.context.component === "outbox" && (l.level === "error" || l.level === "warn"))).toBe(true);
  });

  it.each<[string, FakeSlackFailure, RegExp]>([
    ["not_in_channel", { error: "not_in_channel" }, /invite the app/],
    ["channel_not_found", { error: "channel_not_found" }, /check the channel/],
    ["invalid_auth", { error: "invalid_auth" }, /SLACK_BOT_TOKEN/],
    ["ratelimited", { status: 429, retryAfter: 3 }, /rate-limiting/],
  ])("a thread post failing with %s is logged clearly, and later posts still work", async (code, failure, fix) => {
    h = await startSlackHarness();
    const { cardTs } = await h.escalateCancellation();
    h.api.failNext("chat.postMessage", failure, { when: (args) => args.thread_ts === cardTs });
    await h.customerSays("hello? anyone there?");
    expect(h.logs.some((l) => l.level === "error" && l.context.slackError === code && fix.test(l.message))).toBe(true);
    await h.customerSays("still here");
    if (code === "ratelimited") {
      // Order is kept: the later post waits behind the rate-limited one until Retry-After has passed.
      expect(h.api.threadReplies("C0RETENT1", cardTs).at(-1)?.text).not.toContain("still here");
      // Retry-After (3 s), plus up to one base delay of spread so rate-limited lanes don't return together.
      h.clock.advance(3000 + h.config.outbox.baseDelayMs);
      await h.engine.tick();
      await h.engine.drain();
      expect(h.api.threadReplies("C0RETENT1", cardTs).at(-2)?.text).toContain("hello? anyone there?");
    }
    expect(h.api.threadReplies("C0RETENT1", cardTs).at(-1)?.text).toContain("still here");
  });
});

describe("Slack API errors leave a visible note (issue #3)", () => {
  const opsNotes = (harness: SlackHarness) => harness.api.messages.filter((m) => m.channel === "C0OPS0001").map((m) => m.text ?? "");
  const threadNotes = (harness: SlackHarness, cardTs: string) =>
    harness.api
      .threadReplies("C0RETENT1", cardTs)
      .map((m) => m.text ?? "")
      .filter((t) => t.startsWith(":warning:"));

  // Channel-level errors make the thread unreachable: the note goes to the ops channel. A rate limit
  // that outlasts the outbox's patience leaves the thread reachable: the note goes there.
  it.each<[string, FakeSlackFailure, "ops" | "thread"]>([
    ["not_in_channel", { error: "not_in_channel" }, "ops"],
    ["channel_not_found", { error: "channel_not_found" }, "ops"],
    ["invalid_auth", { error: "invalid_auth" }, "ops"],
    ["ratelimited", { status: 429, retryAfter: 3 }, "thread"],
  ])("a card update and a thread post failing for good with %s are noted where they can be seen", async (code, failure, where) => {
    h = await startSlackHarness({ configure: (c) => void (c.outbox.giveUpAfterMinutes = 1) });
    const harness = h;
    const { conversationId, thread, cardTs } = await harness.escalateCancellation();
    const inTeamChannel = (args: Record<string, unknown>) =>
      args.channel === "C0RETENT1" && !String(args.text ?? "").startsWith(":warning:");
    const unreachable = where === "ops";
    // Unreachable: every call into the team's channel fails, notes included. Rate-limited: the two deliveries only.
    harness.api.failNext("chat.update", failure, { times: 100, when: (args) => args.channel === "C0RETENT1" });
    harness.api.failNext("chat.postMessage", failure, {
      times: 100,
      when: unreachable ? (args) => args.channel === "C0RETENT1" : inTeamChannel,
    });
    await harness.click("warmline_claim", "U0AGENT01", conversationId, thread);
    await harness.customerSays("hello? anyone there?");
    for (let elapsed = 0; elapsed < 70_000; elapsed += 5_000) {
      harness.clock.advance(5_000);
      await harness.engine.tick();
      await harness.engine.drain();
    }
    expect(harness.logs.some((l) => l.level === "error" && l.context.slackError === code)).toBe(true);
    if (unreachable) {
      expect(opsNotes(harness).some((t) => t.includes(code) && /card/.test(t))).toBe(true);
      expect(opsNotes(harness).some((t) => t.includes(code) && /thread/.test(t))).toBe(true);
    } else {
      const notes = threadNotes(harness, cardTs);
      expect(notes.some((t) => /card above could not be updated/.test(t))).toBe(true);
      expect(notes.some((t) => /could not be posted here/.test(t))).toBe(true);
    }
  });
});
