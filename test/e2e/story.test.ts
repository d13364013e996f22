import { afterEach, describe, expect, it } from "vitest";
import { SLACK_ACTION_IDS } from "../../channels/slack/context-card.js";
import { SANDBOX_AGENT, SANDBOX_CUSTOMER, startSandbox, type Sandbox, type SandboxTransport } from "../../src/demo/sandbox.js";
import { DEMO_START } from "../../src/demo/story.js";

const RETENTION = "C0RETENT1";
let sandbox: Sandbox | undefined;

afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

/** Everything the customer received on WhatsApp, in order. */
const customerSaw = (s: Sandbox) => s.whatsapp.sent.map((m) => m.text);
const postsIn = (s: Sandbox, channel: string) => s.api.callsTo("chat.postMessage").filter((c) => c.args.channel === channel);
const textOf = (blocks: unknown): string => JSON.stringify(blocks ?? []);

describe.each<SandboxTransport>(["http", "socket"])("the whole story through startWarmline (%s transport)", (transport) => {
  it("escalates a cancellation to retention, relays both ways, keeps notes internal, resolves and collects the survey", async () => {
    let now = DEMO_START;
    sandbox = await startSandbox({ transport, clock: { now: () => (now += 1000) } });
    const s = sandbox;

    // 1. The assistant answers a greeting on WhatsApp; nothing reaches Slack.
    await s.customerSays("hi!");
    expect(customerSaw(s)).toHaveLength(1);
    expect(s.whatsapp.sent[0]!.chatId).toBe(SANDBOX_CUSTOMER.chatId);
    expect(postsIn(s, RETENTION)).toHaveLength(0);

    // 2. A cancellation: the customer is told a person is coming, the card lands in #retention.
    await s.customerSays("I want to cancel my order 100311, I found it cheaper elsewhere");
    expect(customerSaw(s)[1]).toMatch(/colleague from our Customer Care team.*won't need to repeat yourself/);
    const [card, ...transcript] = postsIn(s, RETENTION);
    expect(card!.args.thread_ts).toBeUndefined();
    const cardText = textOf(card!.args.blocks);
    for (const expected of [
      "Cancellation",
      "Maria Lopez",
      "+44 •••• ••• 123",
      "cancel order 100311",
      "order_lookup",
      "Claim",
      "Return to bot",
      "Resolve",
    ]) {
      expect(cardText).toContain(expected);
    }
    const cardRef = (await s.currentCard())!;
    expect(cardRef.channel).toBe(RETENTION);
    expect(transcript.length).toBeGreaterThan(0);
    expect(transcript.every((post) => post.args.thread_ts === cardRef.ts)).toBe(true);
    expect(textOf(transcript.map((t) => t.args.text))).toContain("I found it cheaper elsewhere");

    // 3. Sam claims: the card says so and the customer is told who joined.
    await s.click(SANDBOX_AGENT, SLACK_ACTION_IDS.claim);
    expect(customerSaw(s).at(-1)).toBe("Sam from our Customer Care team has joined. They can see our conversation so far.");
    const claimedCard = s.api.callsTo("chat.update").at(-1)!;
    expect(textOf(claimedCard.args.blocks)).toContain(`Claimed by* <@${SANDBOX_AGENT}>`);

    // 4. Sam's thread reply reaches WhatsApp with Slack mrkdwn converted, and gets a delivery reaction.
    const replyTs = await s.agentSays(
      SANDBOX_AGENT,
      "Hi Maria :wave: would a _10% discount_ change your mind? <https://acme.example/offer|See the offer>",
    );
    expect(customerSaw(s).at(-1)).toBe("Hi Maria 👋 would a _10% discount_ change your mind? See the offer (https://acme.example/offer)");
    expect(s.api.reactionsOn(RETENTION, replyTs).length).toBeGreaterThan(0);

    // 5. The customer's answer flows into the same thread, escaped so it can't ping anyone.
    await s.customerSays("thanks, but please cancel it <!channel>");
    const relayed = postsIn(s, RETENTION).at(-1)!;
    expect(relayed.args.thread_ts).toBe(cardRef.ts);
    expect(String(relayed.args.text)).toContain("please cancel it &lt;!channel&gt;");

    // 6. An internal note is never relayed and is visibly marked.
    const sentBefore = s.whatsapp.sent.length;
    const noteTs = await s.agentSays(SANDBOX_AGENT, "// refund ref R-2231");
    expect(s.whatsapp.sent.length).toBe(sentBefore);
    expect(s.api.reactionsOn(RETENTION, noteTs)).toContain("lock");

    // 7. Resolve: the survey goes out; the answers are stored and posted to the thread.
    await s.click(SANDBOX_AGENT, SLACK_ACTION_IDS.resolve);
    expect(customerSaw(s).at(-1)).toMatch(/How satisfied are you, from 1/);
    await s.customerSays("4");
    expect(customerSaw(s).at(-1)).toMatch(/did being handed to a person help/);
    await s.customerSays("yes");
    expect(customerSaw(s).at(-1)).toBe("Thanks for the feedback!");
    expect(String(postsIn(s, RETENTION).at(-1)!.args.text)).toMatch(/4\/5.*helped: yes/);

    const [conversation] = await s.handle.store.listSince(0);
    expect(conversation).toMatchObject({ state: "resolved", survey: { score: 4, handoverHelped: true, status: "answered" } });
    expect((await s.handle.store.listAudit(conversation!.id)).map((a) => a.action)).toEqual(
      expect.arrayContaining(["escalated", "claimed", "relayed", "internal_note", "resolved", "survey_answered"]),
    );
    // Every WhatsApp message went to the one customer chat, in the order the story produced them.
    expect(new Set(s.whatsapp.sent.map((m) => m.chatId))).toEqual(new Set([SANDBOX_CUSTOMER.chatId]));
    expect(s.whatsapp.sent).toHaveLength(7);
  });
});
