import { readFileSync } from "node:fs";
import { eld } from "eld/small";
import { describe, expect, it } from "vitest";
import { createEldDetector, ELD_SMALL_MODEL_URL, parseEldModel } from "../../src/languages/eld-model.js";

describe("eld's small model, read as data", () => {
  it("is the very model eld/small compiles from the same file", async () => {
    const { ngramsData } = (await import(ELD_SMALL_MODEL_URL.href)) as { ngramsData: unknown };
    expect(parseEldModel(readFileSync(ELD_SMALL_MODEL_URL, "utf8"))).toStrictEqual(ngramsData);
  });

  it("gives eld/small's answers, scores and reliability included", () => {
    const detector = createEldDetector();
    const texts = [
      "where is my order, it was supposed to arrive yesterday",
      "hola, quiero cancelar mi pedido por favor",
      "bonjour, je voudrais parler à quelqu'un",
      "Olá, meu pedido ainda não chegou",
      "ich möchte mit einem Menschen sprechen",
      "مرحبا أريد التحدث مع موظف",
      "здравствуйте, где мой заказ",
      "ok",
    ];
    for (const text of texts) {
      const ours = detector.detect(text);
      const theirs = eld.detect(text);
      expect({ text, language: ours.language, scores: ours.getScores(), reliable: ours.isReliable() }).toStrictEqual({
        text,
        language: theirs.language,
        scores: theirs.getScores(),
        reliable: theirs.isReliable(),
      });
    }
  });

  it("refuses a model file whose format it does not know, saying what to do", () => {
    expect(() => parseEldModel("export default {}")).toThrow(/format changed.*npm ci/);
  });
});
