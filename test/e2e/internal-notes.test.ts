import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SLACK_ACTION_IDS } from "../../channels/slack/context-card.js";
import { startWarmlineE2E, type WarmlineE2E } from "../helpers/warmline-e2e.js";

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
