import { describe, expect, it } from "vitest";
import type { Conversation, TranscriptEntry } from "../../src/domain/conversation.js";
import type { Escalation } from "../../src/domain/escalation.js";
import { policySchema } from "../../src/config/schema.js";
import { buildContextPackage, mainIntent, type ContextPackageInput } from "../../src/engine/context-package.js";

const T0 = Date.UTC(2026, 10, 17, 9, 30);
const MASK_ALL = { maskCards: true, maskEmails: true, maskPhones: true };
const TOPICS = {
  legal: ["lawyer", "sue you"],
  safety: ["burned", "caught fire"],
};

let seq = 0;
const customer = (text: string, intent: string, confidence: number, at = T0 - 60_000): TranscriptEntry => ({
  id: `m${++seq}`,
  author: "customer",
  text,
  at,
  intent,
  confidence,
  sentiment: 0,
});
const bot = (text: string, at = T0 - 50_000): TranscriptEntry => ({ id: `b${++seq}`, author: "bot", text, at });
const tried = (actions: NonNullable<TranscriptEntry["actions"]>, at = T0 - 55_000): TranscriptEntry => ({
  id: `s${++seq}`,
  author: "system",
  text: `Assistant tried ${actions.map((a) => a.result).join("; ")}`,
  at,
  actions,
});

function conversation(transcript: TranscriptEntry[]): Conversation {
  return {
    id: "conv_1",
    version: 1,
    channel: "whatsapp",
    customer: {
      address: "whatsapp:447700900123@c.us",
      name: "Maria Lopez",
      phone: "+447700900123",
      tier: "standard",
      pastConversations: 0,
    },
    state: "queued",
    transcript,
    escalations: [],
    botMisses: 0,
    toolFailures: 0,
    declinedReasons: [],
    createdAt: T0 - 120_000,
    updatedAt: T0,
  };
}

function escalation(overrides: Partial<Escalation> = {}): Escalation {
  return {
    id: "esc_1",
    reason: "priority_intent",
    explanation: "Customer wants to cancel an order, which a person handles first.",
    team: "retention",
    priority: "high",
    level: 1,
    mandatory: true,
    createdAt: T0,
    ...overrides,
  };
}

/** The shipped confidence threshold, and no always-human topics or intents unless a test names them. */
const { humanRequestIntents, smallTalkIntents } = policySchema.parse({});
const POLICY: ContextPackageInput["policy"] = {
  confidenceThreshold: 0.55,
  alwaysHumanTopics: {},
  alwaysHumanIntents: [],
  humanRequestIntents,
  smallTalkIntents,
};

const build = (
  transcript: TranscriptEntry[],
  esc: Partial<Escalation> = {},
  extra: { policy?: Partial<ContextPackageInput["policy"]> } = {},
) =>
  buildContextPackage({
    conversation: conversation(transcript),
    escalation: escalation(esc),
    claimWithinMinutes: 5,
    mask: MASK_ALL,
    policy: { ...POLICY, ...extra.policy },
  });

/** The demo's cancellation: a greeting, then the request with the order and a reason; the assistant looked the order up. */
const cancellation = (): TranscriptEntry[] => [
  customer("hi!", "greeting", 0.98, T0 - 120_000),
  bot("Hi! I'm the Acme Store assistant.", T0 - 119_000),
  customer("I want to cancel my order 100311, I found it cheaper elsewhere", "cancel_order", 0.93),
  tried([{ action: "order_lookup", ok: true, result: "Order 100311: processing, ETA 2026-11-26, 42.50 USD" }]),
];

