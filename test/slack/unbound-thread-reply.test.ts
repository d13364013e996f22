import { afterEach, describe, expect, it, vi } from "vitest";
import { postEvent, type SlackResponse, threadReplyEvent } from "../../src/sandbox/slack-signing.js";
import { decodeSlackThreadRef, encodeSlackMessageRef } from "../../channels/slack/slack-ids.js";
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

/** A claimed escalation, and the signed event of the claimant's reply `text` in its thread. */
async function claimedReply(harness: SlackHarness, text: string, ts: string) {
  const { thread, conversationId } = await harness.escalateCancellation();
  await harness.click("warmline_claim", "U0AGENT01", conversationId, thread);
  const ref = decodeSlackThreadRef(thread);
  return {
    thread,
    messageRef: encodeSlackMessageRef({ channel: ref.channel, ts }),
    event: threadReplyEvent({ channel: ref.channel, user: "U0AGENT01", text, ts, threadTs: ref.threadTs }),
  };
}

describe("an agent's reply is stored before Slack gets its answer", () => {
  it("answers 500 when the store cannot take it, so Slack sends it again, and relays the retry once", async () => {
    h = await startSlackHarness();
    const { event } = await claimedReply(h, "On it", "1700000400.000001");
    const store = inbox(h);
    // Whichever way the inbox stores it (taking its lane or not), the first write fails.
    const { receiveInbox, receiveInboxTakingLane } = store;
    const fail = async (): Promise<never> => {
      Object.assign(store, { receiveInbox, receiveInboxTakingLane });
      throw new WarmlineError("store_unavailable", "Could not store a received message (injected).");
    };
    Object.assign(store, { receiveInbox: fail, receiveInboxTakingLane: fail });
    expect((await postEvent(h.url, HARNESS_SIGNING_SECRET, event)).status).toBe(500);
    expect((await postEvent(h.url, HARNESS_SIGNING_SECRET, event)).status).toBe(200);
    await h.engine.drain();
    expect(h.whatsapp.sent.filter((m) => m.text === "On it")).toHaveLength(1);
  });

  it("answers Slack once the reply is stored, not once it is processed, and relays it when processing goes on", async () => {
    h = await startSlackHarness();
    const { thread, messageRef, event } = await claimedReply(h, "On it", "1700000500.000001");
    // Processing a reply starts by finding its thread's conversation: held here, as a busy lane or store holds it under load.
    const store = inbox(h);
    const findByThread = store.findByThread.bind(store);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let processing = false;
    store.findByThread = async (t) => {
      processing = true;
      await held;
      return findByThread(t);
    };
    let response: SlackResponse | undefined;
    const posted = postEvent(h.url, HARNESS_SIGNING_SECRET, event).then((r) => (response = r));
    try {
      await vi.waitFor(
        () => {
          if (!processing || !response) throw new Error("Slack got no answer while the stored reply waits to be processed");
        },
        { timeout: 10_000 },
      );
      expect(response?.status).toBe(200);
      expect(await store.listInbox()).toMatchObject([{ id: messageRef, lane: thread, status: "pending" }]);
      expect(h.whatsapp.sent.filter((m) => m.text === "On it")).toEqual([]);
    } finally {
      release();
      await posted;
    }
    await h.engine.drain();
    expect(h.whatsapp.sent.filter((m) => m.text === "On it")).toHaveLength(1);
    expect(await store.listInbox()).toEqual([]);
  });
});
