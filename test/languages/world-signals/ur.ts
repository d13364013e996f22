import type { LanguageSignalCases } from "./cases.js";

export default {
  positives: {
    human_request: [
      "koi agent mojood hai abhi?",
      "کسی نمائندے سے بات کروائیں",
      "mujhe customer care se baat krni hai plz",
      "mujhy call kren abhi",
    ],
    cancellation: ["mera package khatam krna hai", "میرا آرڈر کینسل کر دیں", "order cancel kr dein please", "اکاؤنٹ ڈیلیٹ کریں میرا"],
    complaint: ["یہ عملہ بالکل نکما ہے", "بہت گھٹیا سروس ہے 😡", "mujhe shikayat darj karwani hai", "badtareen service hai ap ki"],
    insult: ["بیوقوف لوگ", "ullu ke pathay ho tum", "bewaqoof bot"],
    fraud: ["فراڈ کمپنی ہے یہ", "dhokay baz log ho", "jaali company paisay kha gaye"],
    legal: ["میں عدالت جاؤں گا", "fia cyber crime mein complaint karunga", "consumer court mein case krunga"],
    money_not_credited: ["jazzcash se paisay kat gaye order nahi hua", "ریفنڈ ابھی تک نہیں آیا", "پیسے کٹ گئے ہیں لیکن آرڈر نہیں ہوا"],
    charged_twice: ["میرے کارڈ سے دو بار رقم کاٹی گئی", "do dafa paisay kat gaye 😡", "دو بار پیسے کٹ گئے", "double payment ho gai hai"],
  },
  mustNot: [
    "کوئی سائز ہے بڑا؟",
    "mera order kab aye ga?",
    "ye suit medium size mein hai?",
    "easypaisa se payment kaise karun",
    "assalam o alaikum",
    "shukriya bhai",
    "jaldi bhej dein please",
  ],
} satisfies LanguageSignalCases;
