import { describe, expect, it } from "vitest";
import { isInternalNote } from "../../src/domain/internal-note.js";

describe("isInternalNote", () => {
  it("takes a reply that starts with // as a note, after any leading whitespace", () => {
    expect(isInternalNote("// ask the warehouse first")).toBe(true);
    expect(isInternalNote("//no space after the marker")).toBe(true);
    expect(isInternalNote("   // indented")).toBe(true);
    expect(isInternalNote("\n\t// after a line break")).toBe(true);
    expect(isInternalNote("\u00A0// after a no-break space")).toBe(true);
    expect(isInternalNote("\u3000// after an ideographic space")).toBe(true);
  });

  it("sees through invisible characters pasted before or inside the marker", () => {
    for (const invisible of ["\u200B", "\u200C", "\u200D", "\u2060", "\uFEFF", "\u200E", "\u00AD"]) {
      expect(isInternalNote(`${invisible}// refund pending`), `U+${invisible.codePointAt(0)!.toString(16)}`).toBe(true);
      expect(isInternalNote(`/${invisible}/ refund pending`), `inside: U+${invisible.codePointAt(0)!.toString(16)}`).toBe(true);
    }
    expect(isInternalNote("\u200B\u00A0\uFEFF // stacked")).toBe(true);
  });

  it("counts slashes that look like / as the marker", () => {
    for (const slash of ["\uFF0F", "\u2044", "\u2215", "\u29F8"]) {
      expect(isInternalNote(`${slash}${slash} check the invoice`), `U+${slash.codePointAt(0)!.toString(16)}`).toBe(true);
      expect(isInternalNote(`/${slash} mixed`)).toBe(true);
    }
    expect(isInternalNote("\u200B\uFF0F\uFF0F fullwidth after a zero-width space")).toBe(true);
  });

  it("leaves ordinary replies alone", () => {
    expect(isInternalNote("Hi Dana, on it")).toBe(false);
    expect(isInternalNote("See https://acme.example/orders")).toBe(false);
    expect(isInternalNote("/ one slash is not a note")).toBe(false);
    expect(isInternalNote("/ / spaced slashes are not a note")).toBe(false);
    expect(isInternalNote("1/2 of the order shipped")).toBe(false);
    expect(isInternalNote("")).toBe(false);
    expect(isInternalNote("\u200B")).toBe(false);
  });
});
