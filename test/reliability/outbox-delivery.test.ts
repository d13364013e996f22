import { afterEach, describe, expect, it, vi } from "vitest";
import { SLACK_ACTION_IDS } from "../../channels/slack/context-card.js";
import { decodeSlackThreadRef } from "../../channels/slack/slack-ids.js";
import type { WarmlineStore } from "../../src/ports/outbox.js";
import { recordInFlightMarks } from "../helpers/store-calls.js";
import { type SlackHarness, type SlackHarnessOptions, HARNESS_SIGNING_SECRET, startSlackHarness } from "../helpers/slack-harness.js";
import { slackEventKeys } from "../../channels/slack/register-listeners.js";
import {
  buttonAction,
  messageChangedEvent,
  postEvent,
  postInteraction,
  sendSignedRequest,
  threadReplyEvent,
} from "../../src/sandbox/slack-signing.js";

let h: SlackHarness | undefined;
async function start(options?: SlackHarnessOptions): Promise<SlackHarness> {
  h = await startSlackHarness(options);
  return h;
}
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const outbox = (harness: SlackHarness) => harness.store as unknown as WarmlineStore;
const thread = (harness: SlackHarness, cardTs: string) => harness.api.threadReplies("C0RETENT1", cardTs).map((m) => m.text ?? "");
const toCustomer = (harness: SlackHarness) => harness.whatsapp.sent.map((s) => s.text);

/** Lets fake time pass in steps, running the engine's tick each time, until the outbox is empty or parked. */
async function passTime(harness: SlackHarness, totalMs: number, stepMs = 1000): Promise<void> {
  for (let elapsed = 0; elapsed < totalMs; elapsed += stepMs) {
    harness.clock.advance(stepMs);
    await harness.engine.tick();
    await harness.engine.drain();
  }
}

async function claimed(harness: SlackHarness) {
  const escalation = await harness.escalateCancellation();
  await harness.click(SLACK_ACTION_IDS.claim, "U0AGENT01", escalation.conversationId, escalation.thread);
  return escalation;
}

