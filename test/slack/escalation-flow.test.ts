import { afterEach, describe, expect, it, vi } from "vitest";
import { SLACK_ACTION_IDS } from "../../channels/slack/context-card.js";
import { SLACK_SECTION_TEXT_LIMIT } from "../../channels/slack/slack-limits.js";
import { SLACK_ERASED_CARD_TEXT } from "../../channels/slack/slack-workspace.js";
import { SLACK_TRANSFER_VIEW_ID } from "../../channels/slack/transfer-modal.js";
import { type SlackHarness, type SlackHarnessOptions, startSlackHarness } from "../helpers/slack-harness.js";
import type { WarmlineStore } from "../../src/ports/outbox.js";
import { slackFixture } from "../../src/sandbox/slack-signing.js";
import { allText, expectWithinSlackLimits } from "./card-limits.js";

let h: SlackHarness | undefined;
async function start(options?: SlackHarnessOptions): Promise<SlackHarness> {
  h = await startSlackHarness(options);
  return h;
}
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const cardOf = (harness: SlackHarness, channel: string, ts: string) =>
  harness.api.messages.find((m) => m.channel === channel && m.ts === ts)!;
const ephemeralsTo = (harness: SlackHarness, user: string) =>
  harness.api
    .callsTo("chat.postEphemeral")
    .filter((c) => c.args.user === user)
    .map((c) => String(c.args.text));

