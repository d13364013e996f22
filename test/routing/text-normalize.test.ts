import { describe, expect, it } from "vitest";
import { normalizeText, tokenise } from "../../routing/text-normalize.js";

describe("normalizeText folds what keyboards write in more than one way", () => {
  it.each([
    ["Atención", "atencion"],
    ["Müşteri İPTAL ıptal", "musteri iptal iptal"],
    ["CZŁOWIEK", "czlowiek"],
    ["Tổng Đài", "tong dai"],
    ["ёлка", "елка"],
    ["خدمـــة", "خدمه"],
    ["إلغاء أو آخر", "الغاء او اخر"],
    ["شكوى", "شكوي"],
    ["کسٹمر کیئر", "كسٹمر كيير"],
    ["نہیں", "نهين"],
    ["٤٥٢١ ۲", "4521 2"],
    ["２回", "2回"],
    ["ｵﾍﾟﾚｰﾀｰ", "オペレーター"],
    ["ज़रूर", "जरूर"],
    ["मैँ", "मैं"],
  ])("%s → %s", (written, expected) => {
    expect(normalizeText(written)).toBe(expected);
  });

  it("keeps Indic and Thai vowel signs, kana voicing and Hangul syllables, which tell words apart", () => {
    expect(normalizeText("बात")).not.toBe(normalizeText("बता"));
    expect(normalizeText("ห่วย")).not.toBe(normalizeText("หวย"));
    expect(normalizeText("ペ")).toBe("ペ");
    expect(normalizeText("상담원")).toBe("상담원");
  });
});

describe("tokenise", () => {
  it("keeps a word's vowel signs inside the word", () => {
    expect(tokenise("मुझे बात करनी है")).toEqual(["मुझे", "बात", "करनी", "है"]);
    expect(tokenise("ขอคุยกับพนักงาน ค่ะ")).toEqual(["ขอคุยกับพนักงาน", "ค่ะ"]);
  });

  it("reads the Ukrainian apostrophe like any other", () => {
    expect(tokenise("зʼєднайте")).toEqual(tokenise("з'єднайте"));
  });
});
