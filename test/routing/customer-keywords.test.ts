import { describe, expect, it } from "vitest";
import { matchControlKeyword } from "../../routing/customer-keywords.js";
import { defaultConfig } from "./policy-driver.js";

const keywords = defaultConfig().keywords;

describe("matchControlKeyword", () => {
  it.each([
    ["HUMAN", "human"],
    ["  human  ", "human"],
    ["Agent!!", "human"],
    ["🙏 humano 🙏", "human"],
    ["bot", "bot"],
    ["Cancel.", "cancel"],
    ["  CANCEL!! ", "cancel"],
    ["cancel 🙏", "cancel"],
    ["¡Cancelar!", "cancel"],
    ["cancelar", "cancel"],
    ["callback?", "callback"],
    ["Llamada", "callback"],
    ["wait", "wait"],
    ["ESPERAR", "wait"],
  ])("%j is %s", (text, expected) => {
    expect(matchControlKeyword(text, keywords)).toBe(expected);
  });

  it.each([
    "I want to cancel my order",
    "cancel my order",
    "Cancel order 100311",
    "cancel it",
    "CANCEL CANCEL",
    "human please",
    "bot?? no, a person",
    "",
    "   ",
    "🙂",
    "waiting",
  ])("%j is not a command", (text) => {
    expect(matchControlKeyword(text, keywords)).toBeUndefined();
  });

  it("matches multi-word keywords and ignores accents", () => {
    const custom = { fr: { human: ["un humain"], bot: ["robot"], cancel: ["annuler"], callback: ["rappel"], wait: ["attendre"] } };
    expect(matchControlKeyword("Un  Humain !", custom)).toBe("human");
    expect(matchControlKeyword("rappél", custom)).toBe("callback");
  });
});