describe("Slack escalation flow (real Bolt receiver, engine, WhatsApp adapter)", () => {
  it("a cancellation escalates to the retention channel with a complete card and the transcript in its thread", async () => {
    const harness = await start();
    const { thread, channel, cardTs, conversationId } = await harness.escalateCancellation();
    expect(channel).toBe("C0RETENT1");
    expect(thread).toBe(`slack:C0RETENT1:${cardTs}`);
    const post = harness.api.callsTo("chat.postMessage").find((c) => c.args.channel === "C0RETENT1" && c.args.thread_ts === undefined)!;
    expect(post.token).toBe("xoxb-harness-bot-token");
    const blocks = post.args.blocks as unknown[];
    expectWithinSlackLimits({ text: String(post.args.text), blocks });
    const text = allText(blocks);
    expect(text).toMatch(/High priority · Cancellation · Customer Care/);
    expect(text).toMatch(/High priority/);
    expect(text).toContain("Customer Care");
    expect(text).toContain("*Customer*\nMaria Lopez");
    expect(text).toMatch(/\*Phone\*\n\+\d+ [•\s]+567/);
    expect(text).toContain("*Tier*\nStandard");
    expect(text).toContain("*Past conversations*\n0");
    expect(text).toMatch(/\*Why escalated\* \(decided by a rule\)\n.*cancel/i);
    expect(text).toMatch(/\*Summary\*\n.+\..+\./s);
    expect(text).toContain("*What the bot tried*");
    expect(text).toMatch(/\*Sentiment\*\n.+(negative|neutral|positive)/);
    // The header carries the priority; no second urgency that could disagree with it.
    expect(text).not.toContain("*Urgency*");
    expect(text).toMatch(/\*Suggested next step\*\n.+/);
    expect(text).toMatch(/\*Suggested opening line\*\n>.+/);
    expect(text).toContain(">I want to cancel my order 100311 please");
    expect(text).toContain(`Conversation \`${conversationId}\``);
    expect(text).toMatch(/Waiting since <!date\^\d+\^/);
    expect(text).toMatch(/Claim by <!date\^\d+\^\{time\}/);
    expect(text).not.toMatch(/Level \d|Transfer #/);
    expect(String(post.args.text)).toMatch(/^High priority · Maria Lopez wants to cancel order 100311 · waiting in Customer Care$/);
    expect(text).toContain("Waiting for someone to claim");
    const buttons = (blocks as { type: string; elements?: { action_id?: string; value?: string }[] }[]).find((b) => b.type === "actions")!
      .elements!;
    expect(buttons.map((b) => b.action_id)).toEqual(["warmline_claim", "warmline_transfer", "warmline_return", "warmline_resolve"]);
    const transcript = harness.api
      .threadReplies("C0RETENT1", cardTs)
      .map((m) => m.text)
      .join("");
    expect(transcript).toContain("*Maria Lopez*");
    expect(transcript).toContain("I want to cancel my order 100311 please");
    expect(harness.whatsapp.sent.at(-1)?.text).toContain("Customer Care");
  });

  it("20 concurrent Claim clicks give exactly one winner; the others are told who has it", async () => {
    const harness = await start();
    const { thread, conversationId, channel, cardTs } = await harness.escalateCancellation();
    const users = Array.from({ length: 20 }, (_, i) => `U0CROWD${String(i).padStart(2, "0")}`);
    const responses = await Promise.all(users.map((u) => harness.click(SLACK_ACTION_IDS.claim, u, conversationId, thread)));
    expect(responses.every((r) => r.status === 200)).toBe(true);
    await harness.engine.drain();
    const conversation = (await harness.store.get(conversationId))!;
    expect(conversation.state).toBe("assigned");
    const winner = conversation.assignee!.id.replace("slack:", "");
    expect(users).toContain(winner);
    const refusals = harness.api.callsTo("chat.postEphemeral");
    expect(refusals).toHaveLength(19);
    expect(new Set(refusals.map((r) => r.args.user))).toEqual(new Set(users.filter((u) => u !== winner)));
    for (const r of refusals) expect(r.args.text).toBe(`<@${winner}> already claimed this conversation.`);
    expect(allText(cardOf(harness, channel, cardTs).blocks!)).toContain(`*Claimed by* <@${winner}>`);
    expect(harness.whatsapp.sent.at(-1)?.text).toMatch(/has joined/);
  });

  it("someone not on the team's rota cannot claim, and is told why", async () => {
    const harness = await start({ configure: (c) => void (c.teams.retention!.rota = ["U0AGENT02"]) });
    const { thread, conversationId } = await harness.escalateCancellation();
    await harness.click(SLACK_ACTION_IDS.claim, "U0AGENT01", conversationId, thread);
    expect(ephemeralsTo(harness, "U0AGENT01")).toEqual([expect.stringContaining("not on the Customer Care rota")]);
    expect((await harness.store.get(conversationId))!.state).toBe("queued");
    await harness.click(SLACK_ACTION_IDS.claim, "U0AGENT02", conversationId, thread);
    expect((await harness.store.get(conversationId))!.assignee?.id).toBe("slack:U0AGENT02");
  });

  it("customer text cannot ping anyone in Slack", async () => {
    const harness = await start();
    const { cardTs } = await harness.escalateCancellation();
    await harness.customerSays("<!channel> <!here> <@U0AGENT01> @everyone <https://evil.example|click me> hello?");
    const posted = harness.api.threadReplies("C0RETENT1", cardTs).at(-1)!.text!;
    expect(posted).toContain("*Maria Lopez*:");
    expect(posted).not.toMatch(/<!|<@|<https/);
    expect(posted).not.toContain("@everyone");
    expect(posted).toContain("&lt;!channel&gt;");
  });

  it("relays the claimant's reply to WhatsApp with mrkdwn converted, and shows delivery as reactions", async () => {
    const harness = await start();
    const { thread, conversationId } = await harness.escalateCancellation();
    await harness.click(SLACK_ACTION_IDS.claim, "U0AGENT01", conversationId, thread);
    const before = harness.whatsapp.sent.length;
    const { ts } = await harness.agentReplies(
      "U0AGENT01",
      thread,
      "Hi *Maria* :wave: I'm cancelling it now, details <https://acme.example/o/100311|here> &amp; `CODE1` — ask <@U0AGENT02>",
    );
    const sent = harness.whatsapp.sent.slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.text).toBe(
      "Hi *Maria* 👋 I'm cancelling it now, details here (https://acme.example/o/100311) & ```CODE1``` — ask @Sam",
    );
    harness.whatsapp.ack(sent[0]!.id, 2);
    await expect.poll(() => harness.api.reactionsOn("C0RETENT1", ts)).toEqual(["white_check_mark"]);
    harness.whatsapp.ack(sent[0]!.id, 3);
    await expect.poll(() => harness.api.reactionsOn("C0RETENT1", ts)).toEqual(["eyes"]);
  });

  it("internal notes and non-claimant replies are not relayed, and are marked as such", async () => {
    const harness = await start();
    const { thread, conversationId } = await harness.escalateCancellation();
    await harness.click(SLACK_ACTION_IDS.claim, "U0AGENT01", conversationId, thread);
    const before = harness.whatsapp.sent.length;
    const note = await harness.agentReplies("U0AGENT01", thread, "// she was rude last time, be careful");
    const other = await harness.agentReplies("U0AGENT02", thread, "I can take this one");
    expect(harness.whatsapp.sent.length).toBe(before);
    expect(harness.api.reactionsOn("C0RETENT1", note.ts)).toEqual(["lock"]);
    expect(harness.api.reactionsOn("C0RETENT1", other.ts)).toEqual(["lock"]);
    expect(ephemeralsTo(harness, "U0AGENT01")).toEqual([":lock: Internal note: not sent to the customer."]);
    expect(ephemeralsTo(harness, "U0AGENT02")[0]).toContain("Internal note: not sent to the customer");
  });

  it("a reply in the thread of a resolved conversation is not relayed, and its author is told so on it", async () => {
    const harness = await start();
    const { thread, conversationId } = await harness.escalateCancellation();
    await harness.click(SLACK_ACTION_IDS.claim, "U0AGENT01", conversationId, thread);
    await harness.click(SLACK_ACTION_IDS.resolve, "U0AGENT01", conversationId, thread);
    const late = await harness.agentReplies("U0AGENT01", thread, "One more thing about your order");
    expect(harness.whatsapp.sent.filter((m) => m.text.includes("One more thing"))).toEqual([]);
    expect(harness.api.reactionsOn("C0RETENT1", late.ts)).toEqual(["lock"]);
    expect(ephemeralsTo(harness, "U0AGENT01")).toContain(":lock: Not sent to the customer: this conversation is no longer with a person.");
  });

  it("sends files the claimant shares in the thread to the customer", async () => {
    const harness = await start();
    const { thread, conversationId } = await harness.escalateCancellation();
    await harness.click(SLACK_ACTION_IDS.claim, "U0AGENT01", conversationId, thread);
    const pdf = Buffer.from("%PDF-1.4 fake return label");
    const file = harness.api.addFile(pdf, { name: "return-label.pdf", mimetype: "application/pdf" });
    const before = harness.whatsapp.sent.length;
    await harness.agentReplies("U0AGENT01", thread, "Here is your return label", { files: [file], subtype: "file_share" });
    const sent = harness.whatsapp.sent.slice(before);
    const media = sent.find((s) => s.media);
    expect(media?.media?.mimetype).toBe("application/pdf");
    expect(Buffer.from(media!.media!.data, "base64").equals(pdf)).toBe(true);
    expect(sent.map((s) => s.text).join(" ")).toContain("Here is your return label");
  });

  it("keeps photos and files out of the stored conversation: their bytes are kept beside it, sent on both ways, and erased with it", async () => {
    const harness = await start();
    const { thread, conversationId, channel, cardTs } = await harness.escalateCancellation();
    await harness.click(SLACK_ACTION_IDS.claim, "U0AGENT01", conversationId, thread);
    const photo = Buffer.from("JPEG bytes of the damaged parcel");
    await harness.customerSends("image", {
      caption: "The box arrived like this",
      media: { mimetype: "image/jpeg", data: photo.toString("base64"), filename: "parcel.jpg" },
    });
    const upload = harness.api.uploads.find((u) => u.channel === channel && u.threadTs === cardTs);
    expect(upload?.bytes.equals(photo)).toBe(true);
    const pdf = Buffer.from("%PDF-1.4 fake refund form");
    const file = harness.api.addFile(pdf, { name: "refund-form.pdf", mimetype: "application/pdf" });
    await harness.agentReplies("U0AGENT01", thread, "Please fill this in", { files: [file], subtype: "file_share" });
    const sent = harness.whatsapp.sent.find((s) => s.media?.mimetype === "application/pdf");
    expect(Buffer.from(sent!.media!.data, "base64").equals(pdf)).toBe(true);

    const stored = (await harness.store.get(conversationId))!;
    const withMedia = stored.transcript.filter((e) => e.attachments?.length);
    expect(withMedia.map((e) => e.author)).toEqual(["customer", "agent"]);
    const [fromCustomer, fromAgent] = withMedia.map((e) => e.attachments![0]!);
    expect(fromCustomer).toMatchObject({ kind: "image", mimeType: "image/jpeg", mediaId: expect.any(String) });
    expect(fromAgent).toMatchObject({ kind: "document", mimeType: "application/pdf", mediaId: expect.any(String) });
    expect(fromCustomer!.dataBase64).toBeUndefined();
    expect(fromAgent!.dataBase64).toBeUndefined();
    expect(await harness.store.loadMedia(conversationId, fromCustomer!.mediaId!)).toBe(photo.toString("base64"));
    expect(await harness.store.loadMedia(conversationId, fromAgent!.mediaId!)).toBe(pdf.toString("base64"));

    await harness.store.forgetCustomer(stored.customer.address);
    expect(await harness.store.loadMedia(conversationId, fromCustomer!.mediaId!)).toBeUndefined();
  });

  it("answers Slack before a shared file is downloaded: the download comes when the reply is relayed", async () => {
    const harness = await start();
    const { thread, conversationId, channel, cardTs } = await harness.escalateCancellation();
    await harness.click(SLACK_ACTION_IDS.claim, "U0AGENT01", conversationId, thread);
    let release!: () => void;
    const hold = new Promise<void>((resolve) => (release = resolve));
    const pdf = Buffer.from("%PDF-1.4 a label that takes its time");
    const file = harness.api.addFile(pdf, { name: "label.pdf", mimetype: "application/pdf", hold });
    const { postEvent, threadReplyEvent } = await import("../../src/sandbox/slack-signing.js");
    const { HARNESS_SIGNING_SECRET } = await import("../helpers/slack-harness.js");
    const event = threadReplyEvent({
      channel,
      user: "U0AGENT01",
      text: "Your label",
      ts: "1715000000.100001",
      threadTs: cardTs,
      files: [file],
    });
    const answered = await Promise.race([
      postEvent(harness.url, HARNESS_SIGNING_SECRET, event).then((response) => response.status),
      new Promise((resolve) => setTimeout(() => resolve("no answer while the download was held"), 3000)),
    ]);
    expect(answered).toBe(200);
    expect(harness.whatsapp.sent.some((s) => s.media)).toBe(false);
    release();
    await harness.engine.drain();
    expect(harness.api.fileDownloads).toEqual([file.id]);
    const sent = harness.whatsapp.sent.find((s) => s.media?.mimetype === "application/pdf");
    expect(Buffer.from(sent!.media!.data, "base64").equals(pdf)).toBe(true);
  });

  it("leaves a note's files in Slack, and tells the agent about a file over WhatsApp's limit while the text still goes", async () => {
    const harness = await start();
    const { thread, conversationId } = await harness.escalateCancellation();
    await harness.click(SLACK_ACTION_IDS.claim, "U0AGENT01", conversationId, thread);
    const notes = harness.api.addFile(Buffer.from("call log"), { name: "call-log.txt", mimetype: "text/plain" });
    await harness.agentReplies("U0AGENT01", thread, "// for the team: her call log", { files: [notes], subtype: "file_share" });
    const huge = harness.api.addFile(Buffer.from("a video"), { name: "unboxing.mp4", mimetype: "video/mp4", size: 17 * 1024 * 1024 });
    await harness.agentReplies("U0AGENT01", thread, "Here is how to open it", { files: [huge], subtype: "file_share" });

    expect(harness.api.fileDownloads).toEqual([]);
    expect(harness.whatsapp.sent.some((s) => s.media)).toBe(false);
    expect(harness.whatsapp.sent.map((s) => s.text).join(" ")).toContain("Here is how to open it");
    expect(ephemeralsTo(harness, "U0AGENT01")).toContain(
      ":warning: unboxing.mp4 is over WhatsApp's 16 MB limit, so it was not sent. Share a link instead.",
    );
    const note = (await harness.store.get(conversationId))!.transcript.find((e) => e.text.includes("her call log"))!;
    expect(note.attachments).toEqual([
      expect.objectContaining({ filename: "call-log.txt", workspaceFile: expect.objectContaining({ id: notes.id }) }),
    ]);
  });

  it("sends nothing for a reply of files alone none of which could be attached, and says so on it", async () => {
    const harness = await start();
    const { thread, conversationId, channel } = await harness.escalateCancellation();
    await harness.click(SLACK_ACTION_IDS.claim, "U0AGENT01", conversationId, thread);
    const before = harness.whatsapp.sent.length;
    const huge = harness.api.addFile(Buffer.from("a video"), { name: "unboxing.mp4", mimetype: "video/mp4", size: 17 * 1024 * 1024 });
    const { ts } = await harness.agentReplies("U0AGENT01", thread, "", { files: [huge], subtype: "file_share" });
    expect(harness.whatsapp.sent.slice(before)).toEqual([]);
    expect(ephemeralsTo(harness, "U0AGENT01")).toEqual(
      expect.arrayContaining([
        ":warning: unboxing.mp4 is over WhatsApp's 16 MB limit, so it was not sent. Share a link instead.",
        expect.stringMatching(/^:warning: Not sent to the customer: none of its files could be attached/),
      ]),
    );
    expect(harness.api.reactionsOn(channel, ts)).toEqual(["warning"]);
  });

  it("tells an agent that edits are not re-sent", async () => {
    const harness = await start();
    const { thread, channel, cardTs } = await harness.escalateCancellation();
    const { messageChangedEvent, postEvent } = await import("../../src/sandbox/slack-signing.js");
    const { HARNESS_SIGNING_SECRET } = await import("../helpers/slack-harness.js");
    const response = await postEvent(
      harness.url,
      HARNESS_SIGNING_SECRET,
      messageChangedEvent({ channel, user: "U0AGENT01", ts: "1715000000.999999", threadTs: cardTs, before: "Hi", after: "Hi there" }),
    );
    expect(response.status).toBe(200);
    expect(ephemeralsTo(harness, "U0AGENT01")[0]).toContain("Edits aren't sent to the customer");
    expect(thread).toContain(cardTs);
  });

  it("transfer: a new card in the other team's channel, one level up, with the note and a link back; the old card says where it went", async () => {
    const harness = await start();
    const { thread, conversationId, cardTs } = await harness.escalateCancellation();
    await harness.click(SLACK_ACTION_IDS.claim, "U0AGENT01", conversationId, thread);
    const response = await harness.transfer("U0AGENT01", conversationId, thread, "billing", "Wants a refund for the shipping fee too");
    expect(response.status).toBe(200);
    const modal = harness.api.callsTo("views.open").at(-1)!;
    expect(JSON.stringify(modal.args.view)).toContain("Billing");
    const conversation = (await harness.store.get(conversationId))!;
    const current = conversation.escalations.at(-1)!;
    expect(current).toMatchObject({
      team: "billing",
      level: 2,
      transferNote: "Wants a refund for the shipping fee too",
      previousThread: thread,
    });
    expect(current.thread).toMatch(/^slack:C0BILLING:/);
    const newCard = harness.api.callsTo("chat.postMessage").find((c) => c.args.channel === "C0BILLING" && c.args.thread_ts === undefined)!;
    const newText = allText(newCard.args.blocks as unknown[]);
    expect(newText).toContain("*Transferred here*");
    expect(newText).toContain("Transfer #1");
    expect(newText).toContain("Wants a refund for the shipping fee too");
    expect(newText).toContain(`<https://fake.slack.com/archives/C0RETENT1/p${cardTs.replace(".", "")}|Previous thread>`);
    expect(allText(cardOf(harness, "C0RETENT1", cardTs).blocks!)).toContain("Transferred to Billing");
    expect(harness.whatsapp.sent.at(-1)?.text).toMatch(/Billing/);
  });

  it("transfer to the team that already has it is refused, and the agent is told to pick another", async () => {
    const harness = await start();
    const { thread, conversationId } = await harness.escalateCancellation();
    await harness.click(SLACK_ACTION_IDS.claim, "U0AGENT01", conversationId, thread);
    const before = harness.whatsapp.sent.length;
    await harness.transfer("U0AGENT01", conversationId, thread, "retention", "Try again");
    expect(ephemeralsTo(harness, "U0AGENT01")).toEqual(["It's already with Customer Care: pick another team."]);
    expect((await harness.store.get(conversationId))!.escalations).toHaveLength(1);
    expect(harness.whatsapp.sent.length).toBe(before);
  });

  it("return to bot: the card says so and the customer is back with the assistant", async () => {
    const harness = await start();
    const { thread, conversationId, cardTs } = await harness.escalateCancellation();
    await harness.click(SLACK_ACTION_IDS.claim, "U0AGENT01", conversationId, thread);
    await harness.click(SLACK_ACTION_IDS.returnToBot, "U0AGENT01", conversationId, thread);
    expect((await harness.store.get(conversationId))!.state).toBe("bot");
    const text = allText(cardOf(harness, "C0RETENT1", cardTs).blocks!);
    expect(text).toContain("*Returned to bot* by <@U0AGENT01>");
    expect(text).not.toContain("warmline_claim");
    expect(harness.whatsapp.sent.at(-1)?.text).toMatch(/back with the assistant/);
  });

  it("resolve: the card says who resolved it, the customer gets the survey, and the answers land in the thread", async () => {
    const harness = await start();
    const { thread, conversationId, cardTs } = await harness.escalateCancellation();
    await harness.click(SLACK_ACTION_IDS.claim, "U0AGENT01", conversationId, thread);
    await harness.click(SLACK_ACTION_IDS.resolve, "U0AGENT01", conversationId, thread);
    expect(allText(cardOf(harness, "C0RETENT1", cardTs).blocks!)).toContain("*Resolved by* <@U0AGENT01>");
    expect(harness.whatsapp.sent.at(-1)?.text).toMatch(/How satisfied/);
    await harness.customerSays("5");
    await harness.customerSays("YES");
    const survey = harness.api
      .threadReplies("C0RETENT1", cardTs)
      .map((m) => m.text ?? "")
      .find((t) => t.includes("Survey"));
    expect(survey).toMatch(/5\/5/);
  });

  it("a click on an out-of-date card is refused and points to the newest card; after return to bot it resolves nothing", async () => {
    const harness = await start();
    const { thread, conversationId } = await harness.escalateCancellation();
    const oldCard = { escalationId: harness.cardEscalationId(thread) };
    expect(oldCard.escalationId).toBe((await harness.store.get(conversationId))!.escalations[0]!.id);
    await harness.click(SLACK_ACTION_IDS.claim, "U0AGENT01", conversationId, thread);
    await harness.transfer("U0AGENT01", conversationId, thread, "billing", "Double charged as well");
    // Someone whose Slack still shows the card from before the transfer.
    await harness.click(SLACK_ACTION_IDS.claim, "U0AGENT02", conversationId, thread, oldCard);
    await harness.click(SLACK_ACTION_IDS.resolve, "U0AGENT02", conversationId, thread, oldCard);
    expect(ephemeralsTo(harness, "U0AGENT02")).toEqual(Array(2).fill("This card is out of date: use the newest card in <#C0BILLING>."));
    expect(await harness.store.get(conversationId)).toMatchObject({ state: "queued" });

    const newThread = (await harness.store.get(conversationId))!.escalations.at(-1)!.thread!;
    const newCard = { escalationId: harness.cardEscalationId(newThread) };
    await harness.click(SLACK_ACTION_IDS.returnToBot, "U0AGENT02", conversationId, newThread);
    await harness.click(SLACK_ACTION_IDS.resolve, "U0AGENT02", conversationId, newThread, newCard);
    expect(ephemeralsTo(harness, "U0AGENT02").at(-1)).toBe("This conversation is no longer waiting for a person.");
    expect((await harness.store.get(conversationId))!.state).toBe("bot");
  });

  it("only the claimant (or an admin) may resolve, return or transfer a claimed conversation; others are told who can", async () => {
    const harness = await start({ configure: (c) => void (c.slack.admins = ["U0ADMIN01"]) });
    const { thread, conversationId } = await harness.escalateCancellation();
    await harness.click(SLACK_ACTION_IDS.claim, "U0AGENT01", conversationId, thread);
    await harness.click(SLACK_ACTION_IDS.resolve, "U0AGENT02", conversationId, thread);
    await harness.click(SLACK_ACTION_IDS.returnToBot, "U0AGENT02", conversationId, thread);
    await harness.transfer("U0AGENT02", conversationId, thread, "billing", "mine now");
    expect(ephemeralsTo(harness, "U0AGENT02")).toEqual(
      ["resolve", "return to the bot", "transfer"].map(
        (what) => `<@U0AGENT01> has claimed this conversation, so only they or a Warmline admin (<@U0ADMIN01>) can ${what} it.`,
      ),
    );
    expect(await harness.store.get(conversationId)).toMatchObject({ state: "assigned", assignee: { id: "slack:U0AGENT01" } });
    await harness.click(SLACK_ACTION_IDS.resolve, "U0ADMIN01", conversationId, thread);
    expect((await harness.store.get(conversationId))!.state).toBe("resolved");
  });

  it("a transfer the engine would refuse opens no note modal: the agent is told why at once, and nothing changes", async () => {
    const harness = await start();
    const { thread, conversationId } = await harness.escalateCancellation();
    const card = { escalationId: harness.cardEscalationId(thread) };
    await harness.click(SLACK_ACTION_IDS.claim, "U0AGENT01", conversationId, thread);
    const sent = harness.whatsapp.sent.length;

    // Not the claimant.
    const chosen = await harness.chooseTransferTeam("U0AGENT02", conversationId, thread, "billing");
    expect(chosen.response.status).toBe(200);
    expect(chosen.modal).toBeUndefined();
    expect(ephemeralsTo(harness, "U0AGENT02")).toEqual(["<@U0AGENT01> has claimed this conversation, so only they can transfer it."]);
    // A team that is not configured (an edited config behind an old card).
    expect((await harness.chooseTransferTeam("U0AGENT01", conversationId, thread, "nosuchteam")).modal).toBeUndefined();
    expect(ephemeralsTo(harness, "U0AGENT01")).toEqual([
      expect.stringMatching(/^:warning: Team "nosuchteam" is not configured: use one of /),
    ]);

    // Already resolved: the card Slack still shows offers the select.
    await harness.click(SLACK_ACTION_IDS.resolve, "U0AGENT01", conversationId, thread);
    expect((await harness.chooseTransferTeam("U0AGENT01", conversationId, thread, "billing", card)).modal).toBeUndefined();
    expect(ephemeralsTo(harness, "U0AGENT01").at(-1)).toBe("This conversation is no longer waiting for a person.");

    expect(harness.api.callsTo("views.open")).toEqual([]);
    expect((await harness.store.get(conversationId))!.escalations).toHaveLength(1);
    expect(harness.whatsapp.sent.length).toBe(sent + 1); // the survey, from resolve
  });

  it("the claimant choosing a team gets the note modal, and nothing moves until it is submitted", async () => {
    const harness = await start();
    const { thread, conversationId } = await harness.escalateCancellation();
    await harness.click(SLACK_ACTION_IDS.claim, "U0AGENT01", conversationId, thread);
    const { response, modal } = await harness.chooseTransferTeam("U0AGENT01", conversationId, thread, "billing");
    expect(response.status).toBe(200);
    expect(modal).toMatchObject({ callback_id: SLACK_TRANSFER_VIEW_ID });
    expect(harness.api.callsTo("views.open")).toHaveLength(1);
    expect(harness.api.callsTo("views.open")[0]!.args.trigger_id).toBe(slackFixture("block-actions-static-select.json").trigger_id);
    expect(ephemeralsTo(harness, "U0AGENT01")).toEqual([]);
    expect(await harness.store.get(conversationId)).toMatchObject({ state: "assigned", escalations: [{ team: "retention" }] });

    await harness.submitTransferNote("U0AGENT01", modal!, "Double charged as well");
    expect((await harness.store.get(conversationId))!.escalations.at(-1)).toMatchObject({
      team: "billing",
      transferNote: "Double charged as well",
    });
  });

  it("a transfer that stops being allowed while the note modal is open is still refused when it is submitted", async () => {
    const harness = await start();
    const { thread, conversationId } = await harness.escalateCancellation();
    await harness.click(SLACK_ACTION_IDS.claim, "U0AGENT01", conversationId, thread);
    const { modal } = await harness.chooseTransferTeam("U0AGENT01", conversationId, thread, "billing");
    expect(modal).toBeDefined();
    // Meanwhile the claimant lets go and a colleague claims it.
    await harness.click(SLACK_ACTION_IDS.release, "U0AGENT01", conversationId, thread);
    await harness.click(SLACK_ACTION_IDS.claim, "U0AGENT02", conversationId, thread);
    const sent = harness.whatsapp.sent.length;

    const response = await harness.submitTransferNote("U0AGENT01", modal!, "Wants a refund");
    expect(response.status).toBe(200);
    expect(ephemeralsTo(harness, "U0AGENT01")).toEqual(["<@U0AGENT02> has claimed this conversation, so only they can transfer it."]);
    expect(await harness.store.get(conversationId)).toMatchObject({ state: "assigned", assignee: { id: "slack:U0AGENT02" } });
    expect((await harness.store.get(conversationId))!.escalations).toHaveLength(1);
    expect(harness.whatsapp.sent.length).toBe(sent);
  });

  it("posts a 100 kB transcript in thread replies within every limit", async () => {
    const harness = await start();
    await harness.customerSays("hello");
    const [conversation] = await harness.store.listSince(0);
    const long = Array.from({ length: 120 }, (_, i) => ({
      id: `x${i}`,
      author: i % 2 ? ("bot" as const) : ("customer" as const),
      text: `${i}: ${"my parcel & <box> is late 📦 ".repeat(30)}`,
      at: conversation!.createdAt,
    }));
    await harness.store.compareAndSet({ ...conversation!, transcript: [...long, ...conversation!.transcript] }, conversation!.version);
    const { cardTs } = await harness.escalateCancellation();
    const replies = harness.api.threadReplies("C0RETENT1", cardTs);
    const total = replies.reduce((n, m) => n + (m.text?.length ?? 0), 0);
    expect(total).toBeGreaterThan(100_000);
    for (const reply of replies) expect(reply.text!.length).toBeLessThanOrEqual(SLACK_SECTION_TEXT_LIMIT);
    const joined = replies.map((m) => m.text).join("");
    for (let i = 0; i < 120; i++) expect(joined).toContain(`${i}: my parcel &amp; &lt;box&gt; is late`);
  });

  it("ignores the app's own messages and other bots' in the thread", async () => {
    const harness = await start();
    const { thread, conversationId } = await harness.escalateCancellation();
    await harness.click(SLACK_ACTION_IDS.claim, "U0AGENT01", conversationId, thread);
    const before = harness.whatsapp.sent.length;
    const calls = harness.api.calls.length;
    await harness.agentReplies(harness.api.botUserId, thread, "echo of our own post", { botId: harness.api.botId });
    await harness.agentReplies("U0AGENT01", thread, "posted by a workflow", { botId: "B0OTHERBOT", subtype: "bot_message" });
    expect(harness.whatsapp.sent.length).toBe(before);
    expect(harness.api.calls.slice(calls).filter((c) => c.method !== "users.info")).toEqual([]);
  });

  it("/warmline forget erases the cards and the app's posts in Slack, and finds a linked-id (@lid) customer by address", async () => {
    const harness = await start({ configure: (c) => void (c.slack.admins = ["U0ADMIN01"]) });
    const { thread, conversationId, cardTs } = await harness.escalateCancellation();
    await harness.click(SLACK_ACTION_IDS.claim, "U0AGENT01", conversationId, thread);
    // An agent's own reply, which a bot token cannot delete.
    harness.api.messages.push({
      channel: "C0RETENT1",
      ts: "1715000500.000001",
      thread_ts: cardTs,
      user: "U0AGENT01",
      text: "Hi Maria, on it",
    });
    expect(harness.api.threadReplies("C0RETENT1", cardTs).length).toBeGreaterThan(1);
    const byPhone = await harness.command("U0ADMIN01", `forget ${(await harness.store.get(conversationId))!.customer.phone}`);
    expect(byPhone.json?.text).toMatch(/Forgot 1 conversation\b/);
    expect(harness.api.threadReplies("C0RETENT1", cardTs).map((m) => m.text)).toEqual(["Hi Maria, on it"]);
    expect(cardOf(harness, "C0RETENT1", cardTs).text).toBe(SLACK_ERASED_CARD_TEXT);

    // A linked id with no resolved phone: only the address identifies the customer.
    const lid = "123456789012345@lid";
    harness.whatsapp.customerSays("I want to cancel my order 100311 please", { from: lid });
    await vi.waitFor(async () =>
      expect((await harness.store.findActiveByCustomer(`whatsapp:${lid}`))?.escalations[0]?.thread).toBeDefined(),
    );
    await harness.engine.drain();
    const lidConversation = (await harness.store.findActiveByCustomer(`whatsapp:${lid}`))!;
    expect(lidConversation.customer.phone).toBeUndefined();
    const lidCardTs = lidConversation.escalations[0]!.thread!.split(":")[2]!;
    const byAddress = await harness.command("U0ADMIN01", `forget whatsapp:${lid}`);
    expect(byAddress.json?.text).toMatch(/Forgot 1 conversation\b/);
    expect(await harness.store.get(lidConversation.id)).toBeUndefined();
    expect(harness.api.messages.filter((m) => m.channel === "C0RETENT1" && (m.ts === lidCardTs || m.thread_ts === lidCardTs))).toEqual([]);
  });

  it("/warmline forget answers in time while another instance processes the customer's message, then notes the result", async () => {
    const harness = await start({ configure: (c) => void (c.slack.admins = ["U0ADMIN01"]) });
    const { conversationId } = await harness.escalateCancellation();
    const { address, phone } = (await harness.store.get(conversationId))!.customer;
    // Another instance is processing a message of theirs: the erasure waits for it.
    const store = harness.store as unknown as WarmlineStore;
    expect(await store.acquireLease(`inbox:${address}`, "instance-b", 30_000)).toBe(true);
    const answer = await harness.command("U0ADMIN01", `forget ${phone}`);
    expect(answer.json?.text).toContain("Forgetting that customer once the message of theirs being processed is done");
    expect(await harness.store.get(conversationId)).toBeDefined();

    await store.releaseLease(`inbox:${address}`, "instance-b");
    await vi.waitFor(() =>
      expect(harness.api.callsTo("chat.postEphemeral").map((c) => c.args.text)).toContainEqual(
        expect.stringMatching(/Forgot 1 conversation\b/),
      ),
    );
    expect(harness.api.callsTo("chat.postEphemeral").at(-1)?.args.user).toBe("U0ADMIN01");
    expect(await harness.store.get(conversationId)).toBeUndefined();
  });

  it("/warmline status lists open escalations; forget is for admins only", async () => {
    const harness = await start({
      configure: (c) => {
        c.slack.admins = ["U0ADMIN01"];
        c.teams.retention!.rota = ["U0AGENT01"];
      },
    });
    const { conversationId } = await harness.escalateCancellation();
    const status = await harness.command("U0AGENT01", "status");
    expect(status.status).toBe(200);
    expect(status.json?.response_type).toBe("ephemeral");
    expect(status.json?.text).toMatch(/\*Customer Care\*: 1 waiting, 0 with an agent, oldest waiting \d+ min/);

    const refused = await harness.command("U0AGENT01", "forget +15551234567");
    expect(refused.json?.text).toContain("Only Warmline admins");
    expect(await harness.store.get(conversationId)).toBeDefined();

    const done = await harness.command("U0ADMIN01", "forget +1 555 123 4567");
    expect(done.json?.text).toMatch(/Forgot 1 conversation\b/);
    expect(await harness.store.get(conversationId)).toBeUndefined();

    const help = await harness.command("U0AGENT01", "");
    expect(help.json?.text).toContain("/warmline status");
  });

  it("/warmline status lists only the teams the asker may see: none for someone on no rota and in no team channel", async () => {
    const harness = await start({ configure: (c) => void (c.slack.admins = ["U0ADMIN01"]) });
    await harness.escalateCancellation();
    const stranger = await harness.command("U0CROWD09", "status");
    expect(stranger.json?.text).not.toContain("Customer Care");
    expect(stranger.json?.text).toContain("ask a Warmline admin to add you to a team's rota, or join the team's channel");
    const admin = await harness.command("U0ADMIN01", "status");
    expect(admin.json?.text).toMatch(/\*Customer Care\*: 1 waiting/);
  });
});
