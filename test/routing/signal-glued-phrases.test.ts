import { describe, expect, it } from "vitest";
import { detectSignals } from "../../routing/escalation-signals.js";
import { compileSignalLexicon } from "../../routing/signal-lexicon.js";

const lexicon = compileSignalLexicon([
  {
    source: "test",
    signals: { human_request: { phrases: ["customer care"] }, insult: { phrases: ["lũ chó"] }, complaint: { phrases: ["quá tệ"] } },
  },
]);
const categoriesOf = (text: string) => detectSignals(text, lexicon).map((match) => match.category);

describe("a phrase written glued together", () => {
  it("matches glued, and with typos when its words are long", () => {
    expect(categoriesOf("customercare pls")).toEqual(["human_request"]);
    expect(categoriesOf("custmercare pls")).toEqual(["human_request"]);
    expect(categoriesOf("lũchó")).toEqual(["insult"]);
  });

  it("matches exactly when its words are short syllables, which glue into other languages' words", () => {
    expect(categoriesOf("mucho gusto")).toEqual([]);
    expect(categoriesOf("can you send me a quote")).toEqual([]);
    expect(categoriesOf("dịch vụ quá tệ")).toEqual(["complaint"]);
  });
});
