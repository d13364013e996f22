import type { LanguageSignalCases } from "./cases.js";

export default {
  positives: {
    human_request: [
      "law sama7t 3ayez 7ad yetasel beya ba3d el dohr",
      "ممكن حد يتصل بيا بكرة الصبح",
      "ابغى اكلم موظف خدمه عملاء لو سمحت",
      "عايز اتكلم مع حد من الدعم 🙏",
      "abi akallem mowazaf please",
      "3ayz akalem 7ad mn el support",
    ],
    cancellation: [
      "الغيها يا اخي الطلبية ما عادت تلزمني",
      "ابي الغي الطلب رقم ٤٥٢١",
      "كيف الغي اشتراكي؟",
      "احذفو حسابي لو سمحتو",
      "abgha algi el talab",
    ],
    complaint: ["خدمتكم سيئه جدا 😡", "بقدم شكوى على المندوب", "اسوأ خدمه شفتها", "khedma zeft bsara7a"],
    insult: ["انتو حمير؟", "بوت غبي ما يفهم", "يلعن ابوكم"],
    fraud: ["نصابين!!", "شركة نصب واحتيال", "حراميه سرقتو فلوسي", "nasabeen ya3ni"],
    legal: ["برفع عليكم قضيه", "راح اشتكي لحماية المستهلك", "بروح للمحكمه", "ra7 a3'ady m7ami"],
    money_not_credited: [
      "et5asamet 500 geneh men el card w mafish ta2keed",
      "انخصم المبلغ من حسابي والطلب ما تأكد",
      "الفلوس ما رجعت لي لحد الان",
      "الاسترداد ما وصل",
      "el flos in5asamat w ma fi talab",
    ],
    charged_twice: ["انخصم مني مرتين 😡", "الفلوس انسحبت مرتين", "في خصم مكرر على البطاقه"],
  },
  mustNot: [
    "علي اتصل امس بخصوص الطلب",
    "ابي اشتري جوال جديد",
    "هل الشركة فاتحة اليوم؟",
    "وين طلبي؟ رقم ٣٣٢١",
    "هل المنتج متوفر باللون الاسود",
    "كيف ادفع بمدى؟",
    "السلام عليكم",
    "شكرا جزيلا 🙏",
    "هل المنتج حلال ولا حرام",
    "كم سعر الغاز",
  ],
} satisfies LanguageSignalCases;