describe("the context package's words", () => {
  it("speaks to the customer in the second person, with the known order inline", () => {
    const pkg = build(cancellation());
    expect(pkg.suggestedOpening).toBe(
      "Hi Maria, thanks for waiting. I can see you'd like to cancel order 100311, and I've read everything you told our assistant, so you won't need to repeat anything.",
    );
    const track = build([customer("where is my parcel? it's been two weeks", "track_order", 0.9)], { reason: "negative_sentiment" });
    expect(track.suggestedOpening).toContain("I can see you'd like to know where your order is,");
    const leaving = build([customer("please delete my account for good", "delete_account", 0.9)]);
    expect(leaving.suggestedOpening).toContain("you'd like to delete your account,");
    // About the customer, the card keeps the third person.
    expect(leaving.summary).toMatch(/^Maria Lopez wants to delete their account\./);
    for (const pkg of [track, leaving]) expect(pkg.suggestedOpening).not.toMatch(/\btheir\b/);
  });

  it("summarises what they want, what the assistant tried, and their own words, without repeating why it escalated", () => {
    const pkg = build(cancellation());
    expect(pkg.intent).toBe("cancel_order");
    expect(pkg.headline).toBe("Maria Lopez wants to cancel order 100311");
    expect(pkg.summary).toBe(
      'Maria Lopez wants to cancel order 100311. The assistant tried order lookup (Order 100311: processing, ETA 2026-11-26, 42.50 USD). They said: "I want to cancel my order 100311, I found it cheaper elsewhere".',
    );
    expect(pkg.summary).not.toMatch(/because|handles first|\(ok\)/);
  });

  it("does not claim an intent the assistant was unsure of, and names the topics of an always-human escalation", () => {
    const transcript = [customer("The kettle burned my hand and I have called a lawyer about my refund", "track_refund", 0.51)];
    const legal = {
      reason: "always_human" as const,
      explanation: 'Customer raised a safety matter ("burned"), which always goes to a person.',
      priority: "urgent" as const,
    };
    const pkg = build(transcript, legal, { policy: { confidenceThreshold: 0.55, alwaysHumanTopics: TOPICS } });
    expect(pkg.intent).toBeUndefined();
    expect(pkg.headline).toBe("Maria Lopez raised a legal and safety matter");
    expect(pkg.summary).not.toMatch(/refund is|wants to/);
    expect(pkg.summary).toContain('They said: "The kettle burned my hand and I have called a lawyer about my refund".');
    // Nothing about the topic is put in the customer's mouth.
    expect(pkg.suggestedOpening).toBe(
      "Hi Maria, thanks for waiting. I've read everything you told our assistant, so you won't need to repeat anything.",
    );

    // Without the configured topics it still says nothing wrong.
    expect(build(transcript, legal).headline).toBe("Maria Lopez raised a matter that always goes to a person");
    // Nor does a confident intent that is not why a person is needed; an always-human intent is.
    const confident = [customer("I burned my hand on the kettle, where is my refund", "track_refund", 0.9)];
    const unsure = build(confident, legal);
    expect(unsure.headline).toBe("Maria Lopez raised a matter that always goes to a person");
    expect(unsure.suggestedOpening).not.toContain("you'd like to");
    expect(unsure.suggestedNextStep).toBe("Read the key messages first: this topic needs a person's judgement.");
    const complaint = build([customer("I want to make a formal complaint about order 100311", "complaint", 0.9)], legal, {
      policy: { alwaysHumanTopics: {}, alwaysHumanIntents: ["complaint"] },
    });
    expect(complaint.headline).toBe("Maria Lopez wants to make a complaint about order 100311");
    // At or above the threshold the intent counts.
    expect(build(transcript, { reason: "negative_sentiment" }, { policy: { confidenceThreshold: 0.5 } }).headline).toBe(
      "Maria Lopez wants to know where their refund is",
    );
    expect(mainIntent(conversation(transcript), 0.55, POLICY)).toBeUndefined();
    expect(mainIntent(conversation(transcript), 0, POLICY)).toBe("track_refund");
  });

  it("lists each distinct attempt once, with what came of it", () => {
    const timeout = { action: "order_lookup", ok: false, failed: true, result: "Order lookup for 100311 timed out" };
    const pkg = build(
      [
        customer("where is order 100311?", "track_order", 0.9),
        tried([timeout]),
        customer("where is order 100311??", "track_order", 0.9),
        tried([timeout, { action: "refund_policy_check", ok: false, result: "Refund not allowed for order 100311: shipped" }]),
      ],
      { reason: "tool_failure" },
    );
    expect(pkg.summary).toContain(
      "The assistant tried order lookup (failed 2 times: Order lookup for 100311 timed out) and refund policy check (Refund not allowed for order 100311: shipped).",
    );
    expect(build([customer("HUMAN", "contact_human_agent", 1)], { reason: "explicit_request" }).summary).toBe(
      "Maria Lopez wants to talk to a person. The assistant handed over straight away.",
    );
  });

  it("quotes the last thing they said before the handover, masked, and not keywords or what came after", () => {
    const pkg = build(
      [
        customer("my card 4111 1111 1111 1111 was charged twice, email me at maria@example.com", "payment_issue", 0.9),
        customer("HUMAN", "contact_human_agent", 1),
        customer("hello?? is anyone there", "none", 0.2, T0 + 60_000),
      ],
      { reason: "explicit_request" },
    );
    expect(pkg.summary).toContain('They said: "my card [card •••• 1111] was charged twice, email me at m•••@example.com".');
    expect(pkg.summary).not.toContain("anyone there");
  });

  it("suggests a next step that builds on what the card already knows", () => {
    expect(build(cancellation()).suggestedNextStep).toBe(
      "Order 100311 is processing (ETA 2026-11-26, 42.50 USD). Respond to the reason they gave, offer one alternative, then cancel if they still want to.",
    );
    expect(build([customer("I'd like to cancel order 100311 please", "cancel_order", 0.9)]).suggestedNextStep).toBe(
      "Look up order 100311. Respond to the reason they gave, offer one alternative, then cancel if they still want to.",
    );
    expect(build([customer("I want to cancel my order", "cancel_order", 0.9)]).suggestedNextStep).toMatch(/^Ask which order/);
    expect(build([customer("HUMAN", "contact_human_agent", 1)], { reason: "explicit_request" }).suggestedNextStep).toBe(
      "Read their last messages; if they haven't said what they need, ask one open question.",
    );
  });

  it("carries the full phone number only for a call back, and masks the transcript all the same", () => {
    const transcript = [customer("call me back on +44 7700 900123 please, about order 100311", "cancel_order", 0.9)];
    const plain = build(transcript);
    expect(plain.customer.callbackPhone).toBeUndefined();
    expect(JSON.stringify(plain)).not.toMatch(/7700 ?900 ?123/);

    const callback = build(transcript, { callback: true });
    expect(build([customer("CALLBACK", "none", 0)], { reason: "explicit_request", callback: true }).headline).toBe(
      "Maria Lopez asked for a call back",
    );
    expect(callback.customer.callbackPhone).toBe("+447700900123");
    expect(callback.customer.maskedPhone).toBe("+44 •••• ••• 123");
    const { callbackPhone: _, ...rest } = callback.customer;
    expect(JSON.stringify({ ...callback, customer: rest })).not.toMatch(/7700 ?900 ?123/);
    expect(callback.transcript[0]!.text).toBe(plain.transcript[0]!.text);
  });
});

