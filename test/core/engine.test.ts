import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createSimulationChannels, type SimulationLog } from "../../channels/simulation/simulation-channels.js";
import { createAssistantFromConfig } from "../../src/assistant/from-config.js";
import { loadConfigFile } from "../../src/config/load-config.js";
import type { WarmlineConfig } from "../../src/config/schema.js";
import type { Conversation } from "../../src/domain/conversation.js";
import { WarmlineError } from "../../src/domain/errors.js";
import { SURVEY_EXPIRES_AFTER_MS, createEngine, type Engine } from "../../src/engine/engine.js";
import { createSilentLogger } from "../../src/logging.js";
import type { Assistant } from "../../src/ports/assistant.js";
import type { ConversationStore } from "../../src/ports/conversation-store.js";
import type { WarmlineStore } from "../../src/ports/outbox.js";
import { SHIPPED_CONFIG_FILE } from "../../src/paths.js";
import { createMemoryStore } from "../../src/store/memory-store.js";
import { type CustomerReplies, loadCustomerReplies, type MessageKey } from "../../src/languages/customer-replies.js";

// Tuesday 17 November 2026, 11:00 in London: inside every team's business hours.
const OPEN_HOURS = Date.UTC(2026, 10, 17, 11, 0);
// The same Tuesday at 22:00 in London: only after every team has closed (priority closes at 22:00).
const AFTER_HOURS = Date.UTC(2026, 10, 17, 22, 30);
const SAM = { id: "slack:U0SAM0001", name: "Sam" };
const ALEX = { id: "slack:U0ALEX001", name: "Alex" };

let assistant: Assistant;
let config: WarmlineConfig;

beforeAll(async () => {
  config = loadConfigFile(SHIPPED_CONFIG_FILE);
  assistant = await createAssistantFromConfig(config, { clock: { now: () => OPEN_HOURS } });
});

interface World {
  engine: Engine;
  store: WarmlineStore;
  log: SimulationLog;
  now: { value: number };
  say(text: string, from?: string): Promise<void>;
  conversation(from?: string): ReturnType<ConversationStore["findActiveByCustomer"]>;
  lastReply(): string | undefined;
}

async function world(overrides: (c: WarmlineConfig) => WarmlineConfig = (c) => c, start = OPEN_HOURS): Promise<World> {
  const now = { value: start };
  const clock = { now: () => now.value };
  const store = await createMemoryStore({ clock });
  const { customers, workspace, log } = createSimulationChannels();
  const engine = createEngine({
    config: overrides(structuredClone(config)),
    store,
    assistant,
    customers,
    workspace,
    clock,
    logger: createSilentLogger(),
  });
  let id = 0;
  return {
    engine,
    store,
    log,
    now,
    async say(text, from = "+447700900123") {
      now.value += 1000;
      await engine.handleInboundMessage({
        messageId: `m${++id}`,
        address: `sim:${from}`,
        channel: "simulation",
        customerName: "Dana Whitfield",
        phone: from,
        text,
        receivedAt: now.value,
      });
    },
    conversation: (from = "+447700900123") => store.findActiveByCustomer(`sim:${from}`),
    lastReply: () => log.toCustomer.at(-1)?.text,
  };
}

/** A cancellation (mandatory, Customer Care) that Sam has claimed; `replies`: what the customer has had so far. */
async function cancellationClaimedBySam() {
  const w = await world();
  await w.say("I want to cancel my order 100311");
  const id = (await w.conversation())!.id;
  await w.engine.claim(id, SAM);
  await w.engine.drain();
  return { w, id, replies: w.log.toCustomer.length };
}

describe("engine: escalation triggers, multi-turn", () => {
  let w: World;
  beforeEach(async () => {
    w = await world();
  });

  it("escalates a human request on the first ask, to support; the customer may change their mind, so it is not mandatory", async () => {
    await w.say("can i speak to a real person please");
    const c = await w.conversation();
    expect(c?.state).toBe("queued");
    expect(c?.escalations[0]).toMatchObject({ reason: "explicit_request", team: "support", mandatory: false, level: 1 });
    expect(w.log.cards).toHaveLength(1);
    expect(w.lastReply()).toMatch(/bringing in a colleague from our Support team/);
  });

  it("asks to clarify noise first, and escalates as low_confidence after the second miss", async () => {
    await w.say("asdfgh");
    expect((await w.conversation())?.state).toBe("bot");
    expect(w.lastReply()).toBe(
      `Hi! I'm the Acme Store assistant. Ask me anything, or type HUMAN at any time to reach a person.\n\n${config.messages.clarify}`,
    );
    await w.say("🙃🙃🙃");
    const c = await w.conversation();
    expect(c?.state).toBe("queued");
    expect(c?.escalations[0]?.reason).toBe("low_confidence");
    expect(c?.escalations[0]?.mandatory).toBe(false);
    expect(w.lastReply()).toMatch(/reply BOT/);
  });

  it("escalates when the customer rephrases the same need three times", async () => {
    await w.say("I can't log into my account, the password doesn't work");
    expect((await w.conversation())?.state).toBe("bot");
    await w.say("my password isn't working and I can't log in to my account");
    expect((await w.conversation())?.state).toBe("bot");
    await w.say("I can't log into the account, password not working");
    const c = await w.conversation();
    expect(c?.state).toBe("queued");
    expect(c?.escalations[0]?.reason).toBe("repeated_failure");
  });

  it("escalates a $250 refund against a $100 limit as money_threshold, and says so", async () => {
    await w.say("I want a refund of $250 for order 100245, it arrived broken");
    const c = await w.conversation();
    expect(c?.escalations[0]?.reason).toBe("money_threshold");
    expect(c?.escalations[0]?.team).toBe("billing");
    expect(c?.escalations[0]?.explanation).toMatch(/\$250\.00.*\$100\.00/);
  });

  it("sends cancellations to retention and complaints to a person at once", async () => {
    await w.say("please cancel my order 100311");
    expect((await w.conversation())?.escalations[0]).toMatchObject({ reason: "priority_intent", team: "retention" });
    await w.say("I want to file a formal complaint about your service", "+15550100999");
    expect((await w.conversation("+15550100999"))?.escalations[0]?.reason).toBe("always_human");
  });

  it("routes VIP customers to the priority lane", async () => {
    const vip = await world((c) => ({ ...c, customers: { vip: ["+447700900123"] } }));
    await vip.say("I need to talk to someone about my invoice");
    const c = await vip.conversation();
    expect(c?.customer.tier).toBe("vip");
    expect(c?.escalations[0]?.team).toBe("priority");
  });

  it("answers ordinary questions without escalating", async () => {
    await w.say("where is my order 100298?");
    const c = await w.conversation();
    expect(c?.state).toBe("bot");
    expect(w.log.cards).toHaveLength(0);
    expect(w.lastReply()).toBeTruthy();
  });
});

