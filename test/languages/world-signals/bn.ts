import type { LanguageSignalCases } from "./cases.js";

export default {
  positives: {
    human_request: [
      "এখানে কোনো এজেন্ট আছেন কি",
      "কাস্টমার কেয়ারের কারো সাথে কথা বলতে চাই",
      "agent er sathe kotha bolte chai plz",
      "আমাকে একটু কল দেন প্লিজ",
    ],
    cancellation: ["amar plan ta bondho korte chai", "আমার অর্ডারটা বাতিল করে দিন", "order ta cancel kore den vai", "সাবস্ক্রিপশন ক্যানসেল করতে চাই"],
    complaint: ["apnader staff ra opodartho", "একদম বাজে সার্ভিস 😡", "আমি অভিযোগ করতে চাই", "faltu service apnader"],
    insult: ["তোরা সব বলদ", "বোকাচোদা বট", "harami er dol"],
    fraud: ["আপনারা প্রতারক", "ভুয়া কোম্পানি 😡", "batpar company taka mere dise"],
    legal: ["ami case korbo tomader nam e", "আমি মামলা করবো", "ভোক্তা অধিকারে অভিযোগ দিব", "police e jabo, mamla korbo"],
    money_not_credited: [
      "nagad e payment gelo kintu kono confirmation pai nai",
      "বিকাশ থেকে টাকা কেটে নিছে কিন্তু অর্ডার হয়নি",
      "রিফান্ড এখনো আসেনি",
      "taka kete nise but order confirm hoy nai",
    ],
    charged_twice: ["দুইবার টাকা কেটেছে", "ডাবল পেমেন্ট হয়ে গেছে", "duibar taka katse 😡"],
  },
  mustNot: [
    "বাচ্চার জন্য জুতা আছে?",
    "dokan kokhon bondho hoy?",
    "আমার মামা অর্ডার করেছে",
    "আমার অর্ডার কবে আসবে?",
    "এই শাড়িটা লাল রঙে আছে?",
    "বিকাশে কিভাবে পেমেন্ট করব",
    "আসসালামু আলাইকুম",
    "ধন্যবাদ ভাই",
    "order ta kobe pabo?",
  ],
} satisfies LanguageSignalCases;
