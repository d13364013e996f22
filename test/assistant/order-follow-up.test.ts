import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { createSimulationChannels } from "../../channels/simulation/simulation-channels.js";
import { extractOrderReply } from "../../src/assistant/entities.js";
import { createFileCommerce, createOfflineAssistant, DEFAULT_ANSWERS_FILE, DEFAULT_ORDERS_FILE } from "../../src/assistant/index.js";
import { loadConfigFile } from "../../src/config/load-config.js";
import type { WarmlineConfig } from "../../src/config/schema.js";
import type { TranscriptEntry } from "../../src/domain/conversation.js";
import { createEngine } from "../../src/engine/engine.js";
import { createSilentLogger } from "../../src/logging.js";
import { SHIPPED_CONFIG_FILE } from "../../src/paths.js";
import type { Assistant, AssistantTurn } from "../../src/ports/assistant.js";
import { createMemoryStore } from "../../src/store/memory-store.js";
import { decideEscalation, firstMessageSignals } from "../../routing/escalation-policy.js";
import { policyConfigs } from "../routing/policy-driver.js";
import { buildConversation } from "../contract/conversation-factory.js";

// Tuesday 17 November 2026, 11:00 in London: inside every team's business hours.
const NOW = Date.UTC(2026, 10, 17, 11, 0);
const clock = { now: () => NOW };
const GREETING = "Hi! I'm the Acme Store assistant. Ask me anything, or type HUMAN at any time to reach a person.";
const TRACKING_100298 = "Order 100298 is on its way, expected around 2026-11-19. Items: Running shoes.";
const CLARIFY = 'Sorry, I didn\'t quite get that. Could you tell me in a few words what you need, e.g. "where is my order 12345"?';

let assistant: Assistant;
let config: WarmlineConfig;
beforeAll(async () => {
  config = loadConfigFile(SHIPPED_CONFIG_FILE);
  assistant = await createOfflineAssistant({ commerce: createFileCommerce(DEFAULT_ORDERS_FILE, { clock }) });
});

/**
 * A conversation driven straight through the assistant, recorded the way the engine records it: the
 * customer's entry (with the intent found), the log of what the assistant tried, then the bot's reply.
 */
function chat() {
  const transcript: TranscriptEntry[] = [];
  const conversation = buildConversation({ createdAt: NOW, updatedAt: NOW, transcript });
  let n = 0;
  const add = (author: TranscriptEntry["author"], text: string, extra: Partial<TranscriptEntry> = {}) => {
    const entry: TranscriptEntry = { id: `e${++n}`, author, text, at: NOW + n, ...extra };
    transcript.push(entry);
    return entry;
  };
  return {
    conversation,
    add,
    async say(text: string): Promise<AssistantTurn> {
      const first = !transcript.some((entry) => entry.author === "customer");
      const entry = add("customer", text);
      const turn = await assistant.respond(conversation, text);
      Object.assign(entry, { intent: turn.intent, confidence: turn.confidence });
      if (turn.actions.length > 0) add("system", "Assistant tried …", { actions: turn.actions });
      add("bot", first ? `${GREETING}\n\n${turn.reply}` : turn.reply);
      return turn;
    },
  };
}

/** The policy's verdict on a turn, as if it were the conversation's first customer message. */
function decide(text: string, turn: AssistantTurn) {
  return decideEscalation({ ...firstMessageSignals(text, turn), actions: turn.actions }, policyConfigs(config));
}

describe("extractOrderReply: a message that is nothing but an order number", () => {
  it.each([
    ["100298", "100298"],
    ["it's 100298", "100298"],
    ["order #100298 please", "100298"],
    ["My order number is: 100298.", "100298"],
    ["ab-20481", "AB-20481"],
    ["sure - 100298, thanks", "100298"],
  ])("%j -> %s", (text, orderNumber) => {
    expect(extractOrderReply(text)).toBe(orderNumber);
  });

  it.each([
    "thanks",
    "100298 and 100311",
    "I want a refund for 100298",
    "100298, and I want a person",
    "call me on 07700 900123",
    `it's ${"very ".repeat(20)}100298`,
  ])("finds none in %j", (text) => {
    expect(extractOrderReply(text)).toBeUndefined();
  });
});

