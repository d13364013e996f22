import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { computeFigures } from "../../src/analytics/compute-figures.js";
import { createWarmlineMetrics, type WarmlineMetrics } from "../../src/analytics/metrics.js";
import { loadConfigFile } from "../../src/config/load-config.js";
import type { WarmlineConfig } from "../../src/config/schema.js";
import { SHIPPED_CONFIG_FILE } from "../../src/paths.js";
import type { Assistant, FallbackCause } from "../../src/ports/assistant.js";
import type { FakeModelAnswer } from "../../src/sandbox/fake-openai-server.js";
import { type ModelSandbox, startModelSandbox, withModel } from "../helpers/model-sandbox.js";
import { engineWorld, OPEN_HOURS } from "../helpers/model-world.js";

/**
 * Every way a model call fails, through the engine: the customer gets the offline assistant's answer,
 * and /metrics counts the fallback by cause.
 */

const QUESTION = "which payment methods do you accept?";
/** What the offline assistant answers QUESTION with (data/answers.json), and the model never does. */
const OFFLINE_ANSWER = /PayPal/;

let config: WarmlineConfig;
let sandbox: ModelSandbox;

beforeAll(async () => {
  config = loadConfigFile(SHIPPED_CONFIG_FILE);
  sandbox = await startModelSandbox(config, { now: () => OPEN_HOURS });
});
afterAll(() => sandbox.close());

/** A well-formed model answer for QUESTION, to spoil one field at a time. */
function validAnswer(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    reply: "We take every card under the sun (model).",
    intent: "check_payment_methods",
    confidence: 0.93,
    decision: "continue",
    reason: null,
    language: "en",
    summary: { wants: "Payment methods.", tried: "Answered.", nextStep: "None." },
    entities: { orderNumber: null, amount: null, currency: null },
    ...overrides,
  };
}

/** The escalation figures of no conversations: this file reads only the assistant's series. */
const emptyFigures = () => computeFigures([], { since: 0, until: 1, now: 1, teams: {}, repeatSimilarity: 0.5 });

function metricsForModel(): WarmlineMetrics {
  return createWarmlineMetrics({ figures: async () => emptyFigures(), windowMs: 60_000, assistantModel: true });
}

/** The value of one series on /metrics: `name` and its labels as exposed ("…_count" for a histogram's count). */
async function sample(metrics: WarmlineMetrics, name: string, labels: string): Promise<number | undefined> {
  const text = await metrics.render();
  const line = text.split("\n").find((l) => l.startsWith(`${name}${labels} `));
  return line === undefined ? undefined : Number(line.split(" ").at(-1));
}

async function worldWith(assistantFor: (metrics: WarmlineMetrics) => Promise<Assistant>) {
  const metrics = metricsForModel();
  const world = await engineWorld(config, await assistantFor(metrics));
  return { metrics, world };
}

describe("the model answers", () => {
  it("sends the model's reply and counts the call, its tokens and its latency", async () => {
    const { metrics, world } = await worldWith((m) => sandbox.assistant(withModel(config), m.recordAssistantCall));
    sandbox.fake.script({ json: validAnswer(), usage: { promptTokens: 120, completionTokens: 30 } });
    await world.say(QUESTION);
    expect(world.lastReply()).toContain("We take every card under the sun (model).");
    expect(await sample(metrics, "warmline_assistant_calls_total", '{outcome="answered"}')).toBe(1);
    expect(await sample(metrics, "warmline_assistant_tokens_total", '{kind="input"}')).toBe(120);
    expect(await sample(metrics, "warmline_assistant_tokens_total", '{kind="output"}')).toBe(30);
    expect(await sample(metrics, "warmline_assistant_call_seconds_count", "")).toBe(1);
    expect(await sample(metrics, "warmline_assistant_call_seconds_bucket", '{le="+Inf"}')).toBe(1);
    expect(await sample(metrics, "warmline_assistant_fallbacks_total", '{cause="timeout"}')).toBe(0);
  });
});

describe("every fallback: the offline answer goes out and /metrics counts it", () => {
  const cases: [FallbackCause, string, () => FakeModelAnswer][] = [
    ["http_error", "HTTP 500", () => ({ status: 500, message: "CUDA out of memory" })],
    ["invalid_json", "text that is not JSON", () => ({ text: 'Sure! {"intent": "check_payment_methods", "reply": "We take' })],
    ["schema_violation", "a confidence of 7", () => ({ json: validAnswer({ confidence: 7 }) })],
    ["schema_violation", "a missing reply", () => ({ json: { ...validAnswer(), reply: undefined } })],
    ["schema_violation", "escalate without a reason", () => ({ json: validAnswer({ decision: "escalate", reason: null }) })],
    ["unknown_intent", "an intent outside the taxonomy", () => ({ json: validAnswer({ intent: "billing_vip_override" }) })],
  ];

  it.each(cases)("%s (%s)", async (cause, _, answer) => {
    const { metrics, world } = await worldWith((m) => sandbox.assistant(withModel(config), m.recordAssistantCall));
    sandbox.fake.script(answer());
    await world.say(QUESTION);
    expect(world.lastReply()).toMatch(OFFLINE_ANSWER);
    expect(world.lastReply()).not.toContain("(model)");
    expect(sandbox.calls.at(-1)).toMatchObject({ outcome: "fallback", fallback: cause });
    expect(await sample(metrics, "warmline_assistant_fallbacks_total", `{cause="${cause}"}`)).toBe(1);
    expect(await sample(metrics, "warmline_assistant_calls_total", '{outcome="fallback"}')).toBe(1);
    expect(await sample(metrics, "warmline_assistant_calls_total", '{outcome="answered"}')).toBe(0);
  });

  it("timeout: a model slower than assistant.timeoutMs", async () => {
    const { metrics, world } = await worldWith((m) => sandbox.assistant(withModel(config, { timeoutMs: 50 }), m.recordAssistantCall));
    let release = () => {};
    const until = new Promise<void>((resolve) => (release = resolve));
    sandbox.fake.script({ until, answer: { json: validAnswer() } });
    await world.say(QUESTION);
    release();
    expect(world.lastReply()).toMatch(OFFLINE_ANSWER);
    expect(sandbox.calls.at(-1)).toMatchObject({ outcome: "fallback", fallback: "timeout" });
    expect(await sample(metrics, "warmline_assistant_fallbacks_total", '{cause="timeout"}')).toBe(1);
  });

  it("unreachable: nothing listens at LLM_BASE_URL any more", async () => {
    const spare = await startModelSandbox(config, { now: () => OPEN_HOURS });
    const { metrics, world } = await worldWith((m) => spare.assistant(withModel(config), m.recordAssistantCall));
    await spare.close();
    await world.say(QUESTION);
    expect(world.lastReply()).toMatch(OFFLINE_ANSWER);
    expect(await sample(metrics, "warmline_assistant_fallbacks_total", '{cause="unreachable"}')).toBe(1);
  });
});

describe("without a model", () => {
  it("registers no assistant series on /metrics (the offline assistant calls nothing)", async () => {
    const metrics = createWarmlineMetrics({ figures: () => Promise.reject(new Error("not scraped")), windowMs: 60_000 });
    expect(metrics.registry.getSingleMetric("warmline_assistant_calls_total")).toBeUndefined();
    expect(() => metrics.recordAssistantCall({ outcome: "answered", latencyMs: 1 })).not.toThrow();
  });
});