describe("engine: customer control and bad input", () => {
  it("lets the customer decline an optional escalation with BOT, and not a mandatory one", async () => {
    const w = await world();
    await w.say("asdfgh");
    await w.say("qwrtzp");
    expect((await w.conversation())?.state).toBe("queued");
    await w.say("BOT");
    let c = await w.conversation();
    expect(c?.state).toBe("bot");
    expect(c?.declinedReasons).toContain("low_confidence");

    await w.say("I want to cancel my order 100311");
    c = await w.conversation();
    expect(c?.state).toBe("queued");
    expect(c?.escalations.at(-1)).toMatchObject({ reason: "priority_intent", mandatory: true, team: "retention" });
    await w.say("bot");
    expect((await w.conversation())?.state).toBe("queued");
    expect(w.lastReply()).toBe(
      "A colleague from our Customer Care team needs to handle this, so I'll keep you in line. Reply CANCEL if you no longer need them.",
    );
  });

  it("lets a customer who asked for a person change their mind with BOT, and ask again with HUMAN", async () => {
    const w = await world();
    await w.say("HUMAN");
    expect((await w.conversation())?.escalations[0]).toMatchObject({ reason: "explicit_request", mandatory: false });
    await w.say("BOT");
    let c = await w.conversation();
    expect(c?.state).toBe("bot");
    expect(c?.escalations[0]?.outcome).toBe("returned_to_bot");
    expect(w.lastReply()).toBe("You're back with the assistant. Type HUMAN at any time to reach a person again.");
    expect(w.log.toCustomer.some((m) => m.text.includes("needs to handle this"))).toBe(false);

    await w.say("HUMAN");
    c = await w.conversation();
    expect(c?.state).toBe("queued");
    expect(c?.escalations).toHaveLength(2);
    expect(c?.escalations[1]).toMatchObject({ reason: "explicit_request", mandatory: false });
  });

  it("on a claimed mandatory escalation BOT is not refused with 'keep you in line': the agent is told in the thread", async () => {
    const { w, id, replies } = await cancellationClaimedBySam();
    await w.say("BOT");
    expect((await w.store.get(id))?.state).toBe("assigned");
    expect(w.log.toCustomer).toHaveLength(replies);
    const posts = w.log.threadPosts.slice(-2).map((p) => p.post);
    expect(posts[0]).toMatchObject({ kind: "customer_message", text: "BOT" });
    expect(posts[1]).toMatchObject({ kind: "system_note", text: expect.stringContaining("asked to go back to the assistant") });
  });

  it("withdraws a queued escalation on CANCEL and records the abandonment", async () => {
    const w = await world();
    await w.say("agent please");
    await w.say("CANCEL");
    const c = await w.conversation();
    expect(c?.state).toBe("bot");
    expect(c?.escalations[0]?.outcome).toBe("abandoned");
    expect((await w.store.listAudit(c!.id)).map((a) => a.action)).toContain("abandoned");
    expect(w.log.cardUpdates.at(-1)?.status.kind).toBe("abandoned");
  });

  it("takes a redelivered message once", async () => {
    const w = await world();
    const message = {
      messageId: "dup-1",
      address: "sim:+1555",
      channel: "simulation",
      phone: "+1555",
      text: "hello",
      receivedAt: OPEN_HOURS,
    };
    await Promise.all([
      w.engine.handleInboundMessage(message),
      w.engine.handleInboundMessage(message),
      w.engine.handleInboundMessage(message),
    ]);
    const c = await w.store.findActiveByCustomer("sim:+1555");
    expect(c?.transcript.filter((e) => e.author === "customer")).toHaveLength(1);
    expect(w.log.toCustomer).toHaveLength(1);
  });

  it.each([
    ["empty", ""],
    ["100 kB", "where is my order ".repeat(6000)],
    ["binary", "\u0000\u0001\u0002\uFFFD\uD83D garbage \u0007"],
    ["emoji only", "😡😡😡🔥"],
    ["mixed scripts", "Здравствуйте 你好 مرحبا where is order 100298"],
  ])("never crashes or loses a message on %s input", async (_label, text) => {
    const w = await world();
    await w.say(text);
    const c = await w.conversation();
    expect(c?.transcript.find((e) => e.author === "customer")?.text).toBe(text);
    expect(w.log.toCustomer.length).toBeGreaterThan(0);
  });
});

describe("engine: CANCEL and 'cancel my order'", () => {
  it("a bare CANCEL with nothing waiting goes to the assistant as an ordinary message", async () => {
    const w = await world();
    await w.say("CANCEL");
    const c = (await w.conversation())!;
    expect(c.state).toBe("bot");
    expect(c.transcript.find((e) => e.author === "customer")).toMatchObject({ text: "CANCEL", intent: "cancel_order" });
    // A single word is too little to act on (routing/noise.ts), so the policy asks what they need.
    expect(w.lastReply()).toBe(
      `Hi! I'm the Acme Store assistant. Ask me anything, or type HUMAN at any time to reach a person.\n\n${config.messages.clarify}`,
    );
    await w.say("cancel my order 100311");
    expect((await w.conversation())?.escalations[0]).toMatchObject({ reason: "priority_intent", team: "retention" });
  });

  it("while queued for a cancellation, 'cancel my order' is a message for the team; CANCEL alone withdraws and says how to come back", async () => {
    const w = await world();
    await w.say("I want to cancel my order 100311");
    const id = (await w.conversation())!.id;
    expect((await w.store.get(id))?.escalations[0]).toMatchObject({ reason: "priority_intent", team: "retention" });

    await w.say("cancel my order please, it's 100311");
    let c = (await w.store.get(id))!;
    expect(c.state).toBe("queued");
    expect(c.escalations[0]?.outcome).toBeUndefined();
    expect(w.log.threadPosts.at(-1)?.post).toMatchObject({ kind: "customer_message", text: "cancel my order please, it's 100311" });
    expect(w.lastReply()).toBe(
      "Got it, I've added that for our Customer Care team, so they'll see it when they pick this up. Reply CALLBACK for a call back instead.",
    );

    await w.say("Cancel!");
    c = (await w.store.get(id))!;
    expect(c.state).toBe("bot");
    expect(c.escalations[0]?.outcome).toBe("abandoned");
    expect((await w.store.listAudit(id)).map((a) => a.action)).toContain("abandoned");
    expect(w.lastReply()).toBe(
      "No problem, I've withdrawn your request for a person, and nothing else has changed. You're back with me: reply HUMAN whenever you'd like a person again.",
    );
  });
});

