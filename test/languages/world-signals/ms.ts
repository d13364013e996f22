import type { LanguageSignalCases } from "./cases.js";

export default {
  positives: {
    human_request: ["saya nak cakap dengan staf boleh?", "tolong sambungkan dengan ejen 🙏", "nak bercakap dengan orang sebenar"],
    cancellation: ["saya nak batalkan order saya", "macam mana nak tamatkan langganan", "tolong padam akaun saya"],
    complaint: ["servis teruk gila 😡", "saya nak buat aduan", "kecewa sangat dengan kedai ni"],
    insult: ["bodoh betul bot ni", "bangang la korang", "celaka punya servis"],
    fraud: ["korang ni penipu", "kena tipu dengan kedai ni", "scammer!!"],
    legal: ["saya akan buat report polis", "jumpa di mahkamah", "saya bawa ke tribunal tuntutan pengguna"],
    money_not_credited: ["duit dah tolak tapi order takde", "refund belum masuk lagi", "duit saya hilang dari akaun"],
    charged_twice: ["kena charge dua kali", "duit tolak 2 kali", "bank saya kena caj double"],
  },
  mustNot: [
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
