import { describe, expect, it } from "vitest";
import { decideEscalation, firstMessageSignals } from "../../routing/escalation-policy.js";
import { defaultConfig, finalDecision, playConversation, policyConfigs, type Turn } from "./policy-driver.js";

const config = defaultConfig();

describe("explicit_request", () => {
  const firstAsks = [
    "Can I talk to a human?",
    "humna please",
    "representitive",
    "I want a real persn",
    "get me an agent",
    "let me speak to someone",
    "operator!",
    "I need to speak with customer service",
    "stop, I don't want a bot",
    "quiero hablar con un humano",
    "necesito un asesor",
    "je veux parler à un conseiller",
    "puis-je parler à un humain ?",
    "Ich möchte mit einem Mitarbeiter sprechen",
    "kann ich mit einem Menschen reden?",
    "quero falar com um atendente",
    "posso parlare con un operatore?",
    "ik wil een medewerker spreken",
    "Je voudrais parler à quelqu'un",
    "Is there a person I can talk to?",
    "Can you connect me with support?",
    "Can a real person call me?",
  ];
  it.each(firstAsks)("escalates on the first ask: %s", (text) => {
    const decision = finalDecision([{ text, intent: "track_order", confidence: 0.2 }]);
    // Not mandatory: the customer asked, and may change their mind (BOT).
    expect(decision).toMatchObject({ escalate: true, reason: "explicit_request", mandatory: false, team: "support" });
    expect(decision.explanation).toMatch(/^Customer asked for a person: ".+"\.$/);
  });

  it("escalates on a confident contact_customer_service intent without person words", () => {
    const decision = finalDecision([{ text: "what are the hours I can ring you", intent: "contact_customer_service", confidence: 0.8 }]);
    expect(decision).toMatchObject({ escalate: true, reason: "explicit_request" });
  });

  it("does not trust a contact intent below the confidence threshold", () => {
    const decision = finalDecision([{ text: "what are the hours I can ring you", intent: "contact_human_agent", confidence: 0.3 }]);
    expect(decision).toMatchObject({ escalate: false, clarify: true, miss: true });
  });

  it("uses the configured extra phrases and words", () => {
    const custom = defaultConfig();
    custom.policy.humanRequestPhrases = ["put me through to accounts"];
    custom.policy.humanWords = ["kundenberater"];
    expect(finalDecision([{ text: "Please put me through to accounts" }], { config: custom }).reason).toBe("explicit_request");
    expect(finalDecision([{ text: "ich brauche einen Kundenberater" }], { config: custom }).reason).toBe("explicit_request");
  });

  const notRequests = [
    "where is my order?",
    "the delivery person left it at the wrong door",
    "can you tell me about my order 12345",
    "I want to send a gift to someone",
    "how do I become an agent for your brand",
    "are you a bot?",
    "I need assistance with my invoice",
    "I'd like to change the person the order is for",
    "I need support with my invoice",
    "I want to join your team",
    "the agent was rude to me yesterday",
    "I don't need a human, just tell me the status",
  ];
  it.each(notRequests)("is not fooled by: %s", (text) => {
    expect(finalDecision([{ text, intent: "track_order", confidence: 0.9 }]).escalate).toBe(false);
  });
});

describe("always_human", () => {
  it("names the topic and the phrase", () => {
    const decision = finalDecision([{ text: "If this isn't fixed I'm calling my lawyer", intent: "track_order" }]);
    expect(decision).toMatchObject({ escalate: true, reason: "always_human", priority: "urgent", mandatory: true });
    expect(decision.explanation).toContain("legal");
    expect(decision.explanation).toContain('"lawyer"');
  });

  it("fires on a safety phrase mid-conversation", () => {
    const decisions = playConversation([{ text: "where is my replacement charger?" }, { text: "the old one caught fire last night" }]);
    expect(decisions.map((decision) => decision.reason)).toEqual([null, "always_human"]);
    expect(decisions[1]!.explanation).toContain("safety");
  });

  it("fires on the complaint intent", () => {
    const decision = finalDecision([{ text: "I want to lodge a reclamation against you", intent: "complaint", confidence: 0.8 }]);
    expect(decision).toMatchObject({ reason: "always_human", team: "support" });
    expect(decision.explanation).toContain("complaint");
  });
});

