import { describe, expect, it } from "vitest";
import { WHATSAPP_TEXT_LIMIT, splitForWhatsApp } from "../../channels/whatsapp/outbound-text.js";

const words = (text: string) => text.split(/\s+/).filter(Boolean);

describe("splitForWhatsApp", () => {
  it("leaves a text within the limit alone, and drops an all-blank one", () => {
    expect(splitForWhatsApp("Hello there")).toEqual(["Hello there"]);
    expect(splitForWhatsApp("x".repeat(WHATSAPP_TEXT_LIMIT))).toHaveLength(1);
    expect(splitForWhatsApp("   ")).toEqual([]);
  });

  it("splits at a paragraph break, then a line end, then a space, losing no word", () => {
    const paragraph = "word ".repeat(150).trim();
    expect(splitForWhatsApp(`${paragraph}\n\n${paragraph}`, 1000)).toEqual([paragraph, paragraph]);
    expect(splitForWhatsApp(`${paragraph}\n${paragraph}`, 1000)).toEqual([paragraph, paragraph]);
    const prose = "lorem ipsum dolor sit amet ".repeat(600);
    const chunks = splitForWhatsApp(prose);
    expect(chunks.length).toBeGreaterThan(3);
    for (const chunk of chunks) expect(chunk.length).toBeLessThanOrEqual(WHATSAPP_TEXT_LIMIT);
    // No message starts or ends with the blank it was split at.
    for (const [i, chunk] of chunks.entries()) {
      if (i > 0) expect(chunk).toBe(chunk.trimStart());
      if (i < chunks.length - 1) expect(chunk).toBe(chunk.trimEnd());
    }
    expect(words(chunks.join(" "))).toEqual(words(prose));
  });

  it("cuts a run with no space at the limit, never between the halves of an emoji", () => {
    const emoji = "😀".repeat(3000);
    const chunks = splitForWhatsApp(emoji, 1001);
    expect(chunks.join("")).toBe(emoji);
    for (const chunk of chunks) expect(chunk).not.toMatch(/^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/);
    expect(splitForWhatsApp("a".repeat(100_000)).join("")).toBe("a".repeat(100_000));
  });
});
