import { describe, expect, it } from "vitest";
import { buildIntentEvidence } from "../../src/assistant/intent-evidence.js";

const examples = [
  ...["cancel my order", "please cancel it", "cancelling order 12", "i want to cancel"].map((text) => ({ intent: "cancel_order", text })),
  ...["payment failed", "my payment was declined", "payment error again", "i want to pay"].map((text) => ({
    intent: "payment_issue",
    text,
  })),
  ...["where is my order", "my order is late", "track order", "i want my order"].map((text) => ({ intent: "track_order", text })),
  { intent: "greeting", text: "hi" },
].map(({ intent, text }) => ({ intent, words: text.split(" ") }));
const evidence = buildIntentEvidence(examples);

describe("intent evidence", () => {
  it("accepts an intent when a word tied to it occurs, in any inflection", () => {
    expect(evidence.supports("cancel_order", ["cancellation", "please"])).toBe(true);
    expect(evidence.supports("payment_issue", ["payments", "down"])).toBe(true);
  });

  it("refuses an intent the text has no word for; words shared by every intent are no evidence", () => {
    expect(evidence.supports("cancel_order", ["hair", "fall"])).toBe(false);
    expect(evidence.supports("payment_issue", ["i", "want", "my"])).toBe(false);
  });

  it("does not second-guess an intent with no distinctive word (too few examples)", () => {
    expect(evidence.supports("greeting", ["yo"])).toBe(true);
  });
});