describe("money_threshold", () => {
  it("escalates a $250 refund against the $100 limit and says so", () => {
    const decisions = playConversation([
      { text: "my blender arrived broken", intent: "track_order" },
      {
        text: "I want a refund of $250 for order 100245",
        intent: "get_refund",
        entities: { amount: 250, currency: "USD", orderNumber: "100245" },
      },
    ]);
    expect(decisions.map((decision) => decision.escalate)).toEqual([false, true]);
    expect(decisions[1]).toMatchObject({ reason: "money_threshold", team: "billing", priority: "high", mandatory: true });
    expect(decisions[1]!.explanation).toBe("Customer asks for a $250.00 refund, above the assistant's $100.00 limit.");
  });

  it("lets the assistant handle a refund within the limit", () => {
    expect(finalDecision([{ text: "refund my $80 please", intent: "get_refund", entities: { amount: 80 } }]).escalate).toBe(false);
  });

  it("asks for the order before weighing an amount: no order, no money decision yet", () => {
    expect(finalDecision([{ text: "refund $299", intent: "get_refund", entities: { amount: 299 } }]).escalate).toBe(false);
  });

  it("does not apply the limit to tracking a refund already granted", () => {
    expect(
      finalDecision([
        { text: "where is my refund of $350 for order 100245", intent: "track_refund", entities: { amount: 350, orderNumber: "100245" } },
      ]).escalate,
    ).toBe(false);
  });

  it("ignores large amounts outside a refund context", () => {
    expect(finalDecision([{ text: "my $250 order is late", intent: "track_order", entities: { amount: 250 } }]).escalate).toBe(false);
  });

  it("recognises a refund by its words when the intent is something else", () => {
    const decision = finalDecision([
      {
        text: "I'd like my money back for order 100150, it was €300",
        intent: "track_order",
        entities: { amount: 300, currency: "EUR", orderNumber: "100150" },
      },
    ]);
    expect(decision.reason).toBe("money_threshold");
    expect(decision.explanation).toContain("€300.00");
  });
});

describe("policy_exception", () => {
  it("escalates when the refund policy check says no", () => {
    const decision = finalDecision([
      {
        text: "can I return the shoes from March?",
        intent: "check_refund_policy",
        actions: [{ action: "refund_policy_check", ok: false, result: "Refunds are accepted within 30 days of delivery" }],
      },
    ]);
    expect(decision).toMatchObject({ escalate: true, reason: "policy_exception", mandatory: true, team: "billing" });
    expect(decision.explanation).toContain("within 30 days");
  });

  it("treats a check that failed to run as a tool failure, not an exception", () => {
    const failed = { action: "refund_policy_check", ok: false, failed: true, result: "Commerce timed out" };
    const decision = finalDecision([{ text: "can I return these?", intent: "check_refund_policy", actions: [failed] }]);
    expect(decision.escalate).toBe(false);
  });
});

describe("priority_intent", () => {
  it("routes a confident cancellation to retention at high priority", () => {
    const decision = finalDecision([{ text: "cancel order 12345 please", intent: "cancel_order", confidence: 0.85 }]);
    expect(decision).toMatchObject({ escalate: true, reason: "priority_intent", team: "retention", priority: "high", mandatory: true });
  });

  it("does not act on an unsure cancellation", () => {
    const decision = finalDecision([{ text: "could you cancel it maybe", intent: "cancel_order", confidence: 0.4 }]);
    expect(decision).toMatchObject({ escalate: false, clarify: true });
  });
});

