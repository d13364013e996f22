import { afterEach, describe, expect, it } from "vitest";
import { postEvent, threadReplyEvent } from "../../src/sandbox/slack-signing.js";
import { decodeSlackThreadRef } from "../../channels/slack/slack-ids.js";
import { WarmlineError } from "../../src/domain/errors.js";
import type { WarmlineStore } from "../../src/ports/outbox.js";
import { HARNESS_SIGNING_SECRET, type SlackHarness, startSlackHarness } from "../helpers/slack-harness.js";

let h: SlackHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const inbox = (harness: SlackHarness) => harness.store as unknown as WarmlineStore;

describe("a reply in a thread Warmline cannot match to a conversation", () => {
  it("is kept, and when it can never be matched the agent gets a :warning: and a message only they see", async () => {
    h = await startSlackHarness();
    // A thread Warmline started (parent_user_id is the app) whose card was never recorded.
    const { ts, response } = await h.agentReplies("U0AGENT01", "slack:C0RETENT1:1700000999.000001", "Hi, I can help");
    expect(response.status).toBe(200);
    expect(await inbox(h).listInbox()).toMatchObject([{ lane: "slack:C0RETENT1:1700000999.000001", status: "pending" }]);
    expect(h.api.reactionsOn("C0RETENT1", ts)).toEqual([]);

    h.clock.advance((h.config.outbox.giveUpAfterMinutes + 1) * 60_000);
    await h.engine.tick();
    await h.engine.drain();
    expect(h.api.reactionsOn("C0RETENT1", ts)).toEqual(["warning"]);
    const ephemeral = h.api.callsTo("chat.postEphemeral").at(-1)?.args;
    expect(ephemeral).toMatchObject({ channel: "C0RETENT1", user: "U0AGENT01", thread_ts: "1700000999.000001" });
    expect(String(ephemeral?.text)).toMatch(/could not match this thread to a conversation/);
  });

  it("leaves alone a thread someone else started in the team channel", async () => {
    h = await startSlackHarness();
    const event = threadReplyEvent({
      channel: "C0RETENT1",
      user: "U0AGENT01",
      text: "lunch?",
      ts: "1700000300.000001",
      threadTs: "1700000200.000001",
    });
    (event.event as Record<string, unknown>).parent_user_id = "U0AGENT02";
    expect((await postEvent(h.url, HARNESS_SIGNING_SECRET, event)).status).toBe(200);
    await h.engine.drain();
    expect(await inbox(h).listInbox()).toEqual([]);
    expect(h.api.callsTo("chat.postEphemeral")).toEqual([]);
  });
});

describe("an agent's reply is stored before Slack gets its answer", () => {
  it("answers 500 when the store cannot take it, so Slack sends it again, and relays the retry once", async () => {
    h = await startSlackHarness();
    const { thread, conversationId } = await h.escalateCancellation();
    await h.click("warmline_claim", "U0AGENT01", conversationId, thread);
    const store = inbox(h);
    const receive = store.receiveInbox;
    store.receiveInbox = async () => {
      store.receiveInbox = receive;
      throw new WarmlineError("store_unavailable", "Could not store a received message (injected).");
    };
    const ref = decodeSlackThreadRef(thread);
    const event = threadReplyEvent({
      channel: ref.channel,
      user: "U0AGENT01",
      text: "On it",
      ts: "1700000400.000001",
      threadTs: ref.threadTs,
    });
    expect((await postEvent(h.url, HARNESS_SIGNING_SECRET, event)).status).toBe(500);
    expect((await postEvent(h.url, HARNESS_SIGNING_SECRET, event)).status).toBe(200);
    await h.engine.drain();
    expect(h.whatsapp.sent.filter((m) => m.text === "On it")).toHaveLength(1);
  });
});
