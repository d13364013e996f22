import { describe, expect, it } from "vitest";
import { detectSignals, isSignalVocabulary, mentionsContact } from "../../routing/escalation-signals.js";
import { compileSignalLexicon, type SignalLexiconSource } from "../../routing/signal-lexicon.js";

/** A small made-up lexicon: the matcher's rules, independent of the shipped language files. */
const sources: SignalLexiconSource[] = [
  {
    source: "xx",
    signals: {
      human_request: {
        phrases: ["real person", "call me back"],
        combos: [
          [
            ["talk", "speak"],
            ["agent", "representative"],
          ],
        ],
      },
      cancellation: {
        combos: [[["cancel*"], ["order", "subscription"]]],
        unless: ["cancellation fee"],
      },
      fraud: { phrases: ["scam", "fraudulent"] },
      money_not_credited: { combos: [[["debited"], ["not"], ["credited"]]] },
    },
    commonWords: ["scan", "fraud"],
    contactWords: ["agent", "call*"],
  },
  {
    source: "yy",
    signals: {
      human_request: { phrases: ["人工客服", "상담원 연결", "คุยกับพนักงาน"] },
      cancellation: { combos: [[["取消"], ["订单"]]] },
    },
  },
];
const lexicon = compileSignalLexicon(sources);
const categories = (text: string) => detectSignals(text, lexicon).map((match) => match.category);

describe("signal matching", () => {
  it("finds a phrase as whole words in order, and quotes the customer's words and the entry", () => {
    expect(detectSignals("can a Real Person help me?", lexicon)).toEqual([
      { category: "human_request", phrase: "real person", entry: "real person", source: "xx" },
    ]);
    expect(categories("a person who is real")).toEqual([]);
    expect(categories("surreal personality")).toEqual([]);
  });

  it("matches a multi-word phrase written as one word", () => {
    expect(categories("pls callmeback")).toEqual(["human_request"]);
  });

  it("finds a combo in either order within the window, and not across a long sentence", () => {
    expect(categories("I want to talk to an agent")).toEqual(["human_request"]);
    expect(categories("an agent I could talk with")).toEqual(["human_request"]);
    expect(categories("talk about the weather, the news, my cat, the garden and then an agent")).toEqual([]);
  });

  it("needs every group of a combo", () => {
    expect(categories("debited from my card but not credited")).toEqual(["money_not_credited"]);
    expect(categories("debited from my card")).toEqual([]);
  });

  it("reads a word ending in * as a prefix", () => {
    expect(categories("cancelling my subscription")).toEqual(["cancellation"]);
    expect(categories("cancellation of my order")).toEqual(["cancellation"]);
  });

  it("tolerates typos by word length: none under 5 letters, one from 5, two from 10", () => {
    expect(categories("I want to speak to a representitive")).toEqual(["human_request"]);
    expect(categories("talk to a reprasentitive")).toEqual(["human_request"]);
    expect(categories("speak to an agnet")).toEqual(["human_request"]);
    expect(categories("this is a scma")).toEqual([]);
    expect(categories("fraudulnet charges")).toEqual(["fraud"]);
  });

  it("never reads a common word as a typo of a signal word", () => {
    // "scan" is one edit from "scam", and listed in commonWords.
    expect(categories("scan the code")).toEqual([]);
  });

  it("lets an unless phrase silence its category", () => {
    expect(categories("what is the cancellation fee for my order")).toEqual([]);
  });

  it("matches scripts written without spaces as substrings, combos inside one run", () => {
    expect(categories("我要人工客服")).toEqual(["human_request"]);
    expect(categories("请帮我取消这个订单")).toEqual(["cancellation"]);
    expect(categories("상담원연결 해주세요")).toEqual(["human_request"]);
    expect(categories("상담원 연결 부탁해요")).toEqual(["human_request"]);
    expect(categories("ขอคุยกับพนักงานหน่อย")).toEqual(["human_request"]);
    expect(categories("我要订单")).toEqual([]);
  });

  it("reports each category once, in the fixed order", () => {
    expect(categories("scam! cancel my order and let me talk to an agent")).toEqual(["human_request", "cancellation", "fraud"]);
  });

  it("knows the contact words and the signal vocabulary", () => {
    expect(mentionsContact("can someone call me", lexicon)).toBe(true);
    expect(mentionsContact("I want to know about offers", lexicon)).toBe(false);
    expect(isSignalVocabulary("Cancellation", lexicon)).toBe(true);
    expect(isSignalVocabulary("Hair", lexicon)).toBe(false);
  });

  it("matches all languages in one pass, fast enough for triage", () => {
    const texts = Array.from({ length: 2_000 }, (_, i) => `message ${i} please cancel my order and let me talk to an agent`);
    const started = performance.now();
    for (const text of texts) detectSignals(text, lexicon);
    // Generous for a loaded CI machine; in practice a few milliseconds.
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});
