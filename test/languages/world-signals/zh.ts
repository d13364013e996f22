import type { LanguageSignalCases } from "./cases.js";

export default {
  positives: {
    human_request: ["转人工客服", "我要找真人客服 🙏", "請給我打電話"],
    cancellation: ["我要取消订单", "幫我取消訂單", "怎么注销账号？"],
    complaint: ["我要投诉你们", "服務態度很差 😡", "垃圾平台"],
    insult: ["傻逼机器人", "你们是智障吗", "廢物"],
    fraud: ["你们就是骗子", "詐騙集團", "卖假货"],
    legal: ["我要报警", "找律师起诉你们", "去消協投訴"],
    money_not_credited: ["钱被扣了订单没显示", "退款还没到账", "已付款但是訂單顯示未付款"],
    charged_twice: ["扣了两次钱", "重复扣款了", "信用卡被重複扣款"],
  },
  mustNot: ["我的包裹到哪里了", "这件有M码吗", "可以用支付宝付款吗", "你好", "谢谢 🙏", "人工智能的产品有吗", "我妈妈的订单到了吗"],
} satisfies LanguageSignalCases;
