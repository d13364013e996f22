import type { LanguageSignalCases } from "./cases.js";

export default {
  positives: {
    human_request: [
      "kak bisa tlpn aku sore ini",
      "kak tolong sambungin ke cs dong 🙏",
      "mau ngobrol sama admin aja, bukan bot",
      "minta nomor cs yg bisa ditelpon",
    ],
    cancellation: [
      "btlin aja pesenan aku yg tadi",
      "min pesanan saya tolong dibatalin ya",
      "gimana cara berhenti langganan?",
      "tolong hapus akun saya",
    ],
    complaint: ["pelayanan nya buruk bgt 😡", "mau komplain soal kurir", "kecewa berat sama toko ini"],
    insult: ["bot goblok", "dasar tolol", "brengsek kalian"],
    fraud: ["penipu!!! balikin duit gw", "toko bodong", "saya ditipu sama toko ini"],
    legal: ["saya laporin ke polisi", "saya bawa ke jalur hukum", "saya lapor ke bpsk"],
    money_not_credited: [
      "udah tf dari tadi tapi pesanan belum diproses",
      "dana saya kemana ini kok hilang",
      "saldo udah kepotong tapi pesanan ga ada",
      "refund nya blm masuk2 😭",
      "udah transfer tp blm dikonfirmasi",
    ],
    charged_twice: ["saldo kepotong 2x", "kok terpotong dua kali ya", "ada tagihan ganda di kartu saya"],
  },
  mustNot: [
    "nomor telepon saya ganti kak",
    "ada promo 10 persen ga kak",
    "warnanya jelek gak kak?",
    "kak pesanan saya sudah sampai mana ya",
    "ready stok ukuran L kak?",
    "bisa bayar pakai ovo?",
    "halo kak selamat pagi",
    "makasih kak 🙏",
    "posisi paket saya dimana ya",
    "barang bekas atau baru kak?",
    "kak tolong balas ya",
  ],
} satisfies LanguageSignalCases;
