import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { detectDeniedSignals, detectSignals } from "../../routing/escalation-signals.js";
import { compileSignalLexicon, type SignalLexiconSource } from "../../routing/signal-lexicon.js";
import type { SignalCategory } from "../../src/domain/escalation.js";
import { loadLanguageCatalog, LANGUAGES_DIR } from "../../src/languages/language-catalog.js";
import {
  loadSignalLexicon,
  loadSignalSources,
  NEGATION_FILE,
  readNegationFile,
  SIGNALS_FILE,
} from "../../src/languages/signal-lexicons.js";
import { defaultConfig } from "./policy-driver.js";

/** Negation over the shipped lexicons: a denied mention is no signal, a plain one still is. */
const lexicon = loadSignalLexicon(defaultConfig().policy);
const categories = (text: string) => detectSignals(text, lexicon).map((match) => match.category);

describe("negated mentions of negatable categories", () => {
  it.each([
    ["en", "please dont cancel my order, I only want to know when it ships"],
    ["en", "I do not want to cancel the subscription, I was just asking when it arrives"],
    ["en", "I'm not complaining, just asking about the delivery date"],
    ["en", "is this a scam site? no, right? just checking before I pay"],
    ["es", "no quiero cancelar mi pedido, solo saber cuando llega"],
    ["pt", "nao quero cancelar meu pedido, so queria saber o prazo"],
    ["fr", "je ne veux pas annuler ma commande, juste pour savoir quand elle arrive"],
    ["de", "ich will meine Bestellung nicht stornieren, wollte nur wissen wann sie kommt"],
    ["hi", "order cancel mat karo bas status batao"],
    ["id", "jangan batalkan pesanan saya, cuma mau tanya kapan sampai"],
    ["zh", "我不想取消订单，只是想知道什么时候到"],
    ["ja", "注文をキャンセルしないでください、いつ届くか知りたいだけです"],
  ])("%s: %s → no cancellation, complaint or fraud", (_language, text) => {
    const found = categories(text);
    for (const category of ["cancellation", "complaint", "fraud"] satisfies SignalCategory[]) expect(found).not.toContain(category);
  });
});

describe("mentions that stay signals", () => {
  it.each([
    ["en", "cancel my order please", "cancellation"],
    ["en", "I don't want this subscription anymore, cancel it", "cancellation"],
    ["en", "No. Cancel my order now", "cancellation"],
    ["es", "quiero cancelar mi pedido", "cancellation"],
    ["es", "no puedo cancelar mi pedido, ayuda", "cancellation"],
    ["hi", "mera order cancel kar do", "cancellation"],
    ["zh", "我要取消订单", "cancellation"],
    ["en", "not received the refund money, please check", "money_not_credited"],
    ["en", "I don't want the bot, I want to talk to a person", "human_request"],
  ] satisfies [string, string, SignalCategory][])("%s: %s → %s", (_language, text, category) => {
    expect(categories(text)).toContain(category);
  });
});

describe("which categories a negator silences", () => {
  const sources: SignalLexiconSource[] = [
    {
      source: "test",
      signals: { cancellation: { phrases: ["terminate"] }, money_not_credited: { phrases: ["refund"] } },
      negation: { before: ["never"], after: ["nope"], reassurance: ["only curious"], inability: ["never could"] },
    },
  ];
  const negating = compileSignalLexicon(sources, { negatable: ["cancellation"] });
  const found = (text: string, lexicon = negating) => detectSignals(text, lexicon).map((match) => match.category);

  it("drops a negatable category with a negator up to two tokens before or after it", () => {
    expect(found("never terminate it")).toEqual([]);
    expect(found("never ever terminate")).toEqual([]);
    expect(found("terminate it nope")).toEqual([]);
    expect(found("never said we should terminate")).toEqual(["cancellation"]);
  });

  it("keeps categories that are not negatable, and every category without the option", () => {
    expect(found("never refund")).toEqual(["money_not_credited"]);
    expect(found("never terminate", compileSignalLexicon(sources))).toEqual(["cancellation"]);
  });

  it("does not reach across a clause mark, nor read an inability as a denial", () => {
    expect(found("never. terminate it")).toEqual(["cancellation"]);
    expect(found("never could terminate it")).toEqual(["cancellation"]);
  });

  it("reports the categories only mentioned to be denied", () => {
    expect(detectDeniedSignals("never terminate it", negating)).toEqual(["cancellation"]);
    expect(detectDeniedSignals("never terminate it, no wait, terminate it", negating)).toEqual([]);
    expect(detectDeniedSignals("terminate it", negating)).toEqual([]);
  });

  it("silences a negatable category when a denial comes with a reassurance anywhere", () => {
    expect(found("terminate? nope... only curious")).toEqual([]);
    expect(found("terminate, only curious")).toEqual(["cancellation"]);
  });
});

describe("negation.json", () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it.each(loadLanguageCatalog().map((language) => language.code))("%s ships a valid file with negators", (code) => {
    const rules = readNegationFile(join(LANGUAGES_DIR, code, NEGATION_FILE));
    expect((rules.before?.length ?? 0) + (rules.after?.length ?? 0)).toBeGreaterThan(0);
  });

  it("names the file, the path and the keys when a list holds something else", () => {
    const dir = mkdtempSync(join(tmpdir(), "warmline-negation-"));
    dirs.push(dir);
    mkdirSync(join(dir, "xx"));
    writeFileSync(join(dir, "xx", SIGNALS_FILE), JSON.stringify({ signals: {} }));
    writeFileSync(join(dir, "xx", NEGATION_FILE), JSON.stringify({ before: ["dont", ""], later: ["nope"] }));
    expect(() => loadSignalSources(dir)).toThrow(/xx[/\\]negation\.json is invalid \(keys are before, after, reassurance, inability/);
    expect(() => loadSignalSources(dir)).toThrow(/before\[1\]/);
    expect(() => loadSignalSources(dir)).toThrow(/later/);
  });

  it("takes negatable categories from the config, defaulting per category", () => {
    const policy = defaultConfig().policy;
    const shipped = loadSignalLexicon(policy).negation.negatable;
    expect([...shipped].sort()).toEqual(["cancellation", "complaint", "fraud", "insult", "legal"]);
    const custom = defaultConfig().policy;
    custom.signalActions.cancellation = { ...custom.signalActions.cancellation!, negatable: false };
    const lexicon = loadSignalLexicon(custom);
    expect(lexicon.negation.negatable.has("cancellation")).toBe(false);
    expect(detectSignals("please dont cancel my order", lexicon).map((match) => match.category)).toContain("cancellation");
  });
});
