import { beforeAll, describe, expect, it } from "vitest";
import { createSimulationChannels } from "../../channels/simulation/simulation-channels.js";
import { createAssistantFromConfig } from "../../src/assistant/from-config.js";
import { loadConfigFile } from "../../src/config/load-config.js";
import type { WarmlineConfig } from "../../src/config/schema.js";
import { createEngine } from "../../src/engine/engine.js";
import { type CustomerReplies, loadCustomerReplies, type MessageKey } from "../../src/languages/customer-replies.js";
import { createSilentLogger } from "../../src/logging.js";
import type { Assistant } from "../../src/ports/assistant.js";
import { SHIPPED_CONFIG_FILE } from "../../src/paths.js";
import { createMemoryStore } from "../../src/store/memory-store.js";

// Tuesday 17 November 2026, 11:00 in London: inside every team's business hours.
const OPEN_HOURS = Date.UTC(2026, 10, 17, 11, 0);
const SAM = { id: "slack:U0SAM0001", name: "Sam" };
const MINUTE = 60_000;

let assistant: Assistant;
let config: WarmlineConfig;
let replies: CustomerReplies;

beforeAll(async () => {
  config = loadConfigFile(SHIPPED_CONFIG_FILE);
  assistant = await createAssistantFromConfig(config, { clock: { now: () => OPEN_HOURS } });
  replies = loadCustomerReplies({ config });
});

/** Matches the message `key` as data/languages/<code>/replies.json words it, whatever fills its placeholders. */
function inLanguage(code: string, key: MessageKey): RegExp {
  const template = replies.template(key, { code });
  const parts = template.split(/\{\w+\}/).map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  return new RegExp(`^${parts.join(".+?")}$`, "s");
}

async function world(overrides: (c: WarmlineConfig) => WarmlineConfig = (c) => c) {
  const now = { value: OPEN_HOURS };
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
  const address = "sim:+34600000001";
  return {
    engine,
    store,
    log,
    now,
    async say(text: string) {
      now.value += 1000;
      await engine.handleInboundMessage({
        messageId: `m${++id}`,
        address,
        channel: "simulation",
        customerName: "Lucía Fernández",
        phone: "+34600000001",
        text,
        receivedAt: now.value,
      });
    },
    conversation: () => store.findActiveByCustomer(address),
    lastReply: () => log.toCustomer.at(-1)?.text,
  };
}

describe("engine: a customer writing Spanish is answered in Spanish", () => {
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
