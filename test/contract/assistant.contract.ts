import { beforeAll, describe, expect, it } from "vitest";
import { ESCALATION_REASONS } from "../../src/domain/escalation.js";
import type { Conversation, TranscriptEntry } from "../../src/domain/conversation.js";
import type { Assistant, AssistantTurn } from "../../src/ports/assistant.js";
import { buildConversation } from "./conversation-factory.js";

/** When the sample orders are read (their ETAs and refund windows are relative to it). */
export const ASSISTANT_CONTRACT_NOW = Date.parse("2025-06-15T12:00:00Z");

export interface AssistantFixture {
  assistant: Assistant;
  /** Every intent the assistant may answer with: the corpus's taxonomy and "none". */
  taxonomy: ReadonlySet<string>;
}

function conversation(customerMessages: string[] = []): Conversation {
  const transcript: TranscriptEntry[] = customerMessages.map((text, i) => ({
    id: `m${i}`,
    author: "customer",
    text,
    at: ASSISTANT_CONTRACT_NOW - 60_000 + i,
  }));
  return buildConversation({ createdAt: ASSISTANT_CONTRACT_NOW - 60_000, updatedAt: ASSISTANT_CONTRACT_NOW, transcript });
}

function expectWellFormed(turn: AssistantTurn, taxonomy: ReadonlySet<string>): void {
  expect(taxonomy.has(turn.intent), `intent "${turn.intent}" is outside the taxonomy`).toBe(true);
  expect(turn.confidence).toBeGreaterThanOrEqual(0);
  expect(turn.confidence).toBeLessThanOrEqual(1);
  expect(turn.sentiment).toBeGreaterThanOrEqual(-1);
  expect(turn.sentiment).toBeLessThanOrEqual(1);
  expect(typeof turn.reply).toBe("string");
  if (turn.judgement) {
    expect(["escalate", "offer", "continue"]).toContain(turn.judgement.decision);
    if (turn.judgement.reason !== null) expect(ESCALATION_REASONS).toContain(turn.judgement.reason);
  }
}

/**
 * One suite for every Assistant (keyv's test-suite pattern): the offline assistant and the model's,
 * against the sandbox's OpenAI-compatible server. What the engine and routing rely on, whichever answers.
 */
export function runAssistantContract(name: string, setup: () => Promise<AssistantFixture>): void {
  describe(`Assistant contract: ${name}`, () => {
    let fixture: AssistantFixture;
    beforeAll(async () => {
      fixture = await setup();
    });

    it.each([
      ["track_order", "any news on where order 100298 is right now?"],
      ["cancel_order", "please cancel order 5512094, I don't need it any more"],
      ["contact_human_agent", "I want to talk to a real person"],
      ["check_payment_methods", "which payment methods do you accept?"],
    ])("classifies %s: %s", async (intent, text) => {
      const result = await fixture.assistant.classify(text);
      expect(result.intent).toBe(intent);
      expect(result.confidence).toBeGreaterThan(0.5);
    });

    it("reads the amount and order number the rules weigh from the text", async () => {
      const result = await fixture.assistant.classify("I paid $250 for order 100245 and it's broken, this is fucking ridiculous");
      expect(result.entities).toMatchObject({ orderNumber: "100245", amount: 250, currency: "USD" });
      expect(result.sentiment).toBeLessThan(-0.5);
    });

    it.each([
      ["empty", ""],
      ["emoji only", "😀😡🔥🔥🙏"],
      ["punctuation", "?!?!...,,,"],
    ])("answers %s input with a well-formed turn, never a throw", async (_, text) => {
      expectWellFormed(await fixture.assistant.respond(conversation(), text), fixture.taxonomy);
      const classified = await fixture.assistant.classify(text);
      expect(fixture.taxonomy.has(classified.intent)).toBe(true);
    });

    it("answers an order question from Commerce: the lookup and its result", async () => {
      const turn = await fixture.assistant.respond(conversation(), "where is my order 100298?");
      expectWellFormed(turn, fixture.taxonomy);
      expect(turn.intent).toBe("track_order");
      expect(turn.actions).toEqual([{ action: "order_lookup", ok: true, result: "Order 100298: shipped, ETA 2025-06-17, 89.99 USD" }]);
      expect(turn.reply).toContain("100298");
    });

    it("uses the order number from an earlier customer message for a refund", async () => {
      const earlier = conversation(["hi, my order is 100245", "I'd like a refund of $250, the machine is broken"]);
      const turn = await fixture.assistant.respond(earlier, "I'd like a refund of $250, the machine is broken");
      expect(turn.intent).toBe("get_refund");
      expect(turn.entities).toMatchObject({ amount: 250 });
      expect(turn.actions.map((a) => [a.action, a.ok])).toEqual([
        ["order_lookup", true],
        ["refund_policy_check", true],
      ]);
    });

    it("answers a question outside the orders with a reply of its own", async () => {
      const turn = await fixture.assistant.respond(conversation(), "which payment methods do you accept?");
      expectWellFormed(turn, fixture.taxonomy);
      expect(turn.intent).toBe("check_payment_methods");
      expect(turn.reply.trim()).not.toBe("");
      expect(turn.actions).toEqual([]);
    });
  });
}
