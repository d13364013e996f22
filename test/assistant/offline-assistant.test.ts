import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createFileCommerce, createOfflineAssistant, DEFAULT_ORDERS_FILE, TOOL_TIMEOUT_MS } from "../../src/assistant/index.js";
import type { Conversation, TranscriptEntry } from "../../src/domain/conversation.js";
import type { Assistant } from "../../src/ports/assistant.js";
import type { Commerce } from "../../src/ports/commerce.js";
import { buildConversation } from "../contract/conversation-factory.js";

const NOW = Date.parse("2025-06-15T12:00:00Z");
const clock = { now: () => NOW };

function conversation(customerMessages: string[] = []): Conversation {
  const transcript: TranscriptEntry[] = customerMessages.map((text, i) => ({
    id: `m${i}`,
    author: "customer",
    text,
    at: NOW - 60_000 + i,
  }));
  return buildConversation({ createdAt: NOW - 60_000, updatedAt: NOW, transcript });
}

type CommerceMode = "normal" | "throw" | "hang" | "refund-throws";

/** The sample Commerce, switchable per test to throw or never answer, so the model trains once per file. */
function scriptedCommerce(): Commerce & { mode: CommerceMode; called: () => Promise<void> } {
  const real = createFileCommerce(DEFAULT_ORDERS_FILE, { clock });
  let markCalled = () => {};
  return {
    mode: "normal",
    called: () => new Promise<void>((resolve) => (markCalled = resolve)),
    async lookupOrder(orderId) {
      markCalled();
      if (this.mode === "throw") throw new Error("ECONNREFUSED order-db:5432");
      if (this.mode === "hang") return new Promise(() => {});
      return real.lookupOrder(orderId);
    },
    async checkRefundPolicy(orderId, amount) {
      if (this.mode === "refund-throws") throw new Error("policy service 503");
      return real.checkRefundPolicy(orderId, amount);
    },
  };
}

const commerce = scriptedCommerce();
let assistant: Assistant;
beforeAll(async () => {
  assistant = await createOfflineAssistant({ commerce });
});
afterEach(() => {
  vi.useRealTimers();
  commerce.mode = "normal";
});

describe("classify: the intents that escalate on a first message", () => {
  // Hand-written phrasings, deliberately unlike the shipped corpus's templates.
  it.each([
    ["contact_human_agent", "honestly just put a real human on please"],
    ["contact_human_agent", "I'm done with this robot, get me someone who can actually help"],
    ["contact_customer_service", "what number do I ring for your customer service people?"],
    ["contact_customer_service", "when does your support line open tomorrow"],
    ["complaint", "I wish to lodge a formal complaint about how my case was handled"],
    ["complaint", "I'm really unhappy with your service and want to complain"],
    ["cancel_order", "please cancel order 5512094, I don't need it any more"],
    ["cancel_order", "I changed my mind, can you stop my purchase before it ships?"],
    ["delete_account", "erase my profile and everything you hold on me"],
    ["delete_account", "how can I close my premium account for good"],
    ["payment_issue", "my visa keeps getting declined at checkout"],
    ["payment_issue", "the payment failed but the money left my bank"],
  ])("%s: %s", async (intent, text) => {
    const result = await assistant.classify(text);
    expect(result.intent).toBe(intent);
    expect(result.confidence).toBeGreaterThan(0.5);
  });
});

describe("classify: other intents", () => {
  it.each([
    ["track_order", "any news on where order 100298 is right now?"],
    ["get_refund", "the kettle arrived broken, I'd like my money back"],
    ["track_refund", "still waiting on the refund you promised me last week"],
    ["check_refund_policy", "how many days after delivery can I still return for a refund?"],
    ["recover_password", "forgot my login password and the reset email never came"],
    ["delivery_options", "do you deliver to Lima?"],
    ["get_invoice", "could you email me a PDF copy of my invoice"],
    ["greeting", "hello there!"],
    ["thanks", "cheers, that sorted it"],
  ])("%s: %s", async (intent, text) => {
    expect((await assistant.classify(text)).intent).toBe(intent);
  });

  it("tolerates typos and run-together words", async () => {
    expect((await assistant.classify("i wnat to cancle my ordr 5512094")).intent).toBe("cancel_order");
    expect((await assistant.classify("wheres myorder 100298")).intent).toBe("track_order");
  });

  it("returns entities and sentiment with the intent", async () => {
    const result = await assistant.classify("I paid $250 for order 100245 and it's broken, this is fucking ridiculous");
    expect(result.entities).toEqual({ orderNumber: "100245", amount: 250, currency: "USD" });
    expect(result.sentiment).toBeLessThan(-0.5);
  });
});

