import type { LanguageSignalCases } from "./cases.js";

export default {
  positives: {
    human_request: ["musteri temsilcisine baglar misiniz", "canli destege aktarin lutfen 🙏", "bir yetkiliyle gorusmek istiyorum"],
    cancellation: ["siparisimi iptal etmek istiyorum", "uyeligimi nasil iptal ederim?", "hesabimi silin artik"],
    complaint: [
      "tam bir beceriksizlik örneği",
      "hizmetiniz berbat ötesi",
      "rezalet bir hizmet 😡",
      "sikayetci olacagim",
      "en kotu hizmet bu",
    ],
    insult: ["salak bot", "gerizekali misiniz", "serefsizler"],
    fraud: ["sizi dolandırıcılar", "dolandiricilar!!", "resmen dolandirildim", "sahtekar firma"],
    legal: ["avukatima veriyorum", "tuketici hakem heyetine basvuracagim", "mahkemeye verecegim sizi"],
    money_not_credited: [
      "parayı yatırdım hiçbir şey gönderilmedi",
      "kartımdan çekildi ama sipariş yok",
      "hesabimdan para cekildi ama siparis yok",
      "iadem hala yatmadi",
      "param kesildi siparis onaylanmadi",
    ],
    charged_twice: ["kartimdan iki kez cekim yapildi", "cift cekim olmus", "2 kere odeme alindi"],
  },
  mustNot: [
    "ödeme yöntemi hiç yok mu?",
    // Portuguese "pois" is not a typo of Turkish "polis".
    "pois é, obrigado 🙏",
    "siparisim nerede? 3321",
    "bu ayakkabinin 42 numarasi var mi",
    "kapida odeme yapabilir miyim?",
    "merhaba",
    "tesekkurler 🙏",
    "yetkili servis adresi neresi?",
  ],
} satisfies LanguageSignalCases;
