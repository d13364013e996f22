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
    // Statuses come back under the tag the send carried (the outbox item's), not Meta's message id.
    expect(conversation!.transcript.find((e) => e.channelMessageId === reply.callbackData)?.delivery).toBe("read");

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

const TEMPLATES = [
  {
    name: "order_follow_up",
    language: "en_US",
    body: "Hi {{1}}, about your order {{2}}: reply here and we'll pick it up.",
    parameters: ["Name", "Order"],
  },
  { name: "survey_follow_up", language: "en_US", body: "How did we do? Reply 1 (poor) to 5 (great).", parameters: [] },
];

describe("the WhatsApp Cloud API channel end to end", () => {
  it("carries media both ways: the customer's photo to the thread, the agent's file to the customer", async () => {
    let now = DEMO_START;
    sandbox = await startSandbox({ channel: "cloud", clock: { now: () => (now += 1000) } });
    const s = sandbox;
    const graph = s.graph!;
    await s.customerSays("I want to cancel my order 100311, it arrived broken");
    await s.click(SANDBOX_AGENT, SLACK_ACTION_IDS.claim);

    const photo = Buffer.from("\x89PNG fake photo of a broken vase");
    await graph.customerSendsMedia(CUSTOMER, { kind: "image", data: photo, mimeType: "image/png", caption: "see the crack" });
    await s.handle.idle();
    const uploads = s.api.uploads;
    expect(uploads.at(-1)?.bytes.equals(photo)).toBe(true);

    const label = Buffer.from("%PDF-1.4 return label");
    await s.agentSays(SANDBOX_AGENT, "Here is your return label", [{ content: label, name: "label.pdf", mimetype: "application/pdf" }]);
    const sent = graph.sent.at(-1)!;
    expect(sent.type).toBe("document");
    expect(sent.media?.data.equals(label)).toBe(true);
    expect(sent.text).toBe("Here is your return label");
  });

  it("after 24 hours an agent's reply is not sent: the thread offers the templates, and the chosen one goes out; the survey goes as its template", async () => {
    let now = DEMO_START;
    sandbox = await startSandbox({
      channel: "cloud",
      clock: { now: () => (now += 1000) },
      configure: (config) => {
        config.whatsapp.templates = TEMPLATES;
        config.whatsapp.surveyTemplate = "survey_follow_up";
      },
    });
    const s = sandbox;
    const graph = s.graph!;
    await s.customerSays("I want to cancel my order 100311, I found it cheaper elsewhere");
    const card = (await s.currentCard())!;
    await s.click(SANDBOX_AGENT, SLACK_ACTION_IDS.claim);
    const sentBefore = graph.sent.length;

    now += 25 * 60 * 60 * 1000;
    const replyTs = await s.agentSays(SANDBOX_AGENT, "Sorry for the wait, are you still there?");
    expect(graph.sent).toHaveLength(sentBefore);
    expect(s.api.reactionsOn(RETENTION, replyTs)).toEqual(["x"]);
    const note = s.api.threadReplies(RETENTION, card.ts).at(-1)!;
    expect(note.text).toMatch(/Not sent to the customer.*24-hour/);
    expect(JSON.stringify(note.blocks)).toContain("Send a template");

    await s.sendTemplate(SANDBOX_AGENT, "order_follow_up", ["Maria", "100311"]);
    const template = graph.sent.at(-1)!;
    expect(template.type).toBe("template");
    expect(template.payload.template).toMatchObject({ name: "order_follow_up", language: { code: "en_US" } });
    expect(template.text).toBe("template order_follow_up: Maria | 100311");
    const [conversation] = await s.handle.store.listSince(0);
    expect(conversation!.transcript.at(-1)?.text).toBe("Hi Maria, about your order 100311: reply here and we'll pick it up.");

    // Resolving with the window still closed: the survey goes as its approved template.
    await s.click(SANDBOX_AGENT, SLACK_ACTION_IDS.resolve);
    expect(graph.sent.at(-1)!.payload.template).toMatchObject({ name: "survey_follow_up" });
  });

  it("when Meta answers 131047 (re-engagement required), the same offer appears", async () => {
    let now = DEMO_START;
    sandbox = await startSandbox({
      channel: "cloud",
      clock: { now: () => (now += 1000) },
      configure: (c) => void (c.whatsapp.templates = TEMPLATES),
    });
    const s = sandbox;
    await s.customerSays("I want to cancel my order 100311, I found it cheaper elsewhere");
    const card = (await s.currentCard())!;
    await s.click(SANDBOX_AGENT, SLACK_ACTION_IDS.claim);
    s.graph!.failNext(131047);
    await s.agentSays(SANDBOX_AGENT, "Are you still there?");
    expect(s.api.threadReplies(RETENTION, card.ts).at(-1)!.text).toMatch(/Not sent to the customer.*24-hour/);
  });
});

describe("control words over the Cloud API", () => {
  it("offers CALLBACK as a reply button after hours, and the tap works like the typed word", async () => {
    // 21:30 in London: the team is closed.
    let now = DEMO_START + 12 * 60 * 60 * 1000;
    sandbox = await startSandbox({ channel: "cloud", clock: { now: () => (now += 1000) } });
    const s = sandbox;
    const graph = s.graph!;
    await s.customerSays("can I talk to a real person please");
    const offer = graph.sent.at(-1)!;
    expect(offer.type).toBe("interactive");
    expect(offer.text).toMatch(/Reply CALLBACK/);
    const titles = (offer.payload.interactive as { action: { buttons: { reply: { title: string } }[] } }).action.buttons.map(
      (b) => b.reply.title,
    );
    expect(titles).toEqual(["CALLBACK"]);
    await graph.customerTaps(CUSTOMER, "CALLBACK");
    await s.handle.idle();
    const [conversation] = await s.handle.store.listSince(0);
    expect(conversation!.callbackRequestedAt).toEqual(expect.any(Number));
  });
});