describe("engine: messages while waiting in line are acknowledged, at most once per policy.stillQueuedEveryMinutes", () => {
  const MINUTE = 60_000;
  const acks = (c: { transcript: { author: string; text: string }[] }) =>
    c.transcript.filter((e) => e.author === "system" && e.text.startsWith("Got it")).length;

  it("says 'got it' to the first message, not to the next ones within N minutes, and again after N minutes", async () => {
    const w = await world();
    await w.say("I want to cancel my order 100311");
    const handoff = w.lastReply();
    await w.say("it was a birthday present");
    expect(w.lastReply()).toBe(
      "Got it, I've added that for our Customer Care team, so they'll see it when they pick this up. Reply CALLBACK for a call back instead.",
    );
    const replies = w.log.toCustomer.length;
    await w.say("hello?");
    await w.say("HUMAN");
    expect(w.log.toCustomer).toHaveLength(replies);
    // Every message still reached the thread.
    expect(w.log.threadPosts.filter((p) => p.post.kind === "customer_message").map((p) => (p.post as { text: string }).text)).toEqual([
      "it was a birthday present",
      "hello?",
      "HUMAN",
    ]);
    w.now.value += 10 * MINUTE;
    await w.say("HUMAN");
    expect(w.log.toCustomer).toHaveLength(replies + 1);
    expect(w.lastReply()).toMatch(/^Got it/);
    expect(handoff).not.toMatch(/^Got it/);
  });

  it("keeps quiet once an agent has claimed: the agent is talking to them", async () => {
    const { w, id, replies } = await cancellationClaimedBySam();
    await w.say("thanks Sam, the order is 100311");
    expect(w.log.toCustomer).toHaveLength(replies);
    expect(acks((await w.store.get(id))!)).toBe(0);
  });

  it("after hours says when the team opens; on a call back request says they'll see it before calling", async () => {
    const w = await world(undefined, AFTER_HOURS);
    await w.say("I want to cancel my order 100311");
    await w.say("the order is 100311");
    expect(w.lastReply()).toBe(
      "Got it, I've added that for our Customer Care team, so they'll see it when they open tomorrow at 09:00 GMT. Reply CALLBACK for a call back then.",
    );

    const v = await world();
    await v.say("CALLBACK");
    await v.say("my number is the one I'm writing from");
    expect(v.lastReply()).toBe("Got it, I've added that for our Support team, so they'll see it before they call you back.");
  });

  it("keeps the rate limit on the escalation: another instance (or a restart) on the same store does not repeat it", async () => {
    const w = await world();
    await w.say("I want to cancel my order 100311");
    await w.say("it was a birthday present");
    const id = (await w.conversation())!.id;
    expect((await w.store.get(id))!.escalations[0]?.acknowledgedAt).toBe(w.now.value);
    const other = createEngine({
      config,
      store: w.store,
      assistant,
      ...createSimulationChannels(),
      clock: { now: () => w.now.value },
      logger: createSilentLogger(),
    });
    const from = { address: "sim:+447700900123", channel: "simulation", phone: "+447700900123" };
    w.now.value += 5 * MINUTE;
    await other.handleInboundMessage({ ...from, messageId: "other-1", text: "any news?", receivedAt: w.now.value });
    expect(acks((await w.store.get(id))!)).toBe(1);
    w.now.value += 5 * MINUTE;
    await other.handleInboundMessage({ ...from, messageId: "other-2", text: "still there?", receivedAt: w.now.value });
    expect(acks((await w.store.get(id))!)).toBe(2);
    await other.drain();
  });

  it("takes N from policy.stillQueuedEveryMinutes", async () => {
    const w = await world((c) => ({ ...c, policy: { ...c.policy, stillQueuedEveryMinutes: 2 } }));
    await w.say("I want to cancel my order 100311");
    await w.say("one");
    w.now.value += 2 * MINUTE;
    await w.say("two");
    expect(acks((await w.conversation())!)).toBe(2);
  });
});

describe("engine: release names who stepped away and the team", () => {
  it("tells the customer the agent's name and the team they're back in line for", async () => {
    const w = await world(({ ...c }) => ({ ...c, slack: { ...c.slack, admins: ["U0ADMIN01"] } }));
    await w.say("I want to cancel my order 100311");
    const id = (await w.conversation())!.id;
    await w.engine.claim(id, SAM);
    await w.engine.release(id, SAM);
    await w.engine.drain();
    expect(w.lastReply()).toBe(
      "Sam has had to step away, so I've put you back in line for the next person from our Customer Care team. They'll see everything so far.",
    );
    // An admin releasing for the claimant: the customer hears the claimant's name.
    await w.engine.claim(id, ALEX);
    await w.engine.release(id, { id: "slack:U0ADMIN01", name: "Olivia" });
    await w.engine.drain();
    expect(w.lastReply()).toMatch(/^Alex has had to step away/);
  });
});

describe("engine: the placeholders every message may use", () => {
  it("fills {cancel} and {wait} with the words in the customer's language", async () => {
    const w = await world((c) => ({
      ...c,
      messages: { ...c.messages, greeting: "Type {human}, {bot}, {cancel}, {callback} or {wait}." },
      languages: { es: { messages: { greeting: "Escriba {human}, {bot}, {cancel}, {callback} o {wait}." } } },
    }));
    await w.say("BOT");
    expect(w.lastReply()).toBe("Type HUMAN, BOT, CANCEL, CALLBACK or WAIT.");
    await w.say("esperar");
    expect(w.lastReply()).toBe("Escriba HUMANO, BOT, CANCELAR, LLAMADA o ESPERAR.");
  });
});

