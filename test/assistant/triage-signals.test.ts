import { beforeAll, describe, expect, it } from "vitest";
import { createAssistantFromConfig } from "../../src/assistant/from-config.js";
import { triageOne } from "../../src/cli/triage.js";
import { loadConfigFile } from "../../src/config/load-config.js";
import type { WarmlineConfig } from "../../src/config/schema.js";
import { SHIPPED_CONFIG_FILE } from "../../src/paths.js";
import type { Assistant } from "../../src/ports/assistant.js";

/** First messages through the real assistant and policy, as `warmline triage` decides them. */
let config: WarmlineConfig;
let assistant: Assistant;
beforeAll(async () => {
  config = loadConfigFile(SHIPPED_CONFIG_FILE);
  assistant = await createAssistantFromConfig(config);
}, 60_000);
const triage = (text: string) => triageOne(assistant, config, null, text);

describe("triage: short, misspelt and non-English first messages that need a person", () => {
  it.each([
    ["pls give customer care no", "explicit_request", "support"],
    ["CS executive call me back", "explicit_request", undefined],
    ["cancle my oder", "priority_intent", "retention"],
    ["quiero darme de baja", "priority_intent", "retention"],
    ["je veux résilier mon abonnement", "priority_intent", "retention"],
    ["amount debited but wallet not credited", "priority_intent", "billing"],
    ["dubbel afgeschreven!!", "priority_intent", "billing"],
    ["u r cheaters", "always_human", undefined],
    ["worst service ever", "always_human", undefined],
  ])("%s → %s", async (text, reason, team) => {
    const result = await triage(text);
    expect(result).toMatchObject({ escalate: true, reason });
    if (team) expect(result.team).toBe(team);
  });
});

describe("triage: questions the assistant keeps", () => {
  it.each([
    "I want to know about your referral offers",
    "which shampoo is good for dandruff",
    "do you deliver to my pincode",
    "custom size mattress available?",
    "can I pay cash on delivery",
    "how much is the cancellation fee",
  ])("%s", async (text) => {
    const result = await triage(text);
    expect(result.reason === "priority_intent" || result.reason === "explicit_request", JSON.stringify(result)).toBe(false);
  });

  it("leaves a confident assistant intent its own routing: delete my account → delete_account → retention", async () => {
    expect(await triage("delete my account")).toMatchObject({
      escalate: true,
      reason: "priority_intent",
      intent: "delete_account",
      team: "retention",
    });
  });
});

describe("triage: a customer who denies what the words say", () => {
  it.each([
    "please dont cancel my order, just asking when it arrives",
    "no quiero cancelar nada, solo saber cuando llega",
    "I'm not complaining, just asking about sizes",
  ])("%s stays with the assistant", async (text) => {
    expect(await triage(text)).toMatchObject({ escalate: false });
  });

  it("still escalates the same words without the denial", async () => {
    expect(await triage("cancel my order please")).toMatchObject({ escalate: true, reason: "priority_intent", team: "retention" });
  });
});

describe("triage: the English model on text it mostly cannot read", () => {
  it("keeps a guess from one familiar word under the confidence threshold", async () => {
    const classified = await assistant.classify("bkash e payment kora jabe");
    expect(classified.confidence).toBeLessThan(config.policy.confidenceThreshold);
    expect(await triage("bkash e payment kora jabe")).toMatchObject({ escalate: false });
  });

  it("still trusts it on English it knows", async () => {
    const classified = await assistant.classify("my payment failed");
    expect(classified).toMatchObject({ intent: "payment_issue" });
    expect(classified.confidence).toBeGreaterThanOrEqual(config.policy.confidenceThreshold);
  });
});