describe("durable outbox: storms, outages, failures", () => {
  it("loses nothing in a Slack 500 storm and keeps the thread in order", async () => {
    const harness = await start();
    const { cardTs } = await claimed(harness);
    harness.api.failNext("chat.postMessage", { status: 500 }, { times: 4, when: (args) => args.thread_ts === cardTs });
    for (const text of ["first 1", "second 2", "third 3"]) await harness.customerSays(text);
    expect(thread(harness, cardTs).filter((t) => /first 1|second 2|third 3/.test(t))).toEqual([]);
    await passTime(harness, 30_000);
    const relayed = thread(harness, cardTs).filter((t) => /first 1|second 2|third 3/.test(t));
    expect(relayed).toHaveLength(3);
    expect(relayed[0]).toContain("first 1");
    expect(relayed[1]).toContain("second 2");
    expect(relayed[2]).toContain("third 3");
    expect(await outbox(harness).listOutbox()).toEqual([]);
  });

  it("honours Retry-After through a 429 storm on the card, then posts it once with the messages behind it in order", async () => {
    const harness = await start();
    harness.api.failNext("chat.postMessage", { status: 429, retryAfter: 5 }, { times: 3, when: (args) => args.thread_ts === undefined });
    await harness.customerSays("I want to cancel my order 100311 please");
    await harness.customerSays("it is urgent");
    const cardCalls = () =>
      harness.api.callsTo("chat.postMessage").filter((c) => c.args.thread_ts === undefined && c.args.channel === "C0RETENT1").length;
    expect(cardCalls()).toBe(1);
    await passTime(harness, 4000);
    expect(cardCalls()).toBe(1); // Retry-After (5 s) not yet over
    await passTime(harness, 20_000);
    expect(cardCalls()).toBe(4);
    const cards = harness.api.messages.filter((m) => m.channel === "C0RETENT1" && m.thread_ts === m.ts);
    expect(cards).toHaveLength(1);
    const replies = thread(harness, cards[0]!.ts);
    expect(replies.filter((t) => t.includes("it is urgent"))).toHaveLength(1);
    expect(replies.at(-1)).toContain("it is urgent");
  });

  it("holds replies while WhatsApp is disconnected and delivers them in order once it is back", async () => {
    const harness = await start();
    const { thread: ref } = await claimed(harness);
    const before = harness.whatsapp.sent.length;
    harness.whatsapp.autoReady = false;
    harness.whatsapp.disconnect("NAVIGATION");
    for (const text of ["one", "two", "three"]) await harness.agentReplies("U0AGENT01", ref, text);
    await passTime(harness, 5000);
    expect(harness.whatsapp.sent.length).toBe(before);
    harness.whatsapp.becomeReady();
    await passTime(harness, 5000);
    expect(toCustomer(harness).slice(before)).toEqual(["one", "two", "three"]);
    expect(await outbox(harness).listOutbox()).toEqual([]);
  });

  it("after maxAttempts a reply becomes a visible failure (thread, ops, reaction), stays stored, and replays", async () => {
    const harness = await start({
      configure: (c) => {
        c.outbox.maxAttempts = 2;
        c.slack.admins = ["U0ADMIN01"];
      },
    });
    const { thread: ref, cardTs } = await claimed(harness);
    harness.whatsapp.failNextSends(2);
    const { ts } = await harness.agentReplies("U0AGENT01", ref, "your refund is on its way");
    await passTime(harness, 10_000);
    expect(toCustomer(harness)).not.toContain("your refund is on its way");
    expect(thread(harness, cardTs).at(-1)).toMatch(/Not delivered to the customer/);
    const ops = harness.api.messages.filter((m) => m.channel === "C0OPS0001").map((m) => m.text ?? "");
    expect(ops.some((t) => t.includes("Could not deliver an agent's reply") && t.includes("/warmline replay"))).toBe(true);
    expect(harness.api.reactionsOn("C0RETENT1", ts)).toContain("x");
    const failed = (await outbox(harness).listOutbox()).filter((i) => i.status === "failed");
    expect(failed).toHaveLength(1);

    const denied = await harness.command("U0AGENT02", "replay");
    expect(denied.json?.text).toMatch(/Only Warmline admins/);
    const replay = await harness.command("U0ADMIN01", "replay");
    expect(replay.json?.text).toBe(":repeat: Sending 1 failed message again.");
    await harness.engine.drain();
    expect(toCustomer(harness).filter((t) => t === "your refund is on its way")).toHaveLength(1);
    expect(await outbox(harness).listOutbox()).toEqual([]);
  });

  it("an in-doubt WhatsApp send that had gone through is not sent again", async () => {
    const harness = await start();
    const { thread: ref } = await claimed(harness);
    // The send reaches WhatsApp, but the process never hears back (as when it dies mid-call).
    const original = harness.whatsapp.sendMessage.bind(harness.whatsapp);
    let dropAnswer = true;
    harness.whatsapp.sendMessage = async (...args) => {
      const sent = await original(...args);
      if (dropAnswer) {
        dropAnswer = false;
        throw new Error("socket hang up");
      }
      return sent;
    };
    await harness.agentReplies("U0AGENT01", ref, "only once please");
    await passTime(harness, 5000);
    expect(toCustomer(harness).filter((t) => t === "only once please")).toHaveLength(1);
    expect(await outbox(harness).listOutbox()).toEqual([]);
  });

  it.each([
    ["never reached WhatsApp", false],
    ["reached WhatsApp, but the answer was lost", true],
  ])("two identical replies in a row: the second, in doubt (it %s), still reaches the customer exactly once", async (_name, stored) => {
    const harness = await start();
    const { thread: ref } = await claimed(harness);
    await harness.agentReplies("U0AGENT01", ref, "OK, one moment.");
    expect(toCustomer(harness).filter((t) => t === "OK, one moment.")).toHaveLength(1);
    // The second identical reply's first attempt fails: before WhatsApp stored it, or after (its answer lost).
    const original = harness.whatsapp.sendMessage.bind(harness.whatsapp);
    let interrupt = true;
    harness.whatsapp.sendMessage = async (...args) => {
      if (!interrupt) return original(...args);
      interrupt = false;
      if (stored) await original(...args);
      throw new Error("socket hang up");
    };
    await harness.agentReplies("U0AGENT01", ref, "OK, one moment.");
    await passTime(harness, 5000);
    expect(toCustomer(harness).filter((t) => t === "OK, one moment.")).toHaveLength(2);
    expect(await outbox(harness).listOutbox()).toEqual([]);
  });

  it("a send recorded as confirmed whose outbox item was not completed (a crash in between) is not sent again", async () => {
    const harness = await start();
    const { thread: ref, conversationId } = await claimed(harness);
    const store = outbox(harness);
    const complete = store.completeOutboxItem.bind(store);
    let fail = true;
    store.completeOutboxItem = async (item, lease) => {
      if (fail) {
        fail = false;
        throw new Error("the store went away");
      }
      return complete(item, lease);
    };
    await harness.agentReplies("U0AGENT01", ref, "Done, see you");
    expect((await harness.store.get(conversationId))?.lastCustomerSend?.channelMessageId).toBe(harness.whatsapp.lastSent()?.id);
    await passTime(harness, 5000);
    expect(toCustomer(harness).filter((t) => t === "Done, see you")).toHaveLength(1);
    expect(await store.listOutbox()).toEqual([]);
  });

  it("a delivery reaction is never marked in flight, and a failed one is retried as any item: attempt counted, backed off, then added", async () => {
    const harness = await start();
    const { thread: ref } = await claimed(harness);
    const store = outbox(harness);
    const marked = recordInFlightMarks(store);
    harness.api.failNext("reactions.add", { status: 500 });
    const { ts } = await harness.agentReplies("U0AGENT01", ref, "On its way");
    const [waiting] = (await store.listOutbox()).filter((i) => i.effect.kind === "mark_delivery");
    expect(waiting).toMatchObject({ status: "pending", attempts: 1 });
    expect(waiting!.notBefore).toBeGreaterThan(harness.clock.now());
    await passTime(harness, 10_000);
    expect(harness.api.reactionsOn("C0RETENT1", ts)).toEqual(["outbox_tray"]);
    expect(await store.listOutbox()).toEqual([]);
    expect(marked()).toEqual(["send_customer"]);
  });

  it("forgetting a customer takes their queued messages out of the outbox", async () => {
    const harness = await start();
    const { thread: ref, conversationId } = await claimed(harness);
    harness.whatsapp.autoReady = false;
    harness.whatsapp.disconnect("NAVIGATION");
    await harness.agentReplies("U0AGENT01", ref, "queued while offline");
    expect((await outbox(harness).listOutbox()).some((i) => i.lane === conversationId)).toBe(true);
    const phone = (await harness.store.get(conversationId))!.customer.phone!;
    await harness.engine.forgetCustomer(phone, { id: "slack:U0ADMIN01", name: "Olivia" });
    expect((await outbox(harness).listOutbox()).some((i) => i.lane === conversationId)).toBe(false);
  });
});