describe("negative_sentiment", () => {
  it("does not escalate profanity alone on a first message, even when the assistant scores it very negative", () => {
    const decision = finalDecision([
      { text: "how do I change the damn shipping address", intent: "change_shipping_address", sentiment: -0.9 },
    ]);
    expect(decision.escalate).toBe(false);
  });

  it("escalates a 'third time' complaint", () => {
    const decision = finalDecision([{ text: "This is the third time I'm asking where my order is", sentiment: -0.3 }]);
    expect(decision).toMatchObject({ escalate: true, reason: "negative_sentiment", priority: "high", mandatory: false });
    expect(decision.explanation).toContain("third time");
  });

  it("escalates 'still not' after an earlier answer", () => {
    const decisions = playConversation([{ text: "where is my parcel?" }, { text: "it's still not here" }]);
    expect(decisions.map((decision) => decision.reason)).toEqual([null, "negative_sentiment"]);
  });

  it("escalates strong emotion backed by profanity", () => {
    expect(finalDecision([{ text: "this is fucking ridiculous", sentiment: -0.5 }]).reason).toBe("negative_sentiment");
  });

  it("escalates shouting with a negative score", () => {
    const decision = finalDecision([{ text: "WHERE IS MY ORDER I PAID TWO WEEKS AGO", sentiment: -0.7 }]);
    expect(decision.reason).toBe("negative_sentiment");
    expect(decision.explanation).toContain("shouting");
  });

  it("escalates sustained negativity across turns", () => {
    const decisions = playConversation([
      { text: "where's my damn parcel", sentiment: -0.7 },
      { text: "this is taking forever, bloody hell", sentiment: -0.7 },
    ]);
    expect(decisions.map((decision) => decision.reason)).toEqual([null, "negative_sentiment"]);
  });
});

describe("tool_failure", () => {
  const lookupFailed = { action: "order_lookup", ok: false, failed: true, result: "Order system timed out" };
  it("escalates on the second consecutive failure", () => {
    const decisions = playConversation([
      { text: "where is order 123?", actions: [lookupFailed] },
      { text: "order 123 please", actions: [lookupFailed] },
    ]);
    expect(decisions.map((decision) => decision.reason)).toEqual([null, "tool_failure"]);
    expect(decisions[1]!.explanation).toBe("The assistant's order lookup failed 2 times in a row (Order system timed out).");
  });

  it("starts counting again after a success", () => {
    const decisions = playConversation([
      { text: "where is order 123?", actions: [lookupFailed] },
      { text: "and order 456?", actions: [{ action: "order_lookup", ok: true, result: "Order 456 shipped on 3 May" }] },
      { text: "ok and order 789?", actions: [lookupFailed] },
    ]);
    expect(decisions.every((decision) => !decision.escalate)).toBe(true);
  });
});

describe("repeated_failure", () => {
  it("escalates the third rephrasing of the same need", () => {
    const decisions = playConversation([
      { text: "where is my order?" },
      { text: "my package hasn't arrived yet" },
      { text: "when will my parcel get here?" },
    ]);
    expect(decisions.map((decision) => decision.reason)).toEqual([null, null, "repeated_failure"]);
    expect(decisions[2]!.explanation).toContain("3 times");
  });

  it("does not escalate unrelated questions", () => {
    const decisions = playConversation([
      { text: "where is my order?" },
      { text: "how do I reset my password" },
      { text: "what payment methods do you accept" },
      { text: "can I change my shipping address" },
      { text: "can I cancel my order", intent: "check_cancellation_fee" },
    ]);
    expect(decisions.every((decision) => !decision.escalate)).toBe(true);
  });
});

