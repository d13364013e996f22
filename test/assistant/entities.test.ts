import { describe, expect, it } from "vitest";
import { extractEntities, scoreSentiment } from "../../src/assistant/index.js";

describe("extractEntities: order numbers", () => {
  it.each([
    ["where is my order 5512094?", "5512094"],
    ["order #12345 hasn't arrived", "12345"],
    ["it's about order ABC-1234", "ABC-1234"],
    ["purchase no. 778812 is late", "778812"],
    ["#88123", "88123"],
    ["I ordered last week, 00004587345 is the number", "00004587345"],
    ["Order number: 9981234", "9981234"],
  ])("%s -> %s", (text, orderNumber) => {
    expect(extractEntities(text).orderNumber).toBe(orderNumber);
  });

  it.each(["I paid $12345 for it", "call me on +44 7700 900123", "I ordered 3 items", "where is my order?", "invoice #12345 is wrong"])(
    "finds no order number in %s",
    (text) => {
      expect(extractEntities(text).orderNumber).toBeUndefined();
    },
  );
});

describe("extractEntities: amounts", () => {
  it.each([
    ["I paid $250 for it", 250, "USD"],
    ["refund 250 dollars please", 250, "USD"],
    ["it cost €40.50", 40.5, "EUR"],
    ["charged USD 99 twice", 99, "USD"],
    ["only £12", 12, "GBP"],
    ["40,50 € were taken", 40.5, "EUR"],
    ["$1,299.99 for a laptop", 1299.99, "USD"],
    ["I want 30 euros back", 30, "EUR"],
  ])("%s -> %d %s", (text, amount, currency) => {
    expect(extractEntities(text)).toMatchObject({ amount, currency });
  });

  it("finds both an order number and an amount in one message", () => {
    expect(extractEntities("refund $60 on order 100245")).toEqual({ orderNumber: "100245", amount: 60, currency: "USD" });
  });

  it("finds nothing in a plain question", () => {
    expect(extractEntities("how do I reset my password?")).toEqual({});
  });
});

describe("scoreSentiment", () => {
  it("scores neutral questions 0", () => {
    expect(scoreSentiment("how do I change my delivery address?")).toBe(0);
    expect(scoreSentiment("")).toBe(0);
  });

  it("scores praise positive and anger strongly negative", () => {
    expect(scoreSentiment("thank you so much, that was really helpful!")).toBeGreaterThan(0.5);
    expect(scoreSentiment("this is fucking ridiculous, worst service ever")).toBeLessThanOrEqual(-0.6);
    expect(scoreSentiment("YOU ARE USELESS!!! I HATE THIS")).toBeLessThan(-0.7);
  });

  it("keeps a single mild swear in an ordinary request above the escalation threshold", () => {
    const score = scoreSentiment("where is the damn invoice");
    expect(score).toBeLessThan(0);
    expect(score).toBeGreaterThan(-0.6);
  });

  it("handles negation", () => {
    expect(scoreSentiment("not good at all")).toBeLessThan(0);
    expect(scoreSentiment("not bad")).toBeGreaterThan(0);
  });
});