describe("forgetting a customer with only a parked message", () => {
  it("finds their inbox lane by phone number and drops the message, which no conversation knows of", async () => {
    const harness = await start();
    const store = outbox(harness);
    const address = "whatsapp:447700900555@c.us";
    const message = { messageId: "parked-1", address, channel: "whatsapp", text: "my card is 4111 1111 1111 1111", receivedAt: 0 };
    await store.receiveInbox({ id: "whatsapp:parked-1", lane: address, message: { kind: "customer_message", message } }, 60_000);
    const [entry] = await store.inboxHeads(address);
    await store.saveInboxEntry({ ...entry!, status: "failed", attempts: 6 });
    expect(await harness.engine.forgetCustomer("+44 7700 900555", { id: "slack:U0ADMIN01", name: "Olivia" })).toEqual({
      conversations: 0,
    });
    expect(await store.listInbox()).toEqual([]);
  });
});

describe("idempotency: Slack retries and double clicks", () => {
  it("a thread reply redelivered by Slack (same event_id, x-slack-retry-num) is relayed once", async () => {
    const harness = await start();
    const { thread: ref } = await claimed(harness);
    const { channel, threadTs } = decodeSlackThreadRef(ref);
    const event = threadReplyEvent({ channel, user: "U0AGENT01", text: "relayed once", ts: "1715000999.000001", threadTs });
    await postEvent(harness.url, HARNESS_SIGNING_SECRET, event);
    const body = JSON.stringify(event);
    for (const retry of [1, 2]) {
      const timestamp = Math.floor(Date.now() / 1000);
      const { slackSignature } = await import("../../src/sandbox/slack-signing.js");
      await fetch(harness.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-slack-request-timestamp": String(timestamp),
          "x-slack-signature": slackSignature(HARNESS_SIGNING_SECRET, timestamp, body),
          "x-slack-retry-num": String(retry),
          "x-slack-retry-reason": "http_timeout",
        },
        body,
      });
    }
    // A different event id for the same message (client_msg_id) and the same message ref both count as the same.
    await postEvent(harness.url, HARNESS_SIGNING_SECRET, { ...event, event_id: "EvOTHER0001" });
    await postEvent(harness.url, HARNESS_SIGNING_SECRET, {
      ...event,
      event_id: "EvOTHER0002",
      event: { ...event.event, client_msg_id: "other-client-id" },
    });
    await harness.engine.drain();
    expect(toCustomer(harness).filter((t) => t === "relayed once")).toHaveLength(1);
  });

  it("a thread reply is refused again by its inbox entry, with no event keys written; an edit's keys are written", async () => {
    const harness = await start();
    const { thread: ref } = await claimed(harness);
    const { channel, threadTs } = decodeSlackThreadRef(ref);
    const reply = threadReplyEvent({ channel, user: "U0AGENT01", text: "stored once", ts: "1715000999.000002", threadTs });
    await postEvent(harness.url, HARNESS_SIGNING_SECRET, reply);
    const keys = slackEventKeys(reply);
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) expect(await harness.store.isSeen(key)).toBe(false);
    // Slack's retry: the same event again.
    await postEvent(harness.url, HARNESS_SIGNING_SECRET, reply);
    await harness.engine.drain();
    expect(toCustomer(harness).filter((t) => t === "stored once")).toHaveLength(1);

    // An edit does not go through the inbox (it answers the agent with a note): its retry must find its keys.
    const edit = messageChangedEvent({
      channel,
      user: "U0AGENT01",
      ts: "1715000999.000002",
      threadTs,
      before: "stored once",
      after: "stored twice",
    });
    await postEvent(harness.url, HARNESS_SIGNING_SECRET, edit);
    const editKeys = slackEventKeys(edit);
    expect(editKeys.length).toBeGreaterThan(0);
    for (const key of editKeys) expect(await harness.store.isSeen(key)).toBe(true);
  });

  it("a double-clicked Claim acts once and tells nobody off", async () => {
    const harness = await start();
    const { conversationId, thread: ref } = await harness.escalateCancellation();
    const { channel, threadTs } = decodeSlackThreadRef(ref);
    const click = () =>
      postInteraction(
        harness.url,
        HARNESS_SIGNING_SECRET,
        buttonAction(SLACK_ACTION_IDS.claim, { user: "U0AGENT01", channel, messageTs: threadTs, conversationId }),
      );
    await Promise.all([click(), click()]);
    await harness.engine.drain();
    expect(toCustomer(harness).filter((t) => t.includes("has joined"))).toHaveLength(1);
    expect(harness.api.callsTo("chat.postEphemeral")).toHaveLength(0);
    expect((await harness.store.listAudit(conversationId)).filter((a) => a.action === "claimed")).toHaveLength(1);
  });

  it("a double-clicked Resolve resolves once and sends one survey", async () => {
    const harness = await start();
    const { conversationId, thread: ref } = await claimed(harness);
    await Promise.all([
      harness.click(SLACK_ACTION_IDS.resolve, "U0AGENT01", conversationId, ref),
      harness.click(SLACK_ACTION_IDS.resolve, "U0AGENT01", conversationId, ref),
    ]);
    expect(toCustomer(harness).filter((t) => t.includes("How satisfied"))).toHaveLength(1);
  });

  it("refuses an unsigned retry: signatures are always checked", async () => {
    const harness = await start();
    const response = await sendSignedRequest(
      harness.url,
      "wrong-secret",
      JSON.stringify({ type: "event_callback", event_id: "EvX" }),
      "application/json",
    );
    expect(response.status).toBe(401);
  });
});

describe("Slack is answered once a change is stored, not once it is delivered", () => {
  it("a Claim click gets its HTTP answer while WhatsApp is still sending; drain() waits for the send", async () => {
    const harness = await start();
    const { conversationId, thread: ref } = await harness.escalateCancellation();
    const { channel, threadTs } = decodeSlackThreadRef(ref);
    const release = harness.whatsapp.holdSends();
    const response = await postInteraction(
      harness.url,
      HARNESS_SIGNING_SECRET,
      buttonAction(SLACK_ACTION_IDS.claim, { user: "U0AGENT01", channel, messageTs: threadTs, conversationId }),
    );
    expect(response.status).toBe(200);
    expect((await harness.store.get(conversationId))!.state).toBe("assigned");
    await vi.waitFor(() => expect(harness.whatsapp.heldSends).toBe(1));
    expect(toCustomer(harness).some((t) => t.includes("has joined"))).toBe(false);
    const drained = harness.engine.drain();
    release();
    await drained;
    expect(toCustomer(harness).filter((t) => t.includes("has joined"))).toHaveLength(1);
  });
});