describe("engine: agent actions", () => {
  async function escalated() {
    const w = await world();
    await w.say("I want to cancel my order 100311");
    const c = (await w.conversation())!;
    return { w, id: c.id, thread: w.log.cards[0]!.thread };
  }

  it("gives a claim to exactly one of 20 concurrent agents and tells the customer who joined", async () => {
    const { w, id } = await escalated();
    const agents = Array.from({ length: 20 }, (_, i) => ({ id: `slack:U0AGENT${String(i).padStart(2, "0")}`, name: `Agent ${i}` }));
    const results = await Promise.all(agents.map((a) => w.engine.claim(id, a)));
    const winners = results.filter((r) => r.ok);
    expect(winners).toHaveLength(1);
    const claimant = (await w.store.get(id))!.assignee!;
    for (const r of results.filter((x) => !x.ok)) expect(r).toEqual({ ok: false, reason: "already_claimed", claimant });
    expect(w.log.toCustomer.filter((m) => m.text.includes("has joined"))).toHaveLength(1);
    expect(w.lastReply()).toMatch(
      new RegExp(`${claimant.name} from our Customer Care team has joined. They can see our conversation so far`),
    );
  });

  it("enforces a team's rota", async () => {
    const w = await world((c) => ({ ...c, teams: { ...c.teams, retention: { ...c.teams.retention!, rota: ["U0SAM0001"] } } }));
    await w.say("cancel order 100311 please");
    const id = (await w.conversation())!.id;
    expect(await w.engine.claim(id, ALEX)).toEqual({ ok: false, reason: "not_on_rota", team: "retention" });
    expect(await w.engine.claim(id, SAM)).toEqual({ ok: true });
  });

  it("relays only the claimant's replies; notes and others stay internal", async () => {
    const { w, id, thread } = await escalated();
    expect(await w.engine.agentReply(thread, SAM, "before claiming", "ref0")).toEqual({ relayed: false, reason: "not_claimant" });
    await w.engine.claim(id, SAM);
    await w.engine.drain();
    const before = w.log.toCustomer.length;
    expect(await w.engine.agentReply(thread, SAM, "Hi Dana, on it", "ref1")).toEqual({ relayed: true });
    expect(await w.engine.agentReply(thread, SAM, "// checking the warehouse", "ref2")).toEqual({
      relayed: false,
      reason: "internal_note",
    });
    expect(await w.engine.agentReply(thread, ALEX, "looks like fraud to me", "ref3")).toEqual({ relayed: false, reason: "not_claimant" });
    // Agent actions return once stored; delivery goes on in the background.
    await w.engine.drain();
    expect(w.log.toCustomer.slice(before).map((m) => m.text)).toEqual(["Hi Dana, on it"]);
    const c = (await w.store.get(id))!;
    expect(c.transcript.filter((e) => e.internal).map((e) => e.text)).toEqual([
      "before claiming",
      "// checking the warehouse",
      "looks like fraud to me",
    ]);
    expect(c.escalations[0]?.firstAgentReplyAt).toBeDefined();
  });

  it("keeps a note whose marker hides behind invisible characters or look-alike slashes", async () => {
    const { w, id, thread } = await escalated();
    await w.engine.claim(id, SAM);
    await w.engine.drain();
    const before = w.log.toCustomer.length;
    for (const [i, text] of [
      "\u200B// pasted from the wiki",
      "\uFEFF\u00A0//customer is on a trial",
      "\uFF0F\uFF0F fullwidth",
      "\u2215\u2215 ask billing",
    ].entries()) {
      expect(await w.engine.agentReply(thread, SAM, text, `note${i}`)).toEqual({ relayed: false, reason: "internal_note" });
    }
    await w.engine.drain();
    expect(w.log.toCustomer.slice(before)).toEqual([]);
  });

  it("puts a released escalation back in the queue", async () => {
    const { w, id } = await escalated();
    await w.engine.claim(id, SAM);
    await w.engine.release(id, SAM);
    expect((await w.store.get(id))?.state).toBe("queued");
    expect(await w.engine.claim(id, ALEX)).toEqual({ ok: true });
  });

  it("transfers with level + 1, the note and a link to the old thread; later messages go to the new thread", async () => {
    const { w, id, thread } = await escalated();
    await w.engine.claim(id, SAM);
    await w.engine.transfer(id, SAM, "billing", "They were double charged too");
    await w.engine.drain();
    const c = (await w.store.get(id))!;
    expect(c.state).toBe("queued");
    expect(c.escalations.map((e) => [e.team, e.level, e.outcome])).toEqual([
      ["retention", 1, "transferred"],
      ["billing", 2, undefined],
    ]);
    const newCard = w.log.cards[1]!;
    expect(newCard.context.escalation).toMatchObject({
      team: "billing",
      level: 2,
      transferNote: "They were double charged too",
      previousThread: thread,
    });
    expect(w.log.cardUpdates.at(-1)).toMatchObject({
      thread,
      status: { kind: "transferred", toTeam: "Billing", newThread: newCard.thread },
    });
    await w.say("any news?");
    expect(w.log.threadPosts.at(-1)).toMatchObject({ thread: newCard.thread, post: { kind: "customer_message", text: "any news?" } });
  });

  it("returns the customer to the bot and tells them how to reach a human again", async () => {
    const { w, id } = await escalated();
    await w.engine.returnToBot(id, SAM);
    await w.engine.drain();
    expect((await w.store.get(id))?.state).toBe("bot");
    expect(w.lastReply()).toBe("You're back with the assistant. Type HUMAN at any time to reach a person again.");
  });

  it("resolves with a 1-5 survey and a yes/no, posts the answers to the thread and stores them", async () => {
    const { w, id, thread } = await escalated();
    await w.engine.claim(id, SAM);
    await w.engine.resolve(id, SAM);
    await w.engine.drain();
    expect(w.lastReply()).toBe(config.messages.survey);
    await w.say("4");
    expect(w.lastReply()).toBe(config.messages.surveyHelped);
    await w.say("yes");
    const c = (await w.store.get(id))!;
    expect(c.survey).toMatchObject({ status: "answered", score: 4, handoverHelped: true });
    expect(w.log.threadPosts.at(-1)).toEqual({ thread, post: { kind: "survey_result", score: 4, handoverHelped: true } });
    expect((await w.store.listAudit(id)).map((a) => a.action)).toEqual(["escalated", "claimed", "resolved", "survey_answered"]);
  });

  it("masks card numbers, emails and phones before they reach the workspace", async () => {
    const { w } = await escalated();
    await w.say("my card 4111 1111 1111 1111 and mail jane@example.com, call +44 7700 900123");
    const post = w.log.threadPosts.at(-1)!.post;
    expect(post).toMatchObject({ kind: "customer_message" });
    const text = (post as { text: string }).text;
    expect(text).not.toMatch(/4111 1111|jane@|900123/);
    expect(text).toMatch(/\[card •••• 1111\].*j•••@example\.com.*\+44 •••• ••• 123/);
  });

  it("reports status per team and forgets a customer completely", async () => {
    const { w, id } = await escalated();
    w.now.value += 60_000;
    const status = await w.engine.status();
    expect(status.find((s) => s.team === "retention")).toMatchObject({ queued: 1, assigned: 0 });
    expect(status.find((s) => s.team === "retention")?.oldestWaitMs).toBeGreaterThanOrEqual(60_000);
    // A message stored but not yet processed (or parked for replay) holds their words too.
    const address = (await w.store.get(id))!.customer.address;
    const text = "my new address is 12 Hill Road";
    const message = { messageId: "late-1", address, channel: "whatsapp", text, receivedAt: w.now.value };
    await w.store.receiveInbox({ id: "whatsapp:late-1", lane: address, message: { kind: "customer_message", message } }, 60_000);
    expect(await w.engine.forgetCustomer("+44 7700 900123", SAM)).toEqual({ conversations: 1 });
    expect(await w.store.get(id)).toBeUndefined();
    expect(await w.store.listAudit(id)).toEqual([]);
    expect(await w.store.listInbox()).toEqual([]);
  });
});

