import type { LanguageSignalCases } from "./cases.js";

export default {
  positives: {
    human_request: [
      "có ai trực không vậy",
      "gọi lại cho mình nha",
      "cho mình gặp nhân viên tư vấn với ạ",
      "cho gap nv cskh di",
      "goi lai cho minh nhe 🙏",
    ],
    cancellation: ["shop huy don giup minh voi", "mình muốn hủy đơn hàng vừa đặt", "xoa tai khoan cua toi di"],
    complaint: ["shop làm ăn cẩu thả quá", "chán quá đi mất", "dich vu qua te 😡", "tôi muốn khiếu nại", "that vong ve shop"],
    insult: ["bot ngu vl", "đồ ngu", "mat day"],
    fraud: ["shop lua dao", "bọn lừa đảo", "hang fake ma ban gia that"],
    legal: ["tôi sẽ báo công an", "khoi kien shop", "gap luat su"],
    money_not_credited: [
      "ck xong mà đơn vẫn chưa xác nhận",
      "bi tru tien roi ma don chua co",
      "tien van chua ve tk",
      "chua duoc hoan tien 😭",
    ],
    charged_twice: ["bi tru tien 2 lan", "tru 2 lan luon shop oi", "giao dich bi trung"],
  },
  mustNot: [
    "shop có sạc dự phòng không",
    "mua quà tặng mẹ",
    "hủy đơn có mất phí không",
    "anh Huy ơi đơn của em đâu rồi",
    "đơn hàng của mình đến đâu rồi ạ",
    "áo này còn size M không shop",
    "thanh toan qua momo duoc khong",
    "chào shop",
    "cảm ơn shop nhiều ❤️",
    "shop có nhận tiền mặt không",
  ],
} satisfies LanguageSignalCases;
