import type { LanguageSignalCases } from "./cases.js";

export default {
  positives: {
    human_request: [
      "kat sini ada admin tak?",
      "saya nak cakap dengan staf boleh?",
      "tolong sambungkan dengan ejen 🙏",
      "nak bercakap dengan orang sebenar",
    ],
    cancellation: ["saya nak batalkan order saya", "macam mana nak tamatkan langganan", "tolong padam akaun saya"],
    complaint: ["servis teruk gila 😡", "saya nak buat aduan", "kecewa sangat dengan kedai ni"],
    insult: ["bodoh betul bot ni", "bangang la korang", "celaka punya servis"],
    fraud: ["korang ni penipu", "kena tipu dengan kedai ni", "scammer!!"],
    legal: ["aku saman korang semua nanti", "saya akan buat report polis", "jumpa di mahkamah", "saya bawa ke tribunal tuntutan pengguna"],
    money_not_credited: [
      "saya dah bayar tapi order tak masuk lagi",
      "duit dah keluar dari akaun bank tapi status gagal",
      "duit dah tolak tapi order takde",
      "refund belum masuk lagi",
      "duit saya hilang dari akaun",
    ],
    charged_twice: ["kena charge dua kali", "duit tolak 2 kali", "bank saya kena caj double"],
  },
  mustNot: [
    "macam mana nak bayar saman trafik",
    "ada stok saiz M tak",
    "siparişim ne zaman gelecek",
    // Spanish "aduana" (customs) is not a typo of Malay "aduan".
    "mi paquete está en aduana",
    "bila barang saya sampai?",
    "ada saiz M tak?",
    "boleh bayar guna fpx?",
    "assalamualaikum",
    "terima kasih banyak",
    "sama macam semalam ke harga?",
  ],
} satisfies LanguageSignalCases;