describe("engine: the satisfaction survey takes exact answers only", () => {
  async function surveyed(overrides?: (c: WarmlineConfig) => WarmlineConfig) {
    const w = await world(overrides);
    await w.say("I want to cancel my order 100311");
    const id = (await w.conversation())!.id;
    await w.engine.claim(id, SAM);
    await w.engine.resolve(id, SAM);
    await w.engine.drain();
    let seq = 0;
    /** A WhatsApp message with its own id, sent again as is to replay a redelivery. */
    const message = (text: string, messageId = `survey-${++seq}`) => ({
      messageId,
      address: "sim:+447700900123",
      channel: "simulation",
      phone: "+447700900123",
      text,
      receivedAt: w.now.value,
    });
    return { w, id, message };
  }

  it("reads 'no one told me… where is my refund?' after the score as a new question for the bot, not as 'no'", async () => {
    const { w, id } = await surveyed();
    await w.say("4");
    await w.say("no one told me when the refund arrives, where is my refund?");
    expect((await w.store.get(id))!.survey).toMatchObject({ status: "pending", score: 4 });
    expect((await w.store.get(id))!.survey?.handoverHelped).toBeUndefined();
    const next = (await w.conversation())!;
    expect(next.id).not.toBe(id);
    expect(next.transcript.find((e) => e.author === "customer")?.text).toBe("no one told me when the refund arrives, where is my refund?");
    expect(w.lastReply()).not.toBe(config.messages.surveyThanks);
  });

  it("records the answers in the transcript, accepts 'Yes!' whole, and takes a redelivered answer once", async () => {
    const { w, id, message } = await surveyed();
    const score = message("4");
    await w.engine.handleInboundMessage(score);
    await w.engine.handleInboundMessage(score);
    const yes = message("Yes!");
    await w.engine.handleInboundMessage(yes);
    await w.engine.handleInboundMessage(yes);
    const c = (await w.store.get(id))!;
    expect(c.survey).toMatchObject({ status: "answered", score: 4, handoverHelped: true });
    expect(
      c.transcript
        .filter((e) => e.author === "customer")
        .slice(-2)
        .map((e) => [e.id, e.text]),
    ).toEqual([
      [score.messageId, "4"],
      [yes.messageId, "Yes!"],
    ]);
    expect(w.log.toCustomer.filter((m) => m.text === config.messages.surveyHelped)).toHaveLength(1);
    expect(w.log.toCustomer.filter((m) => m.text === config.messages.surveyThanks)).toHaveLength(1);
    expect((await w.store.listAudit(id)).filter((a) => a.action === "survey_answered")).toHaveLength(1);
    // The redelivered "Yes!" did not start a conversation with the bot either.
    expect(await w.conversation()).toBeUndefined();
  });

  it(`expires after SURVEY_EXPIRES_AFTER_MS: a later "5" is an ordinary message`, async () => {
    const { w, id } = await surveyed();
    w.now.value += SURVEY_EXPIRES_AFTER_MS;
    await w.say("5");
    expect((await w.store.get(id))!.survey?.score).toBeUndefined();
    const next = (await w.conversation())!;
    expect(next.id).not.toBe(id);
    expect(next.transcript.some((e) => e.author === "customer" && e.text === "5")).toBe(true);
  });
});

describe("engine: who may act on a conversation, and on which card", () => {
  const withAdmins = (admins: string[]) => (c: WarmlineConfig) => ({ ...c, slack: { ...c.slack, admins } });

  it("on a claimed conversation only the claimant or an admin may resolve, return, transfer or release", async () => {
    const w = await world(withAdmins(["U0ADMIN01"]));
    await w.say("I want to cancel my order 100311");
    const id = (await w.conversation())!.id;
    await w.engine.claim(id, SAM);
    const refused = { ok: false, reason: "not_claimant", claimant: SAM };
    expect(await w.engine.resolve(id, ALEX)).toEqual(refused);
    expect(await w.engine.returnToBot(id, ALEX)).toEqual(refused);
    expect(await w.engine.transfer(id, ALEX, "billing", "take it")).toEqual(refused);
    expect(await w.engine.release(id, ALEX)).toEqual(refused);
    expect(await w.store.get(id)).toMatchObject({ state: "assigned", assignee: SAM });
    expect(await w.engine.resolve(id, { id: "slack:U0ADMIN01", name: "Olivia" })).toEqual({ ok: true });
    expect((await w.store.get(id))?.state).toBe("resolved");
  });

  it("on a queued conversation only the team's rota (or an admin) may act", async () => {
    const w = await world((c) => ({ ...c, teams: { ...c.teams, retention: { ...c.teams.retention!, rota: ["U0SAM0001"] } } }));
    await w.say("I want to cancel my order 100311");
    const id = (await w.conversation())!.id;
    expect(await w.engine.returnToBot(id, ALEX)).toEqual({ ok: false, reason: "not_on_rota", team: "retention" });
    expect(await w.engine.resolve(id, ALEX)).toEqual({ ok: false, reason: "not_on_rota", team: "retention" });
    expect((await w.store.get(id))?.state).toBe("queued");
    expect(await w.engine.returnToBot(id, SAM)).toEqual({ ok: true });
  });

  it("refuses a card of an earlier escalation: after a transfer it names the current team, after return to bot it resolves nothing", async () => {
    const w = await world();
    await w.say("I want to cancel my order 100311");
    const id = (await w.conversation())!.id;
    const first = (await w.store.get(id))!.escalations[0]!.id;
    await w.engine.claim(id, SAM, first);
    expect(await w.engine.transfer(id, SAM, "billing", "double charged", first)).toEqual({ ok: true });
    const stale = { ok: false, reason: "stale_card", team: "billing" };
    expect(await w.engine.claim(id, ALEX, first)).toEqual(stale);
    expect(await w.engine.resolve(id, SAM, first)).toEqual(stale);
    expect(await w.engine.returnToBot(id, SAM, first)).toEqual(stale);
    expect((await w.store.get(id))?.state).toBe("queued");
    expect((await w.store.get(id))?.assignee).toBeUndefined();

    const second = (await w.store.get(id))!.escalations[1]!.id;
    expect(await w.engine.returnToBot(id, ALEX, second)).toEqual({ ok: true });
    expect(await w.engine.resolve(id, ALEX, first)).toEqual({ ok: false, reason: "not_open" });
    expect(await w.engine.resolve(id, ALEX, second)).toEqual({ ok: false, reason: "not_open" });
    expect(await w.engine.resolve(id, ALEX)).toEqual({ ok: false, reason: "not_open" });
    expect((await w.store.get(id))?.state).toBe("bot");
  });
});

describe("engine: asking whether a transfer would go through (mayTransfer)", () => {
  it("answers as transfer does, refusal for refusal, and changes nothing", async () => {
    const w = await world();
    await w.say("I want to cancel my order 100311");
    const id = (await w.conversation())!.id;
    const first = (await w.store.get(id))!.escalations[0]!.id;
    expect(await w.engine.mayTransfer(id, ALEX, "billing", first)).toEqual({ ok: true });
    await w.engine.claim(id, SAM, first);
    await w.engine.drain();
    const stored = structuredClone(await w.store.get(id));
    const sent = {
      cards: w.log.cards.length,
      updates: w.log.cardUpdates.length,
      posts: w.log.threadPosts.length,
      replies: w.log.toCustomer.length,
    };

    expect(await w.engine.mayTransfer(id, ALEX, "billing", first)).toEqual({ ok: false, reason: "not_claimant", claimant: SAM });
    expect(await w.engine.mayTransfer(id, SAM, "retention", first)).toEqual({ ok: false, reason: "same_team", team: "retention" });
    await expect(w.engine.mayTransfer(id, SAM, "nosuchteam", first)).rejects.toMatchObject({ code: "unknown_team" });
    await expect(w.engine.mayTransfer("conv_gone", SAM, "billing")).rejects.toMatchObject({ code: "conversation_not_found" });
    expect(await w.engine.mayTransfer(id, SAM, "billing", first)).toEqual({ ok: true });
    await w.engine.drain();
    expect(await w.store.get(id)).toEqual(stored);
    expect({
      cards: w.log.cards.length,
      updates: w.log.cardUpdates.length,
      posts: w.log.threadPosts.length,
      replies: w.log.toCustomer.length,
    }).toEqual(sent);

    // The same answers from the real thing.
    expect(await w.engine.transfer(id, ALEX, "billing", "take it", first)).toEqual({ ok: false, reason: "not_claimant", claimant: SAM });
    expect(await w.engine.transfer(id, SAM, "retention", "again", first)).toEqual({ ok: false, reason: "same_team", team: "retention" });
    await expect(w.engine.transfer(id, SAM, "nosuchteam", "lost", first)).rejects.toMatchObject({ code: "unknown_team" });
    expect(await w.engine.transfer(id, SAM, "billing", "double charged", first)).toEqual({ ok: true });

    // Afterwards the old card may transfer nothing; the new one is queued for Billing's rota.
    expect(await w.engine.mayTransfer(id, SAM, "support", first)).toEqual({ ok: false, reason: "stale_card", team: "billing" });
    const second = (await w.store.get(id))!.escalations[1]!.id;
    expect(await w.engine.mayTransfer(id, ALEX, "support", second)).toEqual({ ok: true });
    await w.engine.resolve(id, ALEX, second);
    expect(await w.engine.mayTransfer(id, ALEX, "support", second)).toEqual({ ok: false, reason: "not_open" });
  });
});

