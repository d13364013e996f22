import { describe, expect, it } from "vitest";
import { identifyLanguage } from "../../src/languages/identify-language.js";

// Messages written for this test, apart from scripts/language-id-messages.tsv (which the cue lists were checked on).
describe("identifyLanguage", () => {
  it.each([
    ["quiero devolver estas zapatillas", "es", "Spanish"],
    ["obrigado pela ajuda de hoje", "pt", "Portuguese"],
    ["ich warte schon seit montag auf mein paket", "de", "German"],
    ["nie moge zalogowac sie do konta", "pl", "Polish"],
    ["мне нужна помощь с возвратом", "ru", "Russian"],
    ["faturamda fazla ücret var", "tr", "Turkish"],
    ["مرحبا اريد استرجاع المبلغ", "ar", "Arabic"],
    ["मुझे अपना पैसा वापस चाहिए", "hi", "Hindi"],
    ["ফেরত কবে পাবো", "bn", "Bengali"],
    ["สั่งของไปแล้วยังไม่มา", "th", "Thai"],
    ["배송이 너무 늦어요", "ko", "Korean"],
    ["荷物はいつ届きますか", "ja", "Japanese"],
  ])("names the language of %j", (text, code, name) => {
    expect(identifyLanguage(text)).toMatchObject({ code, name });
  });

  it("recognises romanized forms and Pidgin by the cue words in their language.json", () => {
    expect(identifyLanguage("bhai mera parcel kahan hai abhi tak")).toMatchObject({
      code: "hi",
      name: "Hinglish (romanized Hindi)",
      script: "Latn",
    });
    expect(identifyLanguage("abeg wetin happen to my refund")).toMatchObject({ code: "en", name: "Nigerian Pidgin" });
    expect(identifyLanguage("ana 3ayez a3raf el order fein")).toMatchObject({ code: "ar", script: "Latn" });
    expect(identifyLanguage("ami tomar sathe kotha bolte chai")).toMatchObject({ code: "bn", script: "Latn" });
    expect(identifyLanguage("mujhe refund chahiye janab bohat dair ho gayi")).toMatchObject({ code: "ur", script: "Latn" });
  });

  it("tells Indonesian from Malay, and finds Swahili, which the library lacks", () => {
    expect(identifyLanguage("kak pesanan saya belum nyampe juga")?.code).toBe("id");
    expect(identifyLanguage("saya nak tahu bila duit saya dipulangkan")?.code).toBe("ms");
    expect(identifyLanguage("nataka kujua mzigo wangu uko wapi")?.code).toBe("sw");
  });

  it("gives no answer for text too short or ambiguous to tell", () => {
    for (const text of ["ok", "👍", "100298", "hi", "??", "refund", "CANCELAR", "gracias"])
      expect(identifyLanguage(text), text).toBeUndefined();
  });

  it("breaks a tie between two languages in favour of the conversation's language", () => {
    // Only words romanized Hindi and Urdu share: Hinglish by default, Urdu in a conversation already in Urdu.
    const shared = "mujhe paise chahiye abhi";
    expect(identifyLanguage(shared)?.code).toBe("hi");
    expect(identifyLanguage(shared, { previous: "ur" })?.code).toBe("ur");
  });

  it("reports a confidence between 0 and 1", () => {
    const found = identifyLanguage("je voudrais annuler ma commande");
    expect(found?.code).toBe("fr");
    expect(found?.confidence).toBeGreaterThan(0);
    expect(found?.confidence).toBeLessThanOrEqual(1);
  });
});