describe("low_confidence and noise", () => {
  const noise: Turn[] = [{ text: "asdfgh" }, { text: "😡😡😡" }];
  it("asks to clarify on the first noisy message and escalates after the second miss", () => {
    const decisions = playConversation(noise);
    expect(decisions[0]).toMatchObject({ escalate: false, clarify: true, miss: true });
    expect(decisions[1]).toMatchObject({ escalate: true, reason: "low_confidence", clarify: false, miss: true, mandatory: false });
    expect(decisions[1]!.explanation).toContain("2 times");
  });

  it.each(["qwerty", "xkcdvbn", "???", "hmm", "🙂"])("never escalates noise on the first message: %s", (text) => {
    expect(finalDecision([{ text, intent: "cancel_order", confidence: 0.9 }])).toMatchObject({ escalate: false, clarify: true });
  });

  it("routes noise to the default team, not to the assistant's guess", () => {
    expect(finalDecision([{ text: "asdf", intent: "cancel_order" }]).team).toBe("support");
  });

  it("a confident answer resets the misses", () => {
    const decisions = playConversation([{ text: "asdf" }, { text: "where is my order?" }, { text: "jjjjjj" }]);
    expect(decisions.every((decision) => !decision.escalate)).toBe(true);
  });

  it("escalates two unsure answers in a row", () => {
    const decisions = playConversation([
      { text: "do you do the thing with the boxes", confidence: 0.3 },
      { text: "the boxes thing for the gifts", confidence: 0.2 },
    ]);
    expect(decisions.map((decision) => decision.reason)).toEqual([null, "low_confidence"]);
  });

  it("lets order numbers and greetings through", () => {
    expect(finalDecision([{ text: "113542617735902" }]).miss).toBe(false);
    expect(finalDecision([{ text: "hello" }]).miss).toBe(false);
  });
});

describe("conversation_length", () => {
  it("escalates at maxBotTurns", () => {
    const questions = [
      "what are your opening hours",
      "do you ship to Canada",
      "how do I reset my password",
      "what payment methods do you accept",
      "can I change my shipping address",
      "do you have gift cards",
      "is the blue jumper in stock",
      "can I sign up for the newsletter",
      "where do I leave a review",
      "do you offer student discounts",
      "what is your returns address",
      "are your mugs dishwasher safe",
    ];
    const decisions = playConversation(questions.map((text) => ({ text })));
    expect(decisions).toHaveLength(config.policy.maxBotTurns);
    expect(decisions.at(-1)).toMatchObject({ escalate: true, reason: "conversation_length" });
    expect(decisions.slice(0, -1).every((decision) => !decision.escalate)).toBe(true);
  });
});

describe("precedence, declines, VIP and teams", () => {
  it("explicit request wins over everything else in the same message", () => {
    const decision = finalDecision([{ text: "get me a human, I'm calling my lawyer", intent: "cancel_order", entities: { amount: 500 } }]);
    expect(decision.reason).toBe("explicit_request");
    expect(decision.team).toBe("retention");
  });

  it("a declined optional reason does not fire again", () => {
    const decision = finalDecision([{ text: "This is the third time I'm asking", sentiment: -0.3 }], {
      declinedReasons: ["negative_sentiment"],
    });
    expect(decision.escalate).toBe(false);
  });

  it("a declined mandatory reason still fires", () => {
    const decision = finalDecision([{ text: "I want to file a formal complaint" }], { declinedReasons: ["always_human"] });
    expect(decision).toMatchObject({ escalate: true, reason: "always_human", mandatory: true });
  });

  it("asking for a person again after declining one (HUMAN, BOT, HUMAN) is a new request, still optional", () => {
    expect(config.policy.mandatoryReasons).not.toContain("explicit_request");
    const decision = finalDecision([{ text: "talk to a human" }], { declinedReasons: ["explicit_request"] });
    expect(decision).toMatchObject({ escalate: true, reason: "explicit_request", mandatory: false });
  });

  it("sends VIPs to the priority lane at high priority or above", () => {
    const cancel = finalDecision([{ text: "cancel my order", intent: "cancel_order" }], { tier: "vip" });
    expect(cancel).toMatchObject({ team: "priority", priority: "high" });
    const lookupFailed = { action: "order_lookup", ok: false, failed: true, result: "timeout" };
    const tools = finalDecision(
      [
        { text: "order 1?", actions: [lookupFailed] },
        { text: "order 1??", actions: [lookupFailed] },
      ],
      { tier: "vip" },
    );
    expect(tools).toMatchObject({ reason: "tool_failure", team: "priority", priority: "high" });
    expect(finalDecision([{ text: "I was injured by it" }], { tier: "vip" }).priority).toBe("urgent");
  });

  it("sends an unknown intent to the default team", () => {
    expect(finalDecision([{ text: "I want an agent", intent: "ask_weather" }]).team).toBe("support");
  });

  it("computes the team even when nothing fires", () => {
    const decision = decideEscalation(
      firstMessageSignals("how do I pay by card?", { intent: "check_payment_methods", confidence: 0.9, sentiment: 0.1, entities: {} }),
      policyConfigs(config),
    );
    expect(decision).toEqual({
      escalate: false,
      reason: null,
      explanation: "",
      team: "billing",
      priority: "normal",
      mandatory: false,
      clarify: false,
      miss: false,
    });
  });
});