describe("engine: second review fixes", () => {
  it("1. CALLBACK while with the bot queues a call back card in the offered team, mandatory, after hours included", async () => {
    const w = await world(undefined, AFTER_HOURS);
    await w.say("asdfgh");
    await w.say("🙃🙃🙃");
    expect((await w.conversation())?.state).toBe("bot");
    await w.say("CALLBACK");
    const c = (await w.conversation())!;
    expect(c.state).toBe("queued");
    expect(c.escalations).toHaveLength(1);
    expect(c.escalations[0]).toMatchObject({
      callback: true,
      mandatory: true,
      reason: "low_confidence",
      team: "support",
      afterHours: true,
    });
    expect(w.log.cards).toHaveLength(1);
    expect(w.log.cards[0]!.context.escalation.callback).toBe(true);
    expect(w.lastReply()).toMatch(/^Done: our Support team opens tomorrow at 08:00 GMT and will call you back then\./);
    // Mandatory: BOT does not withdraw it.
    await w.say("BOT");
    expect((await w.conversation())?.state).toBe("queued");
    expect(w.lastReply()).toBe(
      "A colleague from our Support team needs to handle this, so I'll keep you in line. Reply CANCEL if you no longer need them.",
    );
  });

  it("1. CALLBACK with no offer pending asks for a person (explicit_request); while queued it flags the card and notes the thread", async () => {
    const w = await world();
    await w.say("CALLBACK");
    const c = (await w.conversation())!;
    expect(c.escalations[0]).toMatchObject({ callback: true, mandatory: true, reason: "explicit_request", team: "support" });
    expect(w.lastReply()).toBe(
      "Done: I've asked our Support team to call you back as soon as someone is free. They'll see everything we've discussed.",
    );

    const v = await world();
    await v.say("I want to cancel my order 100311");
    await v.say("CALLBACK");
    expect((await v.conversation())?.escalations[0]?.callback).toBe(true);
    expect(v.log.cardUpdates.at(-1)).toMatchObject({ thread: v.log.cards[0]!.thread, status: { kind: "waiting" } });
    expect(v.log.threadPosts.map((p) => p.post)).toContainEqual({ kind: "system_note", text: "The customer asked for a call back." });
    expect(v.lastReply()).toBe(
      "Done: our Customer Care team will call you back on this number as soon as someone is free. They'll see everything we've discussed.",
    );

    // Talking to a person: the customer hears who will call.
    const id = (await v.conversation())!.id;
    await v.engine.claim(id, SAM);
    await v.say("CALLBACK");
    expect(v.lastReply()).toBe(`Done: I've asked ${SAM.name} to call you back on this number.`);
  });

  it("2. after hours an optional escalation stays with the bot and offers a call back; a mandatory one is queued without 'keep chatting'", async () => {
    const w = await world(undefined, AFTER_HOURS);
    await w.say("asdfgh");
    await w.say("🙃🙃🙃");
    const c = (await w.conversation())!;
    expect(c.state).toBe("bot");
    expect(c.escalations).toHaveLength(0);
    expect(w.log.cards).toHaveLength(0);
    expect(w.lastReply()).toMatch(
      /^Our Support team is away right now and opens tomorrow at 08:00 GMT\. Reply CALLBACK .*keep chatting with me/,
    );
    // The bot still answers.
    await w.say("where is my order 100298?");
    expect((await w.conversation())?.state).toBe("bot");

    const m = await world(undefined, AFTER_HOURS);
    await m.say("I want to cancel my order 100311");
    expect((await m.conversation())?.state).toBe("queued");
    expect(m.lastReply()).toBe(
      "Our Customer Care team is away right now and opens tomorrow at 09:00 GMT. Your message is with them. Reply CALLBACK for a call back then.",
    );
    expect(m.lastReply()).not.toMatch(/keep chatting/i);
  });

  it("2. says when the team opens in the team's words and zone: today before opening, on Monday over the weekend", async () => {
    // Tuesday 06:30 in London: Customer Care opens at 09:00 the same day.
    const early = await world(undefined, Date.UTC(2026, 10, 17, 6, 30));
    await early.say("I want to cancel my order 100311");
    expect(early.lastReply()).toBe(
      "Our Customer Care team is away right now and opens today at 09:00 GMT. Your message is with them. Reply CALLBACK for a call back then.",
    );

    // Friday 20 November 2026, 22:30 in London: nothing until Monday.
    const friday = await world(undefined, Date.UTC(2026, 10, 20, 22, 30));
    await friday.say("I want to cancel my order 100311");
    expect(friday.lastReply()).toBe(
      "Our Customer Care team is away right now and opens on Monday at 09:00 GMT. Your message is with them. Reply CALLBACK for a call back then.",
    );
    await friday.say("the order is 100311");
    expect(friday.lastReply()).toBe(
      "Got it, I've added that for our Customer Care team, so they'll see it when they open on Monday at 09:00 GMT. Reply CALLBACK for a call back then.",
    );
  });

  it("3. a transfer into a closed team tells the customer when it opens, not 'passing you to'", async () => {
    // 17:45 in London: Customer Care (until 18:00) is open, Billing (until 17:30) has closed.
    const w = await world(undefined, Date.UTC(2026, 10, 17, 17, 45));
    await w.say("I want to cancel my order 100311");
    const id = (await w.conversation())!.id;
    await w.engine.claim(id, SAM);
    expect(await w.engine.transfer(id, SAM, "billing", "double charged")).toEqual({ ok: true });
    await w.engine.drain();
    expect(w.lastReply()).toBe(
      "Our Billing team is away right now and opens tomorrow at 09:00 GMT. Your message is with them. Reply CALLBACK for a call back then.",
    );
    expect(w.log.cards[1]!.context.escalation).toMatchObject({ team: "billing", afterHours: true });
  });

  it("5. a survey answer after another message still lands in the resolved conversation", async () => {
    const w = await world();
    await w.say("I want to cancel my order 100311");
    const id = (await w.conversation())!.id;
    await w.engine.claim(id, SAM);
    await w.engine.resolve(id, SAM);
    await w.engine.drain();
    await w.say("actually one more thing");
    const next = (await w.conversation())!;
    expect(next.id).not.toBe(id);
    await w.say("5");
    expect((await w.store.get(id))!.survey).toMatchObject({ status: "pending", score: 5 });
    expect(w.lastReply()).toBe(config.messages.surveyHelped);
    await w.say("yes");
    expect((await w.store.get(id))!.survey).toMatchObject({ status: "answered", score: 5, handoverHelped: true });
    expect(w.lastReply()).toBe(config.messages.surveyThanks);
    expect((await w.store.get(next.id))!.transcript.filter((e) => e.author === "customer").map((e) => e.text)).toEqual([
      "actually one more thing",
    ]);
  });

  it("6. BOT on a claimed optional escalation says so on the card and in the thread", async () => {
    const w = await world();
    await w.say("asdfgh");
    await w.say("qwrtzp");
    const id = (await w.conversation())!.id;
    await w.engine.claim(id, SAM);
    await w.say("BOT");
    const thread = w.log.cards[0]!.thread;
    expect((await w.store.get(id))?.state).toBe("bot");
    expect(w.log.cardUpdates.at(-1)).toEqual({ thread, status: { kind: "customer_returned_to_bot" } });
    expect(w.log.threadPosts).toContainEqual({
      thread,
      post: { kind: "system_note", text: expect.stringContaining("went back to the assistant") },
    });
  });

  it("7. refuses a transfer to the team that already has the conversation", async () => {
    const w = await world();
    await w.say("I want to cancel my order 100311");
    const id = (await w.conversation())!.id;
    await w.engine.claim(id, SAM);
    expect(await w.engine.transfer(id, SAM, "retention", "again")).toEqual({ ok: false, reason: "same_team", team: "retention" });
    const c = (await w.store.get(id))!;
    expect(c).toMatchObject({ state: "assigned", assignee: SAM });
    expect(c.escalations).toHaveLength(1);
  });

  it("8. a new escalation after a return to the bot links the last thread and says who returned it", async () => {
    const w = await world();
    await w.say("I want to cancel my order 100311");
    const id = (await w.conversation())!.id;
    await w.engine.claim(id, SAM);
    await w.engine.returnToBot(id, SAM);
    await w.say("HUMAN");
    await w.engine.drain();
    expect(w.log.cards).toHaveLength(2);
    const second = w.log.cards[1]!.context;
    expect(second.escalation).toMatchObject({ level: 1, previousThread: w.log.cards[0]!.thread });
    expect(second.previous).toMatchObject({ team: "retention", outcome: "returned_to_bot", returnedBy: SAM });
    expect(second.transcript.map((t) => t.text)).toContain("I want to cancel my order 100311");
  });

  it("9. the first reply greets with the word for a person, and later messages name the words in the customer's language", async () => {
    const w = await world();
    await w.say("where is my order 100298?");
    expect(w.log.toCustomer).toHaveLength(1);
    expect(w.lastReply()).toMatch(
      /^Hi! I'm the Acme Store assistant\. Ask me anything, or type HUMAN at any time to reach a person\.\n\n\S/,
    );
    await w.say("where is my order 100298?");
    expect(w.lastReply()).not.toMatch(/^Hi!/);

    const es = await world();
    await es.say("HUMANO");
    expect((await es.conversation())?.state).toBe("queued");
    await es.say("CANCELAR");
    // Answered in Spanish (data/languages/es/replies.json), naming the Spanish word for a person.
    expect(es.lastReply()).toBe(
      loadCustomerReplies({ config }).template("escalationCancelled", { code: "es" }).replace("{human}", "HUMANO"),
    );
  });
});

