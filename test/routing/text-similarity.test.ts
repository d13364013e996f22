import { describe, expect, it } from "vitest";
import { countRepeats, stem, textSimilarity } from "../../routing/text-similarity.js";

const THRESHOLD = 0.5;

describe("textSimilarity", () => {
  it.each([
    ["where is my order?", "when will my parcel get here?"],
    ["where is my order?", "my package hasn't arrived yet"],
    ["I want my money back", "can I get a refund"],
    ["how do I reset my password", "I forgot my password"],
    ["where is my oder", "where is my order"],
  ])("treats %j and %j as the same need", (a, b) => {
    expect(textSimilarity(a, b)).toBeGreaterThanOrEqual(THRESHOLD);
  });

  it.each([
    ["where is my order?", "can I cancel my order"],
    ["how do I reset my password", "what payment methods do you accept"],
    ["where is order 123?", "and order 456?"],
    ["do you sell gift cards", "change my shipping address"],
  ])("keeps %j and %j apart", (a, b) => {
    expect(textSimilarity(a, b)).toBeLessThan(THRESHOLD);
  });

  it("is symmetric and 1 for identical text", () => {
    expect(textSimilarity("track my parcel", "track my parcel")).toBe(1);
    expect(textSimilarity("refund my shoes", "where are my shoes")).toBe(textSimilarity("where are my shoes", "refund my shoes"));
  });

  it("scores messages with no content words as unrelated", () => {
    expect(textSimilarity("can you help me?", "can you help me?")).toBe(0);
  });

  it("stems inflections to one form", () => {
    expect(new Set(["arrive", "arrived", "arriving", "arrives"].map(stem)).size).toBe(1);
    expect(stem("cancelling")).toBe(stem("cancel"));
  });
});

describe("countRepeats", () => {
  it("counts the current message and every earlier message chained to it", () => {
    const earlier = ["where is my order?", "how do I reset my password", "my package hasn't arrived yet"];
    expect(countRepeats("when will my parcel get here?", earlier, THRESHOLD)).toBe(3);
  });

  it("counts only the current message when nothing matches", () => {
    expect(countRepeats("do you sell gift cards", ["where is my order?", "reset my password"], THRESHOLD)).toBe(1);
  });
});