describe("escalation signals (data/languages/*/signals.json, policy.signalActions)", () => {
  it("routes a cancellation the assistant missed to retention, naming the customer's words", () => {
    const decision = finalDecision([{ text: "quiero cancelar mi pedido ya", intent: "none", confidence: 0.3 }]);
    expect(decision).toMatchObject({ escalate: true, reason: "priority_intent", team: "retention", mandatory: true });
    expect(decision.explanation).toBe('Customer wants to cancel: "cancelar mi pedido".');
  });

  it.each([
    ["money deducted from my bank but not credited", "money_not_credited"],
    ["i got charged twice for the same order", "charged_twice"],
  ])("routes money trouble to billing whatever the assistant guessed: %s", (text) => {
    const decision = finalDecision([{ text, intent: "delete_account", confidence: 0.9 }]);
    expect(decision).toMatchObject({ escalate: true, reason: "priority_intent", team: "billing" });
  });

  it.each([
    ["worst service ever", "is making a complaint"],
    ["fraud app", "accuses the business of fraud"],
    ["i will take legal action", "threatens legal action"],
  ])("hands a complaint, a fraud accusation or a legal threat to a person at once: %s", (text, says) => {
    const decision = finalDecision([{ text, intent: "track_order", confidence: 0.9 }]);
    expect(decision).toMatchObject({ escalate: true, reason: "always_human", priority: "urgent", mandatory: true });
    expect(decision.explanation).toContain(says);
  });

  it("treats an insult as anger the customer may still decline", () => {
    const decision = finalDecision([{ text: "you are useless", intent: "track_order", confidence: 0.9 }]);
    expect(decision).toMatchObject({ escalate: true, reason: "negative_sentiment", mandatory: false });
  });

  it("keeps a question about the cancellation fee with the assistant", () => {
    const decision = finalDecision([{ text: "how much is it to cancel my order", intent: "check_cancellation_fee", confidence: 0.9 }]);
    expect(decision.escalate).toBe(false);
  });

  it("keeps the assistant's own routing for a compatible intent (close my account → delete_account)", () => {
    const custom = defaultConfig();
    custom.routing.intentTeams.delete_account = "priority";
    const decision = finalDecision([{ text: "close my account", intent: "delete_account", confidence: 0.9 }], { config: custom });
    expect(decision).toMatchObject({ escalate: true, reason: "priority_intent", team: "priority" });
  });

  it("takes what a category does from the config", () => {
    const custom = defaultConfig();
    custom.policy.signalActions.legal = {
      reason: "always_human",
      intent: "complaint",
      unlessIntents: [],
      compatibleIntents: [],
      describe: "mentions a lawyer",
      negatable: true,
    };
    custom.routing.intentTeams.complaint = "priority";
    const decision = finalDecision([{ text: "my lawyer will hear about this" }], { config: custom });
    expect(decision).toMatchObject({ reason: "always_human", team: "priority", explanation: 'Customer mentions a lawyer: "lawyer".' });
    delete custom.policy.signalActions.legal;
    custom.policy.alwaysHumanTopics = {};
    expect(finalDecision([{ text: "my lawyer will hear about this" }], { config: custom }).escalate).toBe(false);
  });

  it("needs a word for a person or a way to reach one before trusting a human-request intent", () => {
    expect(
      finalDecision([{ text: "I want to know about the referral offers", intent: "contact_human_agent", confidence: 0.95 }]).escalate,
    ).toBe(false);
    expect(finalDecision([{ text: "when are you open for calls", intent: "contact_customer_service", confidence: 0.8 }])).toMatchObject({
      escalate: true,
      reason: "explicit_request",
    });
  });

  it("trusts a one-word message only when it is signal vocabulary", () => {
    expect(finalDecision([{ text: "Cancellation", intent: "cancel_order", confidence: 0.86 }])).toMatchObject({
      escalate: true,
      team: "retention",
    });
    // CANCEL alone is a control word: with nothing waiting the assistant asks what they need.
    expect(finalDecision([{ text: "Cancel", intent: "cancel_order", confidence: 0.86 }])).toMatchObject({ escalate: false, clarify: true });
    expect(finalDecision([{ text: "Haircare", intent: "cancel_order", confidence: 0.93 }])).toMatchObject({
      escalate: false,
      clarify: true,
    });
  });
});