describe("an order number given after the assistant asked for it", () => {
  it("answers the pending question: order question → bare number → tracking answer, no clarify, no miss", async () => {
    const c = chat();
    const asked = await c.say("where is my order");
    expect(asked.reply).toBe("I can check that for you. What's your order number? It's in your confirmation email.");

    const turn = await c.say("100298");
    expect(turn.intent).toBe("track_order");
    expect(turn.reply).toBe(TRACKING_100298);
    expect(turn.entities.orderNumber).toBe("100298");
    expect(turn.actions).toEqual([{ action: "order_lookup", ok: true, result: "Order 100298: shipped, ETA 2026-11-19, 89.99 USD" }]);
    expect(turn.confidence).toBeGreaterThanOrEqual(config.policy.confidenceThreshold);
    const decision = decide("100298", turn);
    expect(decision).toMatchObject({ miss: false, clarify: false, escalate: false });
  });

  it.each([
    "it's 100298",
    "order 100298 please",
    "100298 thanks",
    "my order number is 100298",
    "#100298",
    "ok 100298",
    "sure, 100298",
    "here you go: 100298",
  ])("understands the follow-up %j", async (reply) => {
    const c = chat();
    await c.say("where is my order");
    const turn = await c.say(reply);
    expect(turn).toMatchObject({ intent: "track_order", reply: TRACKING_100298 });
    expect(decide(reply, turn).miss).toBe(false);
  });

  it("takes a lettered reference the entity patterns only find after a keyword", async () => {
    const c = chat();
    await c.say("where is my order");
    expect((await c.say("AB-20481")).reply).toBe("Order AB-20481 is cancelled. Items: Gift card.");
  });

  it("answers the refund that was asked about, with the amount from the earlier message", async () => {
    const c = chat();
    await c.say("I want a refund of $50 please");
    const turn = await c.say("100245");
    expect(turn.intent).toBe("get_refund");
    expect(turn.entities).toEqual({ orderNumber: "100245", amount: 50, currency: "USD" });
    expect(turn.actions.map((a) => [a.action, a.ok])).toEqual([
      ["order_lookup", true],
      ["refund_policy_check", true],
    ]);
    expect(turn.reply).toMatch(
      /^Order 100245 qualifies for a refund of 50\.00 USD\. .* Type HUMAN and a colleague from Billing will process it\.$/,
    );
    expect(decide("100245", turn).escalate).toBe(false);
  });

  it("keeps the refund limit: an amount above it, asked for earlier, escalates once the order is known", async () => {
    const c = chat();
    await c.say("I want a refund of $250 please");
    const turn = await c.say("100245");
    expect(turn.entities).toMatchObject({ orderNumber: "100245", amount: 250 });
    expect(decide("100245", turn)).toMatchObject({ escalate: true, reason: "money_threshold" });
  });

  it("takes a corrected number after an order was not found", async () => {
    const c = chat();
    expect((await c.say("track order 999999")).reply).toMatch(/couldn't find order 999999/);
    expect((await c.say("sorry, it's 100298")).reply).toBe(TRACKING_100298);
  });

  it("answers the delivery-time question that asked for the order number with the order's tracking", async () => {
    const c = chat();
    expect((await c.say("how long does delivery take?")).reply).toMatch(/Send your order number/);
    expect(await c.say("100298")).toMatchObject({ intent: "track_order", reply: TRACKING_100298 });
  });

  it("lets a message that says more than the number speak for itself", async () => {
    const c = chat();
    await c.say("where is my order");
    const refund = await c.say("actually I want a refund for 100245");
    expect(refund.intent).toBe("get_refund");

    const d = chat();
    await d.say("where is my order");
    const person = await d.say("100298, and I want a person");
    expect(person.intent).toBe("contact_human_agent");
  });
});

describe("a bare number with no pending question is unchanged", () => {
  it("as the first message", async () => {
    const turn = await chat().say("100298");
    expect(turn.reply).toBe(CLARIFY);
    expect(turn.actions).toEqual([]);
    expect(decide("100298", turn).miss).toBe(true);
  });

  it("after an answer that asked for nothing", async () => {
    const c = chat();
    await c.say("where is my order 100298");
    const turn = await c.say("100311");
    expect(turn.reply).toBe(CLARIFY);
    expect(turn.actions).toEqual([]);
  });

  it("when something else was said after the question", async () => {
    const c = chat();
    await c.say("where is my order");
    c.add("system", "You're back with the assistant. Type HUMAN at any time to reach a person again.");
    expect((await c.say("100298")).reply).toBe(CLARIFY);
  });
});

describe("through the engine", () => {
  async function world() {
    const store = await createMemoryStore({ clock });
    const { customers, workspace, log } = createSimulationChannels();
    const engine = createEngine({
      config: structuredClone(config),
      store,
      assistant,
      customers,
      workspace,
      clock,
      logger: createSilentLogger(),
    });
    let id = 0;
    return {
      log,
      say: (text: string) =>
        engine.handleInboundMessage({
          messageId: `m${++id}`,
          address: "sim:+447700900123",
          channel: "simulation",
          customerName: "Dana",
          phone: "+447700900123",
          text,
          receivedAt: NOW,
        }),
      conversation: () => store.findActiveByCustomer("sim:+447700900123"),
    };
  }

  it("order question → bare number: the tracking answer, no clarify, no miss counted, no escalation", async () => {
    const w = await world();
    await w.say("where is my order");
    await w.say("100298");
    expect(w.log.toCustomer.at(-1)?.text).toBe(TRACKING_100298);
    const c = await w.conversation();
    expect(c).toMatchObject({ state: "bot", botMisses: 0, escalations: [] });
    expect(w.log.toCustomer.map((m) => m.text)).not.toContain(config.messages.clarify);
  });

  it("a bare number first is still a miss, and looks nothing up", async () => {
    const w = await world();
    await w.say("100298");
    expect(w.log.toCustomer.map((m) => m.text)).not.toContain(TRACKING_100298);
    expect((await w.conversation())?.botMisses).toBe(1);
  });
});

describe("answers promise a person only behind HUMAN", () => {
  /** A sentence saying a person will act (or that something is being approved) must tell the customer to type HUMAN. */
  const PROMISE = /colleague|a person|\bteam\b|connect you|pass (?:it|this) on|I'm asking|I'll note/i;
  const unkept = (reply: string) =>
    reply.split(/(?<=[.!?])\s+/).filter((sentence) => PROMISE.test(sentence) && !/\btype HUMAN\b/i.test(sentence));

  it.each([
    ["eligible refund", ["I want a refund for order 100245"], /qualifies for a refund of 250\.00 USD/],
    ["refund tracking", ["has my refund for order 100245 been processed yet?"], /within our refund policy/],
    ["invoice", ["could you email me a PDF copy of my invoice"], /download any invoice/],
    ["missing invoice", ["where can I find my invoices"], /Account → Orders → Invoices/],
    ["order change", ["I need to change something in my order", "100311"], /Order 100311 is being prepared/],
    ["shipping address", ["how do I change my delivery address"], /Account → Addresses/],
  ])("%s", async (_, messages, expected) => {
    const c = chat();
    let turn: AssistantTurn | undefined;
    for (const text of messages) turn = await c.say(text);
    expect(turn!.reply).toMatch(expected);
    expect(unkept(turn!.reply)).toEqual([]);
  });

  it("the eligible refund says who acts and how to reach them", async () => {
    const turn = await chat().say("I want a refund for order 100245");
    expect(turn.reply).not.toMatch(/A colleague will confirm/);
    expect(turn.reply).toMatch(/Type HUMAN and a colleague from Billing will process it\.$/);
  });

  it("no shipped answer promises a person without HUMAN", () => {
    const answers = JSON.parse(readFileSync(DEFAULT_ANSWERS_FILE, "utf8")) as Record<string, string | Record<string, string>>;
    const offenders = Object.entries(answers)
      .filter(([key]) => !key.startsWith("$"))
      .flatMap(([intent, answer]) =>
        Object.entries(typeof answer === "string" ? { default: answer } : answer).map(
          ([variant, text]) => [`${intent}.${variant}`, unkept(text)] as const,
        ),
      )
      .filter(([, sentences]) => sentences.length > 0);
    expect(offenders).toEqual([]);
  });
});
