import { beforeAll, describe, expect, it } from "vitest";
import { createSimulationChannels } from "../../channels/simulation/simulation-channels.js";
import { createOfflineAssistant } from "../../src/assistant/offline-assistant.js";
import { DEFAULT_ORDERS_FILE } from "../../src/assistant/paths.js";
import { createFileCommerce } from "../../src/assistant/sample-commerce.js";
import { loadConfigFile } from "../../src/config/load-config.js";
import type { WarmlineConfig } from "../../src/config/schema.js";
import { createEngine } from "../../src/engine/engine.js";
import { createSilentLogger } from "../../src/logging.js";
import { SHIPPED_CONFIG_FILE } from "../../src/paths.js";
import type { Assistant } from "../../src/ports/assistant.js";
import type { Commerce } from "../../src/ports/commerce.js";
import { createMemoryStore } from "../../src/store/memory-store.js";

/**
 * The escalation reasons the policy tests cover with a driver, here through the real engine, so its
 * own bookkeeping (misses, tool failures, turn counts) is what decides.
 */
const OPEN_HOURS = Date.UTC(2026, 10, 17, 11, 0);
const clock = { now: () => OPEN_HOURS };
let config: WarmlineConfig;
let healthy: Assistant;
let broken: Assistant;

beforeAll(async () => {
  config = loadConfigFile(SHIPPED_CONFIG_FILE);
  healthy = await createOfflineAssistant({ commerce: createFileCommerce(DEFAULT_ORDERS_FILE, { clock }) });
  // The business's order system is the outer edge: here it is down.
  const down: Commerce = {
    lookupOrder: async () => {
      throw new Error("connection refused by orders.internal");
    },
    checkRefundPolicy: async () => {
      throw new Error("connection refused by orders.internal");
    },
  };
  broken = await createOfflineAssistant({ commerce: down });
});

async function conversationWith(assistant: Assistant, messages: string[]) {
  let now = OPEN_HOURS;
  const store = await createMemoryStore({ clock: { now: () => now } });
  const { customers, workspace, log } = createSimulationChannels();
  const engine = createEngine({ config, store, assistant, customers, workspace, clock: { now: () => now }, logger: createSilentLogger() });
  for (const [i, text] of messages.entries()) {
    now += 60_000;
    await engine.handleInboundMessage({
      messageId: `m${i}`,
      address: "sim:+15550100",
      channel: "simulation",
      phone: "+15550100",
      text,
      receivedAt: now,
    });
    await engine.drain();
  }
  const conversation = (await store.findActiveByCustomer("sim:+15550100"))!;
  return { conversation, log, escalation: conversation.escalations.at(-1) };
}

describe("escalation reasons through the engine", () => {
  it("negative_sentiment: an angry second message after an ordinary one", async () => {
    const { escalation, conversation } = await conversationWith(healthy, [
      "where is my order 100298?",
      "this is absolutely ridiculous, I am furious, nobody ever answers!!",
    ]);
    expect(conversation.state).toBe("queued");
    expect(escalation?.reason).toBe("negative_sentiment");
  });

  it("tool_failure: the order system fails twice in a row; the first failure is apologised for, not escalated", async () => {
    const first = await conversationWith(broken, ["where is my order 100298?"]);
    expect(first.conversation.state).toBe("bot");
    expect(first.conversation.toolFailures).toBe(1);
    const { escalation, conversation } = await conversationWith(broken, [
      "where is my order 100298?",
      "can you check order 100298 again please",
    ]);
    expect(conversation.state).toBe("queued");
    expect(escalation?.reason).toBe("tool_failure");
    expect(escalation?.explanation).toMatch(/failed 2 times/);
  });

  it("policy_exception: a refund the policy check refuses goes to billing", async () => {
    const { escalation } = await conversationWith(healthy, ["can I get a refund for order 100102?"]);
    expect(escalation).toMatchObject({ reason: "policy_exception", team: "billing" });
    expect(escalation?.explanation).toMatch(/refund policy check said no/);
  });

  it("conversation_length: many turns with the bot, each answered, hand over at the configured length", async () => {
    const questions = [
      "hi",
      "what payment methods do you accept?",
      "how long does delivery take?",
      "do you ship abroad?",
      "how do I create an account?",
      "can I change my shipping address?",
      "how do I subscribe to the newsletter?",
      "what is your refund policy?",
      "how do I reset my password?",
      "can I leave a review?",
      "how do I switch accounts?",
    ];
    const before = await conversationWith(healthy, questions);
    expect(before.conversation.state).toBe("bot");
    expect(questions.length + 1).toBe(config.policy.maxBotTurns);
    const { escalation } = await conversationWith(healthy, [...questions, "where can I find my invoice?"]);
    expect(escalation?.reason).toBe("conversation_length");
    expect(escalation?.mandatory).toBe(false);
  });
});

describe("first contact", () => {
  it("answers a first hello with the greeting alone, naming the word for a person", async () => {
    const { log } = await conversationWith(healthy, ["hi there"]);
    expect(log.toCustomer.map((m) => m.text)).toEqual([
      `Hi! I'm the ${config.business.name} assistant. Ask me anything, or type HUMAN at any time to reach a person.`,
    ]);
  });
});