describe("a model's judgement (assistant.kind openai-compatible): a signal after the rules", () => {
  const config = defaultConfig();
  const calm = { intent: "delivery_options", confidence: 0.9, sentiment: 0, entities: {} };
  const decide = (text: string, judgement: Parameters<typeof firstMessageSignals>[1]["judgement"], extra = {}) =>
    decideEscalation({ ...firstMessageSignals(text, { ...calm, judgement }), ...extra }, policyConfigs(config));

  it("escalates on the model's call when no rule fired: optional, routed by the rules, decided by the model", () => {
    const decision = decide("do you deliver to Lima?", { decision: "escalate", reason: "negative_sentiment" });
    expect(decision).toMatchObject({ escalate: true, reason: "negative_sentiment", mandatory: false, decidedBy: "model" });
    expect(decision.team).toBe(decideEscalation(firstMessageSignals("do you deliver to Lima?", calm), policyConfigs(config)).team);
    expect(decision.explanation).toMatch(/model judged/);
  });

  it("never turns a model's call into a mandatory escalation, even for a mandatory reason", () => {
    expect(decide("do you deliver to Lima?", { decision: "escalate", reason: "money_threshold" })).toMatchObject({
      escalate: true,
      mandatory: false,
      decidedBy: "model",
    });
  });

  it("cannot cancel a rule: continue leaves a mandatory escalation as the rules decided it", () => {
    const text = "my lawyer will hear about this";
    const rules = decideEscalation(firstMessageSignals(text, calm), policyConfigs(config));
    const judged = decide(text, { decision: "continue", reason: null });
    expect(rules).toMatchObject({ escalate: true, mandatory: true, decidedBy: "rule" });
    expect(judged).toEqual(rules);
  });

  it("gives way to a rule that fired: the rule's reason and source stand", () => {
    const decision = decide("my lawyer will hear about this", { decision: "escalate", reason: "negative_sentiment" });
    expect(decision).toMatchObject({ reason: "always_human", decidedBy: "rule", mandatory: true });
  });

  it.each([
    ["offer", { decision: "offer" as const, reason: "low_confidence" as const }],
    ["continue", { decision: "continue" as const, reason: null }],
    ["a reason outside the policy", { decision: "escalate" as const, reason: "vip_override" as never }],
    ["escalate without a reason", { decision: "escalate" as const, reason: null }],
  ])("hands nothing over on %s", (_, judgement) => {
    expect(decide("do you deliver to Lima?", judgement)).toMatchObject({ escalate: false, reason: null });
  });

  it("stays quiet on a reason the customer declined, except a request for a person", () => {
    expect(
      decide("do you deliver to Lima?", { decision: "escalate", reason: "negative_sentiment" }, { declinedReasons: ["negative_sentiment"] })
        .escalate,
    ).toBe(false);
    expect(
      decide("do you deliver to Lima?", { decision: "escalate", reason: "explicit_request" }, { declinedReasons: ["explicit_request"] })
        .escalate,
    ).toBe(true);
  });
});
