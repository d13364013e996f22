import { describe, expect, it } from "vitest";
import { isFuzzyMatch } from "../../routing/text-normalize.js";
import { editDistance } from "../../src/domain/edit-distance.js";

describe("editDistance", () => {
  it("counts insertions, deletions, substitutions and adjacent transpositions", () => {
    expect(editDistance("human", "human")).toBe(0);
    expect(editDistance("", "agent")).toBe(5);
    expect(editDistance("agent", "")).toBe(5);
    expect(editDistance("refund", "refnd")).toBe(1);
    expect(editDistance("refund", "refuind")).toBe(1);
    expect(editDistance("refund", "rafund")).toBe(1);
    expect(editDistance("humna", "human")).toBe(1);
    expect(editDistance("kitten", "sitting")).toBe(3);
  });

  it("is exact up to max and says only 'more than max' beyond it", () => {
    expect(editDistance("kitten", "sitting", 3)).toBe(3);
    expect(editDistance("kitten", "sitting", 2)).toBe(3);
    expect(editDistance("kitten", "sitting", 1)).toBe(2);
    // Lengths alone rule it out.
    expect(editDistance("cancel", "cancellation", 2)).toBe(3);
    expect(editDistance("abcdef", "uvwxyz", 1)).toBe(2);
  });

  it("backs the typo allowance of fuzzy matching", () => {
    expect(isFuzzyMatch("recieve", "receive")).toBe(true);
    expect(isFuzzyMatch("cat", "car")).toBe(false);
    expect(isFuzzyMatch("subscripton", "subscription")).toBe(true);
  });
});