describe("classify never throws on bad input", () => {
  const binary = String.fromCharCode(...Array.from({ length: 3000 }, (_, i) => (i * 7919) % 65536));
  it.each([
    ["empty", ""],
    ["whitespace", "   \n\t "],
    ["binary garbage", binary],
    ["emoji only", "😀😡🔥🔥🙏"],
    ["mixed scripts", "Привет мир 你好世界 مرحبا بالعالم"],
    ["punctuation", "?!?!...,,,"],
  ])("%s gives intent none with low confidence", async (_, text) => {
    const result = await assistant.classify(text);
    expect(result.intent).toBe("none");
    expect(result.confidence).toBeLessThan(0.5);
    expect(result.sentiment).toBeGreaterThanOrEqual(-1);
    expect(result.sentiment).toBeLessThanOrEqual(1);
  });

  it("handles 100 kB of text", async () => {
    const huge = "where is my order 100298 ".repeat(4200);
    expect(huge.length).toBeGreaterThan(100_000);
    const result = await assistant.classify(huge);
    expect(result.intent).toBe("track_order");
  });

  it("handles a non-string slipped past the types", async () => {
    const result = await assistant.classify(undefined as unknown as string);
    expect(result).toMatchObject({ intent: "none", confidence: 0 });
  });
});

describe("respond", () => {
  it("asks a clarifying question when unsure", async () => {
    const turn = await assistant.respond(conversation(), "blorp");
    expect(turn.intent).toBe("none");
    expect(turn.reply).toMatch(/\?/);
    expect(turn.actions).toEqual([]);
  });

  it("answers a non-order intent from answers.json", async () => {
    const turn = await assistant.respond(conversation(), "which payment methods do you accept?");
    expect(turn.intent).toBe("check_payment_methods");
    expect(turn.reply).toMatch(/PayPal/);
  });

  it("asks for the order number when none was given", async () => {
    const turn = await assistant.respond(conversation(), "where is my order?");
    expect(turn.intent).toBe("track_order");
    expect(turn.actions).toEqual([]);
    expect(turn.reply).toMatch(/order number/i);
  });

  it("looks the order up and fills the reply from the result", async () => {
    const turn = await assistant.respond(conversation(), "where is my order 100298?");
    expect(turn.actions).toEqual([{ action: "order_lookup", ok: true, result: "Order 100298: shipped, ETA 2025-06-17, 89.99 USD" }]);
    expect(turn.reply).toBe("Order 100298 is on its way, expected around 2025-06-17. Items: Running shoes.");
  });

  it("uses the order number from an earlier customer message", async () => {
    const earlier = conversation(["hi, my order is 100245", "I'd like a refund of $250, the machine is broken"]);
    const turn = await assistant.respond(earlier, "I'd like a refund of $250, the machine is broken");
    expect(turn.intent).toBe("get_refund");
    expect(turn.actions.map((a) => [a.action, a.ok])).toEqual([
      ["order_lookup", true],
      ["refund_policy_check", true],
    ]);
    expect(turn.actions[1]!.result).toMatch(/Refund allowed for order 100245: .*30 days.*10 days ago/);
    expect(turn.reply).toMatch(/qualifies for a refund.*250\.00 USD/);
  });

  it("records a negative policy answer (outside the window) without calling it a failure", async () => {
    const turn = await assistant.respond(conversation(), "can I get a refund for order 100102?");
    const check = turn.actions.find((a) => a.action === "refund_policy_check");
    expect(check).toMatchObject({ ok: false });
    expect(check?.failed).toBeUndefined();
    expect(check?.result).toMatch(/60 days ago.*exception/);
  });

  it("records an unknown order as a lookup that found nothing", async () => {
    const turn = await assistant.respond(conversation(), "track order 999999");
    expect(turn.actions).toEqual([{ action: "order_lookup", ok: false, result: "Order 999999 not found" }]);
    expect(turn.reply).toMatch(/couldn't find order 999999/);
  });

  it("apologises and records failed:true when Commerce throws", async () => {
    commerce.mode = "throw";
    const turn = await assistant.respond(conversation(), "where is order 100298");
    expect(turn.actions).toEqual([{ action: "order_lookup", ok: false, failed: true, result: expect.stringContaining("ECONNREFUSED") }]);
    expect(turn.reply).toMatch(/sorry/i);
  });

  it("records a failing refund-policy check after a good lookup", async () => {
    commerce.mode = "refund-throws";
    const turn = await assistant.respond(conversation(), "I want a refund for order 100245");
    expect(turn.actions.map((a) => [a.action, a.ok, a.failed])).toEqual([
      ["order_lookup", true, undefined],
      ["refund_policy_check", false, true],
    ]);
    expect(turn.reply).toMatch(/sorry/i);
  });

  it("times out a Commerce call that never answers", async () => {
    commerce.mode = "hang";
    const called = commerce.called();
    vi.useFakeTimers();
    const pending = assistant.respond(conversation(), "status of order 100298 please");
    await called;
    await vi.advanceTimersByTimeAsync(TOOL_TIMEOUT_MS);
    const turn = await pending;
    expect(turn.actions).toEqual([{ action: "order_lookup", ok: false, failed: true, result: "Order lookup for 100298 timed out" }]);
    expect(turn.reply).toMatch(/sorry/i);
  });
});
