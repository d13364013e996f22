import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { isInternalNote, readAgentReply } from "../../src/domain/internal-note.js";

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

describe("the note rule over generated prefixes (property)", () => {
  const invisible = fc.constantFrom(
    "\u200B",
    "\u200C",
    "\u200D",
    "\u2060",
    "\uFEFF",
    "\u200E",
    "\u200F",
    "\u00AD",
    "\u202A",
    "\u2066",
    "\u034F",
    "\u3164",
  );
  const blank = fc.constantFrom(" ", "\t", "\n", "\u00A0", "\u2003", "\u3000", "\u202F");
  const slash = fc.constantFrom("/", "\uFF0F", "\u2044", "\u2215", "\u29F8", "\u2571");
  const noise = (arb: fc.Arbitrary<string>) => fc.array(arb, { maxLength: 4 }).map((parts) => parts.join(""));

  it("any mix of blanks and invisible characters, then two slashes of any look, is a note that is never relayed", () => {
    fc.assert(
      fc.property(noise(fc.oneof(invisible, blank)), slash, noise(invisible), slash, fc.string(), (lead, a, between, b, rest) => {
        const reply = `${lead}${a}${between}${b}${rest}`;
        expect(isInternalNote(reply)).toBe(true);
        expect(readAgentReply(reply).internal).toBe(true);
        expect(readAgentReply(reply, { notesByDefault: true }).internal).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it("a reply that starts with a letter is relayed as written (notes off by default)", () => {
    fc.assert(
      fc.property(fc.constantFrom("H", "o", "Ñ", "日"), fc.string(), (first, rest) => {
        expect(readAgentReply(`${first}${rest}`)).toEqual({ internal: false, text: `${first}${rest}` });
      }),
    );
  });
});

describe("notesByDefault", () => {
  it("keeps replies internal unless they start with >> or are sent with the shortcut", () => {
    expect(readAgentReply("checking with the warehouse", { notesByDefault: true }).internal).toBe(true);
    expect(readAgentReply(">> Your refund is on its way", { notesByDefault: true })).toEqual({
      internal: false,
      text: "Your refund is on its way",
    });
    expect(readAgentReply("\u200B\uFF1E\uFF1E Hola", { notesByDefault: true })).toEqual({ internal: false, text: "Hola" });
    expect(readAgentReply("&gt;&gt; Hi", { notesByDefault: true })).toEqual({ internal: false, text: "Hi" });
    expect(readAgentReply("Hi there", { notesByDefault: true, send: true })).toEqual({ internal: false, text: "Hi there" });
    // A note stays a note, however it is sent.
    expect(readAgentReply("// refund pending", { notesByDefault: true, send: true }).internal).toBe(true);
  });
});
