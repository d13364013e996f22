import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { loadCorpus } from "../../src/assistant/corpus.js";
import { createFileCommerce, createOfflineAssistant, DEFAULT_CORPUS_FILE, DEFAULT_ORDERS_FILE } from "../../src/assistant/index.js";
import { DEFAULT_CONFIDENCE_THRESHOLD } from "../../src/assistant/offline-assistant.js";
import { type LanguageIntents, loadLanguageIntents } from "../../src/assistant/language-intents.js";
import { identifyLanguage } from "../../src/languages/identify-language.js";
import type { Assistant } from "../../src/ports/assistant.js";
import { buildConversation } from "../contract/conversation-factory.js";

const commerce = createFileCommerce(DEFAULT_ORDERS_FILE, { clock: { now: () => Date.parse("2025-06-15T12:00:00Z") } });

/** A languages folder with one language and its intents.csv. */
function languageWithIntents(code: string, csv: string): string {
  const dir = mkdtempSync(join(tmpdir(), "warmline-intents-"));
  mkdirSync(join(dir, code));
  writeFileSync(join(dir, code, "language.json"), JSON.stringify({ code, name: code, nativeName: code, scripts: ["Latn"] }));
  writeFileSync(join(dir, code, "intents.csv"), csv);
  return dir;
}

describe("intents in the customer's language", () => {
  let assistant: Assistant;
  let intents: LanguageIntents;
  let trainings: ReturnType<typeof vi.fn>;

  beforeAll(async () => {
    const corpus = await loadCorpus(DEFAULT_CORPUS_FILE);
    const shipped = await loadLanguageIntents({ knownIntents: new Set(corpus.map((example) => example.intent)) });
    if (!shipped) throw new Error("the shipped data/languages/*/intents.csv are missing");
    trainings = vi.fn(() => shipped.model());
    intents = { ...shipped, model: trainings as unknown as LanguageIntents["model"] };
    assistant = await createOfflineAssistant({
      loaded: { corpus, answers: new Map() },
      commerce,
      languages: { intents, identify: identifyLanguage },
    });
  }, 60_000);

  it("trains on the ten languages' files, every intent one the English corpus answers", () => {
    expect([...intents.languages].sort()).toEqual(expect.arrayContaining(["ar", "de", "es", "fr", "hi", "id", "it", "pt", "ru", "tr"]));
    expect(intents.unknownIntents).toEqual([]);
    expect(new Set(intents.examples.map((example) => example.intent))).toEqual(
      new Set([
        "cancel_order",
        "get_refund",
        "track_order",
        "payment_issue",
        "check_payment_methods",
        "complaint",
        "greeting",
        "thanks",
        "none",
      ]),
    );
  });

  it("keeps English on the English model, without training the other languages' model", async () => {
    expect((await assistant.classify("I want to cancel my order please")).intent).toBe("cancel_order");
    expect((await assistant.classify("where is my parcel, it has been a week")).intent).toBe("track_order");
    expect(trainings).not.toHaveBeenCalled();
  });

  // Phrasings of this test, not lines of the intents files.
  it.each([
    ["quiero anular la compra que hice ayer", "cancel_order"],
    ["je veux être remboursé de ma commande", "get_refund"],
    ["wo ist mein paket ich warte seit tagen", "track_order"],
    ["мне дважды списали деньги с карты", "payment_issue"],
    ["bhai mera order kab tak aayega", "track_order"],
    ["puedo pagar con tarjeta mastercard", "check_payment_methods"],
    ["kredi kartına taksit yapıyor musunuz", "check_payment_methods"],
  ])("recognises %j as %s", async (text, intent) => {
    expect((await assistant.classify(text)).intent).toBe(intent);
  });

  // A question the assistant has no answer for must not read, confidently, as a problem that calls a person.
  it.each(["dieses case passt auch zum pixel 8", "ce pull existe en gris clair"])(
    "does not read the product question %j as an escalating intent",
    async (text) => {
      const { intent, confidence } = await assistant.classify(text);
      const escalates =
        ["cancel_order", "payment_issue", "complaint", "delete_account"].includes(intent) && confidence >= DEFAULT_CONFIDENCE_THRESHOLD;
      expect(escalates, `${intent} at ${confidence.toFixed(2)}`).toBe(false);
    },
  );

  it("reads a message too short to identify in the conversation's language", async () => {
    const conversation = buildConversation({ language: { code: "es", name: "Spanish", script: "Latn" } });
    const turn = await assistant.respond(conversation, "gracias");
    expect(turn.intent).toBe("thanks");
  });

  it("leaves out examples of an intent the English corpus lacks, and says which file has them", async () => {
    const dir = languageWithIntents("es", "text,intent\nquiero cancelar,cancel_order\nquiero un descuento,ask_discount\n");
    const loaded = await loadLanguageIntents({ knownIntents: new Set(["cancel_order"]), dir });
    expect(loaded?.unknownIntents).toEqual([{ file: join(dir, "es", "intents.csv"), intent: "ask_discount" }]);
    expect(loaded?.examples.map((example) => example.intent)).toEqual(["cancel_order"]);
  });

  it("names the file and line of a malformed intents.csv", async () => {
    const dir = languageWithIntents("pt", 'text,intent\nquero cancelar,cancel_order\nsem "aspas,cancel_order\n');
    await expect(loadLanguageIntents({ knownIntents: new Set(["cancel_order"]), dir })).rejects.toThrow(/pt[/\\]intents\.csv line 3/);
  });
});
