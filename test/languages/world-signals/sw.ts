import type { LanguageSignalCases } from "./cases.js";

export default {
  positives: {
    human_request: [
      "nataka kuunganishwa na mhusika wa malipo",
      "naomba kuongea na mhudumu tafadhali",
      "niunganishe na mtu wa huduma kwa wateja",
      "nipigieni simu sasa hivi",
    ],
    cancellation: ["nataka kughairi oda yangu", "nifutie akaunti yangu, futa akaunti", "sitisha usajili wangu"],
    complaint: [
      "wafanyakazi wenu ni wazembe sana",
      "aibu kubwa kwenu",
      "huduma mbovu sana 😡",
      "nataka kulalamika kuhusu dereva",
      "huduma yenu ni mbaya sana",
    ],
    insult: ["nyinyi wajinga", "bot mjinga", "washenzi nyinyi"],
    fraud: ["nyinyi ni matapeli", "wezi wakubwa", "mmeniibia pesa yangu"],
    legal: ["nitawashtaki mahakamani", "nitaripoti polisi", "nitaenda kwa wakili"],
    money_not_credited: [
      "nishalipa jana lakini bado sijapata mzigo",
      "pesa imekatwa lakini oda haipo",
      "refund haijafika bado",
      "mpesa imekatwa na hakuna oda",
    ],
    charged_twice: [
      "mpesa imekata malipo mara mbili leo",
      "nimekatwa mara mbili",
      "pesa imekatwa mara 2",
      "mmenikata mara mbili kwa oda moja",
    ],
  },
  mustNot: [
    "naomba mtu wa kuleta mzigo kesho",
    "nataka kununua simu mpya",
    "chakula cha mbwa kipo?",
    "wakala wa mpesa yuko wapi?",
    "oda yangu iko wapi?",
    "mna viatu size 42?",
    "naweza kulipa kwa mpesa?",
    "habari yako",
    "asante sana 🙏",
    "mwisho wa ofa ni kesho?",
  ],
} satisfies LanguageSignalCases;
