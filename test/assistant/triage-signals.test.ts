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