describe("the customer's language in the context package", () => {
  const portuguese = { code: "pt", name: "Portuguese", script: "Latn" };
  const english = { code: "en", name: "English", script: "Latn" };

  it("says which language they write in, who on the team speaks it, and marks the lines where it changes", () => {
    const transcript = [
      { ...customer("oi quero cancelar meu pedido", "cancel_order", 0.9, T0 - 90_000), language: portuguese },
      bot("I'm bringing in a colleague.", T0 - 89_000),
      customer("ok", "none", 0.1, T0 - 80_000),
      { ...customer("ainda estou esperando a resposta", "none", 0.2, T0 - 70_000), language: portuguese },
      { ...customer("sorry can you do it in english", "none", 0.2, T0 - 60_000), language: english },
    ];
    const context = buildContextPackage({
      conversation: { ...conversation(transcript), language: english },
      escalation: escalation(),
      claimWithinMinutes: 5,
      mask: MASK_ALL,
      policy: POLICY,
      speakersOfLanguage: ["U0AGENT02"],
    });
    expect(context.customer.language).toEqual(english);
    expect(context.speakersOfLanguage).toEqual(["U0AGENT02"]);
    expect(context.transcript.map((line) => line.language)).toEqual(["Portuguese", undefined, undefined, undefined, "English"]);
  });

  it("says nothing of a language not yet identified", () => {
    const context = build(cancellation());
    expect(context.customer.language).toBeUndefined();
    expect(context.speakersOfLanguage).toBeUndefined();
    expect(context.transcript.every((line) => line.language === undefined)).toBe(true);
  });
});
