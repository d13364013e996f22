import { afterEach, describe, expect, it } from "vitest";
import { SLACK_ACTION_IDS } from "../../channels/slack/context-card.js";
import { SANDBOX_AGENT, SANDBOX_CUSTOMER, startSandbox, type Sandbox, type SandboxTransport } from "../../src/demo/sandbox.js";
import { DEMO_START } from "../../src/demo/story.js";

const RETENTION = "C0RETENT1";
const CUSTOMER = { phone: SANDBOX_CUSTOMER.chatId.replace("@c.us", ""), name: SANDBOX_CUSTOMER.name };
let sandbox: Sandbox | undefined;

afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

const postsIn = (s: Sandbox, channel: string) => s.api.callsTo("chat.postMessage").filter((c) => c.args.channel === channel);

describe.each<SandboxTransport>(["http", "socket"])("the story over the WhatsApp Cloud API (%s transport)", (transport) => {
  it("escalates a cancellation to retention, relays the claimant's reply, shows read as a reaction, posts a redelivered webhook once", async () => {
    let now = DEMO_START;
    sandbox = await startSandbox({ transport, channel: "cloud", clock: { now: () => (now += 1000) } });
    const s = sandbox;
    const graph = s.graph!;

    await s.customerSays("hi!");
    expect(s.customerReceived()).toHaveLength(1);
    expect(graph.sent[0]!.to).toBe(CUSTOMER.phone);

    await s.customerSays("I want to cancel my order 100311, I found it cheaper elsewhere");
    expect(s.customerReceived()[1]).toMatch(/colleague from our Customer Care team/);
    const cardRef = (await s.currentCard())!;
    expect(cardRef.channel).toBe(RETENTION);
    expect(JSON.stringify(postsIn(s, RETENTION).map((p) => p.args.text))).toContain("I found it cheaper elsewhere");

    await s.click(SANDBOX_AGENT, SLACK_ACTION_IDS.claim);
    const replyTs = await s.agentSays(SANDBOX_AGENT, "Hi Maria, would a *10% discount* change your mind?");
    const reply = graph.sent.at(-1)!;
    expect(reply).toMatchObject({ to: CUSTOMER.phone, type: "text" });
    expect(reply.text).toContain("would a *10% discount* change your mind?");
    // Answering marks the customer's last message as read on their phone.
    expect(graph.readReceipts.length).toBeGreaterThan(0);

    // Meta reports read without delivered, then a late delivered: the reaction stays at read.
    expect(await graph.reportStatus(reply.id, "read")).toBe(200);
    expect(await graph.reportStatus(reply.id, "delivered")).toBe(200);
    await s.handle.idle();
    expect(s.api.reactionsOn(RETENTION, replyTs)).toEqual(["eyes"]);
    const [conversation] = await s.handle.store.listSince(0);
    expect(conversation!.transcript.find((e) => e.channelMessageId === reply.id)?.delivery).toBe("read");

    // The customer's answer is posted once, however often Meta delivers the webhook.
    const { messageId } = await graph.customerSays(CUSTOMER, "thanks, but please cancel it");
    await s.handle.idle();
    expect(await graph.redeliver(messageId)).toBe(200);
    expect(await graph.redeliver(messageId)).toBe(200);
    await s.handle.idle();
    const copies = postsIn(s, RETENTION).filter((p) => String(p.args.text).includes("thanks, but please cancel it"));
    expect(copies).toHaveLength(1);
  });
});
