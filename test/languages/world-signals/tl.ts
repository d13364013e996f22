import type { LanguageSignalCases } from "./cases.js";

export default {
  positives: {
    human_request: [
      "hello may admin po ba dito na pwede kausapin",
      "ano po contact number ng customer service nyo",
      "pa-connect naman po sa agent 🙏",
      "gusto ko po makausap yung csr",
      "pakitawagan nyo po ako",
    ],
    cancellation: ["pa-cancel po ng order ko", "paano po i-cancel yung subscription?", "pakidelete na po ng account ko"],
    complaint: [
      "sobrang panget ng service ng delivery nyo",
      "wala ka talagang silbi",
      "ang pangit ng serbisyo nyo 😡",
      "magrereklamo ako sa dti",
      "walang kwentang app",
    ],
    insult: ["tangina nyo", "bobo ng bot na to", "mga gago kayo"],
    fraud: ["scammer kayo!!", "niloko nyo ko", "mga manloloko"],
    legal: ["kakasuhan ko kayo", "ireport ko kayo sa dti", "magpapapulis ako"],
    money_not_credited: ["nabawasan gcash ko pero walang order", "hindi pa rin pumapasok yung refund", "bayad na po pero pending pa rin"],
    charged_twice: [
      "nakaltasan ng 2 beses yung card ko",
      "dalawang beses nakaltas sa card ko",
      "doble ang bawas sa gcash",
      "2 beses nabawas yung pera ko",
    ],
  },
  mustNot: [
    "wala pa pong kwenta ang total?",
    "walang stock sa app?",
    "pangit ba yung kulay na pula?",
    // Dutch "korte" (short) is not Tagalog "korte" (court).
    "een korte vraag over mijn bestelling",
    "kailan po dadating order ko?",
    "may size 8 po ba?",
    "pwede po ba mag gcash payment?",
    "hello po good morning",
    "salamat po 🙏",
    "gusto ko sana kaso wala pa akong pera",
  ],
} satisfies LanguageSignalCases;
