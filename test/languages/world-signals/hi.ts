import type { LanguageSignalCases } from "./cases.js";

export default {
  positives: {
    human_request: [
      "bhai udhar koi insaan hai kya ya sirf bot",
      "bhai koi customer care wale se baat karwao",
      "mujhe kisi agent se connect kro plzz 🙏",
      "mujhe call back chahiye urgent",
      "किसी इंसान से बात करवाओ",
    ],
    cancellation: [
      "meri membership band karwa do bhai",
      "mera order cancle krdo",
      "subscription cancel karna h mujhe",
      "मेरा ऑर्डर कैंसल कर दो",
    ],
    complaint: [
      "tumhara staff ekdum nalayak hai",
      "ekdum bakwas service hai aapki 😡",
      "mujhe complaint darj karni hai",
      "बहुत घटिया सर्विस है",
    ],
    insult: ["chutiye ho kya tum log", "bewakoof bot kuch samajhta nahi", "हरामखोर लोग"],
    fraud: ["fraud company hai ye 😡", "chor ho tum sab, paise kha gaye", "धोखेबाज कंपनी"],
    legal: ["consumer court me case karunga", "police complaint kar dunga", "मैं कोर्ट जाऊंगा"],
    money_not_credited: [
      "paise kat gaye par order nahi hua",
      "refund abhi tk nhi aaya 😭",
      "पैसे कट गए लेकिन ऑर्डर नहीं हुआ",
      "amount debit ho gaya but payment failed dikha raha",
      "refund kab aayega? abhi tak nahi aaya",
      "paise kat gaye, ab mere paas paise nahi hai",
    ],
    charged_twice: [
      "कल तीन बार पेमेंट काटा गया कार्ड से",
      "do baar paise kat gaye 😡",
      "double deduction ho gaya mere account se",
      "दो बार पैसे कटे हैं",
    ],
  },
  mustNot: [
    "light band kar do please",
    "koi size hai kya 42 me",
    "ek accha phone suggest karo 15k tak",
    "mere paas abhi paise nahi hai, kal order karunga",
    "kurte ka size L hai?",
    "mera order kab tak aayega?",
    "ye phone ka cover black me milega?",
    "upi se payment kaise kare",
    "namaste ji",
    "thank you bhai 🙏",
    "mujhe mera number change karna hai",
    "fir se check karke batao",
    "मुझे बताओ ऑर्डर कहाँ है",
  ],
} satisfies LanguageSignalCases;