/**
 * Makes the store's next commit fail the way a real one can: "lost" (the store was unreachable: nothing
 * written), "unacknowledged" (written, but the reply never came back) or "raced" (another instance wrote
 * the conversation first, so this compare-and-set loses and the engine tries again).
 */
function failNextCommit(store: WarmlineStore, how: "lost" | "unacknowledged" | "raced"): void {
  // A change commits one of two ways (taking its outbox lane in the same write or not): the next of either fails.
  const { commit, commitTakingLane } = store;
  const restore = () => Object.assign(store, { commit, commitTakingLane });
  const failing =
    <A extends [Conversation, ...unknown[]], R>(write: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      restore();
      const [next] = args;
      const injected = new WarmlineError("store_unavailable", `Could not update conversation ${next.id} (injected: ${how}).`);
      if (how === "lost") throw injected;
      if (how === "raced") {
        const current = (await store.get(next.id))!;
        await store.compareAndSet(current, current.version);
      }
      const written = await write(...args);
      if (how === "unacknowledged") throw injected;
      return written;
    };
  Object.assign(store, { commit: failing(commit), commitTakingLane: failing(commitTakingLane) });
}

describe("engine: each audit line is committed with the change it records", () => {
  const trail = async (w: World, id: string) => (await w.store.listAudit(id)).map((a) => a.action);
  /** Past the inbox's backoff: the next tick processes what failed. */
  const retryInbox = async (w: World) => {
    w.now.value += MINUTE;
    await w.engine.tick();
    await w.engine.drain();
  };

  /** Runs `action` with the store's next commit lost: it must fail and leave no trace. Then runs it again. */
  async function afterALostCommit<T>(w: World, id: string, action: () => Promise<T>): Promise<T> {
    // Deliveries commit too (the card's thread, a relay's message id): let them finish, so the failure hits the action.
    await w.engine.drain();
    const [conversation, audit, outbox] = await Promise.all([w.store.get(id), w.store.listAudit(id), w.store.listOutbox()]);
    failNextCommit(w.store, "lost");
    await expect(action()).rejects.toThrow(/injected: lost/);
    expect(await w.store.get(id)).toEqual(conversation);
    expect(await w.store.listAudit(id)).toEqual(audit);
    expect(await w.store.listOutbox()).toEqual(outbox);
    return action();
  }

  it("writes no line for a change whose commit failed, and exactly one for each that went through", async () => {
    const w = await world();
    const cancel = {
      messageId: "wamid.cancel",
      address: "sim:+447700900123",
      channel: "simulation",
      customerName: "Dana Whitfield",
      phone: "+447700900123",
      text: "I want to cancel my order 100311",
      receivedAt: w.now.value,
    };
    // The first message: the conversation is created, then the escalation's commit is lost; the inbox keeps the
    // message, and a redelivery is a no-op.
    failNextCommit(w.store, "lost");
    await w.engine.handleInboundMessage(cancel);
    await w.engine.handleInboundMessage(cancel);
    const started = (await w.conversation())!;
    expect(started).toMatchObject({ state: "bot", transcript: [] });
    expect(await trail(w, started.id)).toEqual([]);
    expect((await w.store.listInbox()).map((e) => e.attempts)).toEqual([1]);
    await retryInbox(w);
    const id = started.id;
    expect(await trail(w, id)).toEqual(["escalated"]);
    const thread = w.log.cards[0]!.thread;

    expect(await afterALostCommit(w, id, () => w.engine.claim(id, SAM))).toEqual({ ok: true });
    // An agent's reply is in the inbox too: its lost commit leaves no trace, and it is relayed once on the retry.
    await w.engine.drain();
    failNextCommit(w.store, "lost");
    expect(await w.engine.agentReply(thread, SAM, "Hi Dana, on it", "ref1")).toEqual({ relayed: false, reason: "pending" });
    expect(await trail(w, id)).toEqual(["escalated", "claimed"]);
    await retryInbox(w);
    expect(await trail(w, id)).toEqual(["escalated", "claimed", "relayed"]);
    expect(await afterALostCommit(w, id, () => w.engine.transfer(id, SAM, "billing", "They were double charged too"))).toEqual({
      ok: true,
    });
    expect(await afterALostCommit(w, id, () => w.engine.resolve(id, ALEX))).toEqual({ ok: true });
    await w.engine.drain();

    expect(await trail(w, id)).toEqual(["escalated", "claimed", "relayed", "transferred", "resolved"]);
    expect(w.log.toCustomer.filter((m) => m.text === "Hi Dana, on it")).toHaveLength(1);
    expect(w.log.cards).toHaveLength(2);
  });

  it("keeps the line of a change that was written though the store's reply was lost, and adds none on a retry", async () => {
    const w = await world();
    await w.say("I want to cancel my order 100311");
    const id = (await w.conversation())!.id;
    await w.engine.drain();
    failNextCommit(w.store, "unacknowledged");
    await expect(w.engine.claim(id, SAM)).rejects.toThrow(/injected: unacknowledged/);
    expect((await w.store.get(id))?.assignee).toEqual(SAM);
    expect(await trail(w, id)).toEqual(["escalated", "claimed"]);
    expect(await w.engine.claim(id, SAM)).toEqual({ ok: false, reason: "already_claimed", claimant: SAM });
    expect(await trail(w, id)).toEqual(["escalated", "claimed"]);
  });

  it("leaves nothing behind from a compare-and-set round that lost to another instance", async () => {
    const w = await world();
    await w.say("I want to cancel my order 100311");
    const id = (await w.conversation())!.id;
    await w.engine.drain();
    const version = (await w.store.get(id))!.version;
    failNextCommit(w.store, "raced");
    expect(await w.engine.claim(id, SAM)).toEqual({ ok: true });
    // The other instance's write and the engine's second round: two versions, one claim, one line.
    expect((await w.store.get(id))?.version).toBe(version + 2);
    expect(await trail(w, id)).toEqual(["escalated", "claimed"]);
    await w.engine.drain();
    expect(w.log.toCustomer.filter((m) => m.text.includes("has joined"))).toHaveLength(1);
  });
});

