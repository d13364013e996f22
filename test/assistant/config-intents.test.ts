import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { checkConfigIntents, closestIntent, intentErrors, type AssistantIntents } from "../../src/assistant/config-intents.js";
import { prepareAssistant } from "../../src/assistant/from-config.js";
import { DEFAULT_CORPUS_FILE } from "../../src/assistant/paths.js";
import { loadConfigFile, parseConfig } from "../../src/config/load-config.js";
import type { WarmlineConfig } from "../../src/config/schema.js";
import { SHIPPED_CONFIG_FILE } from "../../src/paths.js";

const dir = mkdtempSync(join(tmpdir(), "warmline-config-intents-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const shipped = () => structuredClone(loadConfigFile(SHIPPED_CONFIG_FILE));
const SHIPPED_INTENTS = [
  "cancel_order",
  "complaint",
  "delete_account",
  "payment_issue",
  "track_order",
  "get_refund",
  "check_cancellation_fee",
  "track_refund",
  "check_refund_policy",
  "check_invoice",
  "get_invoice",
  "check_payment_methods",
  "contact_human_agent",
  "contact_customer_service",
  "change_order",
  "greeting",
  "thanks",
  "newsletter_subscription",
  "review",
  "none",
];
const corpus = (overrides: Partial<AssistantIntents> = {}): AssistantIntents => ({
  corpus: "data/corpus.csv",
  intents: SHIPPED_INTENTS,
  answered: SHIPPED_INTENTS,
  ...overrides,
});
const messages = (config: WarmlineConfig, assistant = corpus()) =>
  checkConfigIntents(config, assistant).map((problem) => `${problem.severity}: ${problem.message}`);

describe("closestIntent", () => {
  it("finds a typo, another case and the same words in another order; nothing when none is close", () => {
    expect(closestIntent("cancel_ordr", SHIPPED_INTENTS)).toBe("cancel_order");
    expect(closestIntent("Payment_Issue", SHIPPED_INTENTS)).toBe("payment_issue");
    expect(closestIntent("order_cancel", SHIPPED_INTENTS)).toBe("cancel_order");
    expect(closestIntent("book_ride", SHIPPED_INTENTS)).toBeUndefined();
  });
});

describe("checkConfigIntents", () => {
  it("finds nothing wrong with the shipped config, corpus and answers", async () => {
    expect((await prepareAssistant(shipped())).problems).toEqual([]);
  });

  it("names every config path with an intent the corpus lacks, and the intent meant", () => {
    const config = shipped();
    config.policy.priorityIntents = ["cancel_ordr", "delete_account"];
    config.policy.alwaysHumanIntents = ["complaints"];
    config.routing.intentTeams = { cancel_order: "retention", paymnt_issue: "billing" };
    config.routing.rules = [
      { when: { tier: "vip" }, team: "priority" },
      { when: { intent: "track_ordre", keyword: "urgent" }, team: "support" },
    ];
    expect(messages(config)).toEqual([
      'error: policy.priorityIntents[0]: "cancel_ordr" is not an intent of the corpus data/corpus.csv; did you mean "cancel_order"?',
      'error: policy.alwaysHumanIntents[0]: "complaints" is not an intent of the corpus data/corpus.csv; did you mean "complaint"?',
      'error: routing.intentTeams: the key "paymnt_issue" is not an intent of the corpus data/corpus.csv; did you mean "payment_issue"?',
      'error: routing.rules[1].when.intent: "track_ordre" is not an intent of the corpus data/corpus.csv; did you mean "track_order"?',
    ]);
  });

  it("says when an unknown intent comes from a default the config never set, and that [] turns it off", () => {
    const config = parseConfig({ ...shipped(), policy: {}, routing: { defaultTeam: "support" } });
    const problems = checkConfigIntents(
      config,
      corpus({ corpus: "mine.csv", intents: ["order_food", "book_ride"], answered: ["order_food", "book_ride"] }),
    );
    expect(problems.filter((p) => p.severity === "error").map((p) => p.path)).toEqual([
      "policy.priorityIntents[0]",
      "policy.priorityIntents[1]",
      "policy.priorityIntents[2]",
      "policy.alwaysHumanIntents[0]",
    ]);
    // The lists that only refine answers and cards are warnings: a corpus of one's own starts without editing them.
    expect(problems.find((p) => p.path === "policy.humanRequestIntents[0]")).toMatchObject({ severity: "warning" });
    expect(problems[3]!.message).toBe(
      'policy.alwaysHumanIntents[0]: "complaint" is not an intent of the corpus mine.csv; fix the spelling, remove it, or add examples of it to the corpus (policy.alwaysHumanIntents is the default "complaint": set it to intents of this corpus, or to [] for none)',
    );
  });

  it('accepts "none", which the model answers for off-topic text whatever the corpus', () => {
    const config = shipped();
    config.routing.intentTeams = { none: "support" };
    config.policy.priorityIntents = [];
    config.policy.alwaysHumanIntents = [];
    const problems = checkConfigIntents(config, corpus({ intents: ["order_food", "book_ride"], answered: ["order_food", "book_ride"] }));
    expect(problems.filter((p) => p.severity === "error")).toEqual([]);
  });

  it("warns, without failing, about corpus intents with no answer and says where to add one", () => {
    const config = shipped();
    const intents = [...SHIPPED_INTENTS, "gift_wrap"];
    expect(messages(config, corpus({ intents }))).toEqual([
      'warning: the corpus data/corpus.csv has 1 intent with no answer ("gift_wrap"): customers asking it get the clarifying reply ("none" in the answers) instead; write a JSON file of intent → answer like data/answers.json and name it in assistant.answers, e.g. {"gift_wrap": "…"}',
    ]);
    expect(messages(config, corpus({ intents, userAnswers: { file: "answers.json", intents: [] } }))[0]).toMatch(
      /instead; add it to answers\.json, e\.g\. \{"gift_wrap": "…"\}$/,
    );
    expect(intentErrors(checkConfigIntents(config, corpus({ intents })), "warmline.config.json")).toBeUndefined();
  });

  it("warns about an assistant.answers entry for an intent the corpus lacks: that answer is never given", () => {
    const problems = checkConfigIntents(
      shipped(),
      corpus({ userAnswers: { file: "answers.json", intents: ["none", "tool_failed", "track_ordr"] } }),
    );
    expect(problems).toEqual([
      {
        severity: "warning",
        path: "assistant.answers",
        message:
          'assistant.answers (answers.json): "track_ordr" is not an intent of the corpus data/corpus.csv, so its answer is never given; did you mean "track_order"?',
      },
    ]);
  });
});

describe("prepareAssistant", () => {
  it("checks the corpus given by --corpus and the answers of assistant.answers, before training", async () => {
    const corpusFile = join(dir, "mine.csv");
    writeFileSync(
      corpusFile,
      `${readFileSync(DEFAULT_CORPUS_FILE, "utf8").trimEnd()}\nwrap it as a gift please,gift_wrap\ncan you gift wrap it,gift_wrap\n`,
    );
    const answersFile = join(dir, "answers.json");
    writeFileSync(answersFile, JSON.stringify({ gift_wrap: "We gift wrap any order for 3 USD." }));
    const config = shipped();
    config.policy.priorityIntents = ["cancel_ordr"];

    const unanswered = await prepareAssistant(config, { corpusFile });
    expect(unanswered.corpus).toBe(corpusFile);
    expect(unanswered.problems.map((p) => p.severity)).toEqual(["error", "warning"]);
    expect(unanswered.problems[1]!.message).toContain('("gift_wrap")');

    config.assistant.answers = answersFile;
    const answered = await prepareAssistant(config, { corpusFile });
    expect(answered.problems.map((p) => p.message)).toEqual([
      `policy.priorityIntents[0]: "cancel_ordr" is not an intent of the corpus ${corpusFile}; did you mean "cancel_order"?`,
    ]);
    expect(intentErrors(answered.problems, "warmline.config.json")?.message).toBe(
      `warmline.config.json has 1 problem: an intent the assistant is not trained on, so routing never matches it:\n  - ${answered.problems[0]!.message}\nFix it in warmline.config.json, or train on a corpus that has it (assistant.corpus).`,
    );
    const assistant = await answered.create();
    expect((await assistant.classify("could you gift wrap it")).intent).toBe("gift_wrap");
  });
});
