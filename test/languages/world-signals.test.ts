import { describe, expect, it } from "vitest";
import { detectSignals } from "../../routing/escalation-signals.js";
import { compileSignalLexicon } from "../../routing/signal-lexicon.js";
import { SIGNAL_CATEGORIES } from "../../src/domain/escalation.js";
import { loadSignalSources } from "../../src/languages/signal-lexicons.js";
import type { LanguageSignalCases } from "./world-signals/cases.js";
import ar from "./world-signals/ar.js";
import bn from "./world-signals/bn.js";
import hi from "./world-signals/hi.js";
import id from "./world-signals/id.js";
import ja from "./world-signals/ja.js";
import ko from "./world-signals/ko.js";
import ms from "./world-signals/ms.js";
import pl from "./world-signals/pl.js";
import ru from "./world-signals/ru.js";
import sw from "./world-signals/sw.js";
import th from "./world-signals/th.js";
import tl from "./world-signals/tl.js";
import tr from "./world-signals/tr.js";
import uk from "./world-signals/uk.js";
import ur from "./world-signals/ur.js";
import vi from "./world-signals/vi.js";
import zh from "./world-signals/zh.js";

/**
 * The escalation signals of 17 languages beyond Western Europe, checked against the whole shipped
 * lexicon (every language's file at once, as in production): a regression in any file, or a word
 * from another language that starts firing on these messages, fails here.
 */
const CASES: Record<string, LanguageSignalCases> = { pl, ru, uk, tr, ar, hi, bn, ur, id, ms, tl, vi, th, ja, ko, zh, sw };

const lexicon = compileSignalLexicon(loadSignalSources());
const categoriesOf = (text: string) => detectSignals(text, lexicon).map((match) => match.category);

describe.each(Object.entries(CASES))("escalation signals in %s", (code, cases) => {
  it("ships a signals.json with every category", () => {
    const source = loadSignalSources().find((candidate) => candidate.source === code);
    expect(Object.keys(source?.signals ?? {}).sort()).toEqual([...SIGNAL_CATEGORIES].sort());
  });

  for (const category of SIGNAL_CATEGORIES) {
    it.each(cases.positives[category])(`finds ${category} in %s`, (text) => {
      expect(categoriesOf(text)).toContain(category);
    });
  }

  it.each(cases.mustNot)("finds nothing in %s", (text) => {
    expect(categoriesOf(text)).toEqual([]);
  });
});