const MINUTE = 60_000;
let replies: CustomerReplies;

/** Matches the message `key` as data/languages/<code>/replies.json words it, whatever fills its placeholders. */
function inLanguage(code: string, key: MessageKey): RegExp {
  const template = replies.template(key, { code });
  const parts = template.split(/\{\w+\}/).map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  return new RegExp(`^${parts.join(".+?")}$`, "s");
}

describe("engine: a customer writing Spanish is answered in Spanish", () => {
  beforeAll(() => {
    replies = loadCustomerReplies({ config });
  });

  it("identifies the language, and hands over, updates the wait and withdraws in Spanish with Spanish control words", async () => {
    const w = await world();
    await w.say("hola buenas tardes tengo una duda con mi pedido de la semana pasada");
    expect(w.lastReply()).toMatch(new RegExp(`^${inLanguage("es", "greeting").source.slice(1, -1)}`, "s"));
    const first = (await w.conversation())!;
    expect(first.language).toEqual({ code: "es", name: "Spanish", script: "Latn" });
    expect(first.transcript.find((e) => e.author === "customer")?.language?.code).toBe("es");

    await w.say("HUMANO");
    const queued = (await w.conversation())!;
    expect(queued.state).toBe("queued");
    expect(queued.escalations[0]).toMatchObject({ reason: "explicit_request", team: "support" });
    // The short keyword keeps the language the conversation had.
    expect(queued.language?.code).toBe("es");
    expect(w.lastReply()).toMatch(inLanguage("es", "handoff"));
    // The greeting named the Spanish word for a person.
    expect(w.log.toCustomer[0]?.text).toContain(replies.keyword("human", "es"));

    // Nobody claims: at the team's claim deadline the customer hears their place in line, in Spanish.
    const before = w.log.toCustomer.length;
    for (let minute = 0; minute < config.teams.support!.claimWithinMinutes; minute += 1) {
      w.now.value += MINUTE;
      await w.engine.tick();
      await w.engine.drain();
    }
    const updates = w.log.toCustomer.slice(before).map((m) => m.text);
    expect(updates.some((text) => inLanguage("es", "queuePosition").test(text))).toBe(true);

    await w.say("CANCELAR");
    expect((await w.store.get(queued.id))?.state).toBe("bot");
    expect(w.lastReply()).toMatch(inLanguage("es", "escalationCancelled"));
    // The card told the agents which language the customer writes in.
    expect(w.log.cards[0]?.context.customer.language?.name).toBe("Spanish");
  });

  it("runs the survey in Spanish and takes a Spanish yes", async () => {
    const w = await world();
    await w.say("necesito hablar con alguien de atencion al cliente por favor");
    await w.say("HUMANO");
    const id = (await w.conversation())!.id;
    await w.engine.claim(id, SAM);
    await w.engine.resolve(id, SAM);
    await w.engine.drain();
    expect(w.lastReply()).toMatch(inLanguage("es", "survey"));
    await w.say("5");
    expect(w.lastReply()).toMatch(inLanguage("es", "surveyHelped"));
    await w.say("sí");
    expect(w.lastReply()).toMatch(inLanguage("es", "surveyThanks"));
    expect((await w.store.get(id))?.survey).toMatchObject({ status: "answered", score: 5, handoverHelped: true });
  });

  it("routes to the team that speaks Spanish for the same need, and the card names the agents who do", async () => {
    const w = await world((c) => {
      const spanishDesk = {
        ...c.teams.support!,
        displayName: "Soporte",
        channel: "#soporte",
        languages: ["es"],
        rota: ["U0LUCIA01", "U0MARCO01"],
      };
      c.teams.support_es = { ...spanishDesk, rotaLanguages: { U0MARCO01: ["it"], U0LUCIA01: ["es", "pt"] } };
      c.routing.alternateTeams = { support: ["support_es"] };
      return c;
    });
    await w.say("hola quiero hablar con una persona de verdad");
    await w.say("HUMANO");
    const c = (await w.conversation())!;
    expect(c.escalations[0]?.team).toBe("support_es");
    expect(w.log.cards[0]?.context.speakersOfLanguage).toEqual(["U0LUCIA01"]);
    expect(w.lastReply()).toContain("Soporte");
  });

  it("keeps answering an English-writing customer in English", async () => {
    const w = await world();
    await w.say("hi, I have a question about my order from last week");
    await w.say("HUMAN");
    expect((await w.conversation())?.language?.code).toBe("en");
    expect(w.lastReply()).toMatch(inLanguage("en", "handoff"));
  });
});
