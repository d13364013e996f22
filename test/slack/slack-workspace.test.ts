import { WebClient } from "@slack/web-api";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SlackWorkspaceAdapter } from "../../channels/slack/slack-workspace.js";
import { slackAppOptions } from "../../channels/slack/slack-app-options.js";
import { SLACK_SECTION_TEXT_LIMIT } from "../../channels/slack/slack-limits.js";
import { isWarmlineError } from "../../src/domain/errors.js";
import { type FakeSlackApi, type FakeSlackFailure, startFakeSlackApi } from "../../src/sandbox/fake-slack-api.js";
import { createCaptureLogger } from "./capture-logger.js";
import { expectWithinSlackLimits } from "./card-limits.js";
import { T0, TEAMS, cancellationContext } from "./context-fixture.js";

const CHANNELS = { support: "C0SUPPORT", retention: "C0RETENT1", billing: "C0BILLING", priority: "C0PRIORTY" };

describe("SlackWorkspaceAdapter", () => {
  let api: FakeSlackApi;
  let logger: ReturnType<typeof createCaptureLogger>;
  let workspace: SlackWorkspaceAdapter;

  beforeEach(async () => {
    api = await startFakeSlackApi({
      channels: [
        { id: "C0SUPPORT", name: "support-escalations" },
        { id: "C0RETENT1", name: "retention" },
        { id: "C0BILLING", name: "billing-escalations" },
        { id: "C0PRIORTY", name: "vip-escalations" },
        { id: "C0OPS0001", name: "warmline-ops" },
      ],
    });
    logger = createCaptureLogger();
    const options = slackAppOptions({
      config: { slack: { mode: "http", admins: [] } },
      env: { slackBotToken: "xoxb-test", slackSigningSecret: "secret", slackApiUrl: api.url, port: 0, logLevel: "info" },
      logger,
      clientOptions: { retryConfig: { retries: 0 } },
    });
    const client = new WebClient("xoxb-test", options.clientOptions);
    workspace = new SlackWorkspaceAdapter({ client, channels: CHANNELS, opsChannel: "C0OPS0001", teams: TEAMS, logger });
  });
  afterEach(async () => {
    await api.close();
  });

  it("posts the card to the team channel, then the transcript in its thread", async () => {
    const { thread } = await workspace.postEscalation(cancellationContext());
    const [card, ...rest] = api.callsTo("chat.postMessage");
    expect(card!.args.channel).toBe("C0RETENT1");
    expect(card!.token).toBe("xoxb-test");
    expect(thread).toBe(`slack:C0RETENT1:${api.messages[0]!.ts}`);
    expect(rest.length).toBeGreaterThan(0);
    for (const post of rest) expect(post.args.thread_ts).toBe(api.messages[0]!.ts);
    expect(rest.map((p) => p.args.text).join("")).toContain("*Maria Lopez*");
    expectWithinSlackLimits(card!.args as { text: string; blocks: unknown[] });
  });

  it("posts a 100 kB transcript within every limit", async () => {
    const transcript = Array.from({ length: 300 }, (_, i) => ({
      author: "Maria Lopez",
      text: `message ${i} ${"lorem ipsum & <dolor> ".repeat(20)}`,
      at: T0 + i,
    }));
    await workspace.postEscalation(cancellationContext({ transcript }));
    const replies = api.callsTo("chat.postMessage").slice(1);
    expect(replies.reduce((n, c) => n + String(c.args.text).length, 0)).toBeGreaterThan(100_000);
    for (const reply of replies) expect(String(reply.args.text).length).toBeLessThanOrEqual(SLACK_SECTION_TEXT_LIMIT);
    expect(replies.map((r) => r.args.text).join("")).toContain("message 299 ");
  });

  it("renders every kind of thread post, escaping customer text", async () => {
    const { thread } = await workspace.postEscalation(cancellationContext());
    const before = api.callsTo("chat.postMessage").length;
    await workspace.postToThread(thread, { kind: "customer_message", text: "<!channel> hello @here", at: T0 });
    await workspace.postToThread(thread, { kind: "customer_edit", originalText: "old", newText: "new" });
    await workspace.postToThread(thread, { kind: "customer_delete", originalText: "oops" });
    await workspace.postToThread(thread, { kind: "system_note", text: "Claim deadline passed" });
    await workspace.postToThread(thread, { kind: "survey_result", score: 4, handoverHelped: true });
    await workspace.postToThread(thread, { kind: "delivery_failed", reason: "WhatsApp is disconnected" });
    const texts = api
      .callsTo("chat.postMessage")
      .slice(before)
      .map((c) => String(c.args.text));
    expect(texts[0]).toMatch(/^\*Maria Lopez\*: &lt;!channel&gt; hello @\u200Bhere$/);
    expect(texts[1]).toContain("edited a message");
    expect(texts[1]).toContain("*Was:* old");
    expect(texts[1]).toContain("*Now:* new");
    expect(texts[2]).toContain("deleted a message: ~oops~");
    expect(texts[3]).toContain("Claim deadline passed");
    expect(texts[4]).toContain("4/5");
    expect(texts[4]).toContain("helped: yes");
    expect(texts[5]).toContain("Not delivered to the customer:* WhatsApp is disconnected");
  });

  it("renders a ping that names nobody as @here, sent to the channel too; customer text saying <!here> stays escaped", async () => {
    const { thread } = await workspace.postEscalation(cancellationContext());
    const before = api.callsTo("chat.postMessage").length;
    await workspace.postToThread(thread, {
      kind: "ping",
      text: "Nobody has claimed this in 5 minutes: can someone take it?",
      anyone: true,
    });
    await workspace.postToThread(thread, { kind: "ping", text: "Nobody has claimed this <!here>", rota: ["U0AGENT01"] });
    await workspace.postToThread(thread, { kind: "customer_message", text: "<!here> <!channel> help", at: T0 });
    const [anyone, rota, customer] = api
      .callsTo("chat.postMessage")
      .slice(before)
      .map((c) => c.args);
    expect(anyone).toMatchObject({
      text: ":bell: <!here> Nobody has claimed this in 5 minutes: can someone take it?",
      reply_broadcast: "true",
    });
    expect(rota).toMatchObject({ text: ":bell: <@U0AGENT01> Nobody has claimed this &lt;!here&gt;", reply_broadcast: "false" });
    expect(customer).toMatchObject({ text: "*Maria Lopez*: &lt;!here&gt; &lt;!channel&gt; help", reply_broadcast: "false" });
  });

  it("uploads customer media into the thread with files.uploadV2", async () => {
    const { thread } = await workspace.postEscalation(cancellationContext());
    const photo = Buffer.from("fake-jpeg-bytes");
    await workspace.postToThread(thread, {
      kind: "customer_message",
      text: "Here is the damage",
      at: T0,
      attachments: [
        { kind: "image", mimeType: "image/jpeg", filename: "damage.jpg", dataBase64: photo.toString("base64") },
        { kind: "location", description: "Location: 51.5,-0.12" },
      ],
    });
    expect(api.uploads).toHaveLength(1);
    expect(api.uploads[0]).toMatchObject({ filename: "damage.jpg", channel: "C0RETENT1", threadTs: thread.split(":")[2] });
    expect(api.uploads[0]!.bytes.equals(photo)).toBe(true);
    expect(api.callsTo("chat.postMessage").at(-1)!.args.text).toContain("Location: 51.5,-0.12");
  });

  it("updates the card and resolves permalinks for transfers", async () => {
    const first = await workspace.postEscalation(cancellationContext());
    const context = cancellationContext();
    context.escalation = {
      ...context.escalation,
      team: "billing",
      level: 2,
      previousThread: first.thread,
      transferNote: "Refund approved",
    };
    const second = await workspace.postEscalation(context);
    expect(second.thread.startsWith("slack:C0BILLING:")).toBe(true);
    await workspace.updateCard(first.thread, cancellationContext(), { kind: "transferred", toTeam: "billing", newThread: second.thread });
    const update = api.callsTo("chat.update").at(-1)!;
    expect(update.args.ts).toBe(first.thread.split(":")[2]);
    expect(JSON.stringify(update.args.blocks)).toContain("Transferred to Billing");
    expect(JSON.stringify(update.args.blocks)).toContain("https://fake.slack.com/archives/C0BILLING/p");
    const newCard = api.callsTo("chat.postMessage").find((c) => c.args.channel === "C0BILLING")!;
    expect(JSON.stringify(newCard.args.blocks)).toContain("https://fake.slack.com/archives/C0RETENT1/p");
  });

  it("marks delivery with one reaction at a time, never going backwards", async () => {
    const { thread } = await workspace.postEscalation(cancellationContext());
    const [, channel, ts] = thread.split(":");
    const ref = `slack:${channel}:${ts}`;
    await workspace.markDelivery(ref, "sent");
    expect(api.reactionsOn(channel!, ts!)).toEqual(["outbox_tray"]);
    await workspace.markDelivery(ref, "read");
    expect(api.reactionsOn(channel!, ts!)).toEqual(["eyes"]);
    await workspace.markDelivery(ref, "delivered");
    expect(api.reactionsOn(channel!, ts!)).toEqual(["eyes"]);
  });

  it("a reaction that failed is added when the outbox tries again, and a later one replaces it", async () => {
    const { thread } = await workspace.postEscalation(cancellationContext());
    const [, channel, ts] = thread.split(":");
    const ref = `slack:${channel}:${ts}`;
    api.failNext("reactions.add", { status: 500 });
    await expect(workspace.markDelivery(ref, "sent")).rejects.toThrow();
    expect(api.reactionsOn(channel!, ts!)).toEqual([]);
    await workspace.markDelivery(ref, "sent");
    expect(api.reactionsOn(channel!, ts!)).toEqual(["outbox_tray"]);
    api.failNext("reactions.add", { status: 500 });
    await expect(workspace.markDelivery(ref, "read")).rejects.toThrow();
    await workspace.markDelivery(ref, "read");
    expect(api.reactionsOn(channel!, ts!)).toEqual(["eyes"]);
  });

  it.each<[string, FakeSlackFailure, string]>([
    ["not_in_channel", { error: "not_in_channel" }, "invite the app"],
    ["channel_not_found", { error: "channel_not_found" }, "check the channel"],
    ["invalid_auth", { error: "invalid_auth" }, "SLACK_BOT_TOKEN"],
    ["ratelimited", { status: 429, retryAfter: 7 }, "rate-limiting"],
    ["http_500", { status: 500 }, "Slack is having problems"],
  ])("a card post failing with %s is a delivery_failed with a clear log line", async (code, failure, fix) => {
    api.failNext("chat.postMessage", failure);
    const error = await workspace.postEscalation(cancellationContext()).catch((e: unknown) => e);
    expect(isWarmlineError(error, "delivery_failed")).toBe(true);
    expect((error as Error).message).toContain(code);
    if (code === "ratelimited") expect((error as Error).message).toContain("retry after 7s");
    const line = logger.entries.find((e) => e.level === "error" && e.context.slackError === code);
    expect(line?.message).toContain(fix);
    expect(line?.context).toMatchObject({ conversationId: "conv-1", team: "retention", channel: "C0RETENT1" });
  });

  it("a failed thread post throws delivery_failed and tells the ops channel when the fix is manual", async () => {
    const { thread } = await workspace.postEscalation(cancellationContext());
    api.failNext("chat.postMessage", { error: "not_in_channel" });
    const error = await workspace.postToThread(thread, { kind: "system_note", text: "x" }).catch((e: unknown) => e);
    expect(isWarmlineError(error, "delivery_failed")).toBe(true);
    const ops = api.callsTo("chat.postMessage").find((c) => c.args.channel === "C0OPS0001");
    expect(ops?.args.text).toContain("not_in_channel");
  });

  it("an in-doubt thread post finds its earlier copy past the first page of a long thread, and is not posted twice", async () => {
    const { thread } = await workspace.postEscalation(cancellationContext());
    for (let i = 0; i < 450; i++)
      await workspace.postToThread(thread, { kind: "system_note", text: `note ${i}` }, { key: `ob_${i}`, inDoubt: false, since: T0 });
    const posts = () => api.callsTo("chat.postMessage").length;
    const before = posts();
    // ob_440's answer was lost after Slack posted it: the retry pages through the thread, finds it, posts nothing.
    await workspace.postToThread(thread, { kind: "system_note", text: "note 440" }, { key: "ob_440", inDoubt: true, since: T0 });
    expect(posts()).toBe(before);
    const reads = api.callsTo("conversations.replies");
    expect(reads.length).toBeGreaterThan(2);
    expect(reads.every((r) => Number(r.args.limit) <= 200 && r.args.oldest !== undefined)).toBe(true);
    // One that never got through is posted once.
    await workspace.postToThread(thread, { kind: "system_note", text: "note 450" }, { key: "ob_450", inDoubt: true, since: T0 });
    expect(posts()).toBe(before + 1);
  });

  it("an in-doubt card whose transcript cannot be checked fails for a retry, and the retry posts neither card nor transcript twice", async () => {
    const delivery = { key: "ob_card", inDoubt: false, since: T0 };
    // The first attempt posted the card and its transcript, but its answer was lost.
    const { thread } = await workspace.postEscalation(cancellationContext(), delivery);
    const posts = () => api.callsTo("chat.postMessage").length;
    const before = posts();
    api.failNext("conversations.replies", { status: 500 });
    const failed = await workspace.postEscalation(cancellationContext(), { ...delivery, inDoubt: true }).catch((e: unknown) => e);
    expect(isWarmlineError(failed, "delivery_failed")).toBe(true);
    expect(posts()).toBe(before);
    const retried = await workspace.postEscalation(cancellationContext(), { ...delivery, inDoubt: true });
    expect(retried.thread).toBe(thread);
    expect(posts()).toBe(before);
  });

  it("a failed card update leaves a visible note in the thread", async () => {
    const { thread } = await workspace.postEscalation(cancellationContext());
    api.failNext("chat.update", { error: "ratelimited" });
    await expect(workspace.updateCard(thread, cancellationContext(), { kind: "abandoned" })).rejects.toThrow(/chat.update .*ratelimited/);
    expect(api.callsTo("chat.postMessage").at(-1)!.args.text).toContain("could not be updated");
  });

  it("a failed transcript post is noted, and the escalation still stands", async () => {
    api.failNext("chat.postMessage", { error: "msg_too_long" }, { when: (args) => args.thread_ts !== undefined });
    const { thread } = await workspace.postEscalation(cancellationContext());
    expect(thread).toMatch(/^slack:C0RETENT1:/);
    const note = api.callsTo("chat.postMessage").at(-1)!;
    expect(note.args.text).toContain("transcript could not be posted");
    expect(
      logger.entries.some((e) => e.level === "error" && e.context.slackError === "msg_too_long" && e.message.includes("transcript")),
    ).toBe(true);
  });
});
