import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SLACK_ACTION_IDS } from "../../channels/slack/context-card.js";
import { SLACK_SEND_TO_CUSTOMER_CALLBACK } from "../../channels/slack/send-to-customer.js";
import { postInteraction } from "../../src/sandbox/slack-signing.js";
import { E2E_SECRET, startWarmlineE2E, type WarmlineE2E } from "../helpers/warmline-e2e.js";

/** Notes that look like notes in Slack never reach the customer, however they were typed or pasted. */
describe("internal notes (startWarmline, real Bolt receiver)", () => {
  let e2e: WarmlineE2E;
  beforeAll(async () => {
    e2e = await startWarmlineE2E();
  }, 60_000);
  afterAll(async () => e2e?.stop());

  it("zero-width characters and look-alike slashes before a note keep it internal; a plain reply is relayed", async () => {
    const chat = "447911000111@c.us";
    e2e.whatsapp.customerSays("I want to cancel my order 100311 please", { from: chat, name: "Noor" });
    const card = await e2e.escalated(chat);
    await e2e.click(SLACK_ACTION_IDS.claim, "U0AGENT01", card);
    const notes = ["\u200B// note one", "\uFEFF\u2060// note two", "／／ note three", "⁄⁄ note four", "∕∕ note five", "/\u200D/ note six"];
    for (const note of notes) await e2e.agentSays("U0AGENT01", card, note);
    await e2e.agentSays("U0AGENT01", card, "Hi Noor, I'm on it");
    await e2e.handle.idle();
    const sent = e2e.whatsapp.sentTo(chat).map((m) => m.text ?? "");
    expect(sent.some((t) => t.includes("Hi Noor, I'm on it"))).toBe(true);
    expect(sent.filter((t) => /note (one|two|three|four|five|six)/.test(t))).toEqual([]);
  });
});

describe("slack.notesByDefault (startWarmline)", () => {
  let e2e: WarmlineE2E;
  beforeAll(async () => {
    e2e = await startWarmlineE2E((config) => {
      config.slack.notesByDefault = true;
    });
  }, 60_000);
  afterAll(async () => e2e?.stop());

  /** The agent uses the Send to customer shortcut on their note `text` in the card's thread; resolves once it is handled. */
  async function sendToCustomer(card: { conversationId: string; channel: string; cardTs: string }, text: string): Promise<void> {
    const conversation = (await e2e.handle.store.get(card.conversationId))!;
    const noteTs = conversation.transcript
      .find((e) => e.text === text)!
      .workspaceRef!.split(":")
      .at(-1)!;
    await postInteraction(e2e.eventsUrl, E2E_SECRET, {
      type: "message_action",
      callback_id: SLACK_SEND_TO_CUSTOMER_CALLBACK,
      trigger_id: "1.2.send",
      action_ts: `1717000099.${noteTs.split(".")[1]}`,
      team: { id: "T0ACME", domain: "acme" },
      user: { id: "U0AGENT01", name: "alex" },
      channel: { id: card.channel, name: "retention" },
      message: { type: "message", user: "U0AGENT01", ts: noteTs, thread_ts: card.cardTs, text },
      response_url: "https://hooks.slack.com/actions/T0ACME/1/x",
    });
    await e2e.handle.idle();
  }

  it("relays only >> replies and replies sent with the Send to customer shortcut", async () => {
    const chat = "447911000222@c.us";
    e2e.whatsapp.customerSays("I want to cancel my order 100311 please", { from: chat, name: "Ines" });
    const card = await e2e.escalated(chat);
    await e2e.click(SLACK_ACTION_IDS.claim, "U0AGENT01", card);
    await e2e.agentSays("U0AGENT01", card, "checking the stock first");
    await e2e.agentSays("U0AGENT01", card, ">> Hi Ines, one moment");
    await e2e.handle.idle();
    const sent = () => e2e.whatsapp.sentTo(chat).map((m) => m.text ?? "");
    expect(sent().some((t) => t.includes("Hi Ines, one moment") && !t.includes(">>"))).toBe(true);
    expect(sent().some((t) => t.includes("checking the stock"))).toBe(false);

    await sendToCustomer(card, "checking the stock first");
    expect(sent().filter((t) => t.includes("checking the stock first"))).toHaveLength(1);
  });

  it("Send to customer on a note with a file sends the file too, downloaded only then", async () => {
    const chat = "447911000333@c.us";
    e2e.whatsapp.customerSays("I want to cancel my order 100312 please", { from: chat, name: "Rui" });
    const card = await e2e.escalated(chat);
    await e2e.click(SLACK_ACTION_IDS.claim, "U0AGENT01", card);
    const label = Buffer.from("%PDF-1.4 Rui's return label");
    const file = e2e.api.addFile(label, { name: "return-label.pdf", mimetype: "application/pdf" });
    await e2e.agentSays("U0AGENT01", card, "his return label", [file]);
    await e2e.handle.idle();
    const media = () => e2e.whatsapp.sentTo(chat).filter((m) => m.media);
    expect(e2e.api.fileDownloads).not.toContain(file.id);
    expect(media()).toEqual([]);

    await sendToCustomer(card, "his return label");
    expect(e2e.api.fileDownloads.filter((id) => id === file.id)).toHaveLength(1);
    expect(media()).toHaveLength(1);
    expect(Buffer.from(media()[0]!.media!.data, "base64").equals(label)).toBe(true);
    expect(e2e.whatsapp.sentTo(chat).filter((m) => (m.text ?? "").includes("his return label"))).toHaveLength(1);
  });
});
