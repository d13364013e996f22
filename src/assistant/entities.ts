import type { ExtractedEntities } from "../ports/assistant.js";
import { MAX_CLASSIFY_CHARS } from "./text-normalizer.js";

/** Order references: "order ABC-1234", "purchase #12345", "order no. 123456". */
const ORDER_KEYWORD_REF =
  /\b(?:order|purchase|ord|ref(?:erence)?)\s*(?:no\.?|number|num|id|#)?\s*[:#]?\s*([a-z]{0,5}-?\d[\d-]{2,}[a-z\d]*)\b/i;
/** A bare "#12345". */
const HASH_REF = /(?:^|[^\w&])#\s?([a-z]{0,5}-?\d{4,}[a-z\d-]*)\b/i;
/** A bare run of 5+ digits (not part of a longer number with separators, a phone number or an amount). */
const BARE_DIGITS = /(?<![\d.,+$€£¥₹-])\b(\d{5,20})\b(?![.,]\d)/g;
/** International or bracketed phone numbers, blanked out before looking for bare order digits. */
const PHONE_NUMBER = /\+\d[\d\s().-]{6,}\d|\(\d{2,4}\)\s?\d{3,4}[\s-]?\d{3,4}/g;
/** Invoices, bills and receipts have numbers too, but they are not orders. */
const NOT_ORDER_BEFORE = /\b(?:invoice|bill|receipt|phone|tel|mobile|call|iban|card)\s*(?:no\.?|number|#)?\s*:?\s*$/i;

const SYMBOLS: Record<string, string> = { $: "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR" };
const CURRENCY_WORDS: Record<string, string> = {
  dollar: "USD",
  dollars: "USD",
  bucks: "USD",
  usd: "USD",
  euro: "EUR",
  euros: "EUR",
  eur: "EUR",
  pound: "GBP",
  pounds: "GBP",
  quid: "GBP",
  gbp: "GBP",
  yen: "JPY",
  jpy: "JPY",
  rupee: "INR",
  rupees: "INR",
  inr: "INR",
  cad: "CAD",
  aud: "AUD",
  chf: "CHF",
};
const NUMBER = String.raw`\d{1,3}(?:[,.\s]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?`;
const WORD_CODES = Object.keys(CURRENCY_WORDS).join("|");
const AMOUNT_PATTERNS: RegExp[] = [
  // $250, € 40.50, US$99
  new RegExp(String.raw`(?:US)?([$€£¥₹])\s?(${NUMBER})`, "i"),
  // USD 99, EUR 40
  new RegExp(String.raw`\b(usd|eur|gbp|jpy|inr|cad|aud|chf)\s?(${NUMBER})\b`, "i"),
  // 250 dollars, 40,50 €, 99 USD
  new RegExp(String.raw`(?<![\d#])(${NUMBER})\s?([$€£¥₹]|(?:${WORD_CODES})\b)`, "i"),
];

/** "1,200.50" -> 1200.5, "40,50" -> 40.5, "1.200,50" -> 1200.5. */
export function parseAmount(raw: string): number | undefined {
  let text = raw.replace(/\s/g, "");
  const lastSeparator = Math.max(text.lastIndexOf(","), text.lastIndexOf("."));
  if (lastSeparator >= 0 && text.length - lastSeparator - 1 <= 2) {
    // The last separator is a decimal point; every earlier one groups thousands.
    text = `${text.slice(0, lastSeparator).replace(/[.,]/g, "")}.${text.slice(lastSeparator + 1)}`;
  } else text = text.replace(/[.,]/g, "");
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

function extractAmount(text: string): Pick<ExtractedEntities, "amount" | "currency"> & { span?: [number, number] } {
  let best: { index: number; amount: number; currency: string; length: number } | undefined;
  AMOUNT_PATTERNS.forEach((pattern, i) => {
    const match = pattern.exec(text);
    if (!match) return;
    const [unit, number] = i === 2 ? [match[2]!, match[1]!] : [match[1]!, match[2]!];
    const amount = parseAmount(number);
    const currency = SYMBOLS[unit] ?? CURRENCY_WORDS[unit.toLowerCase()];
    if (amount === undefined || currency === undefined) return;
    if (!best || match.index < best.index) best = { index: match.index, amount, currency, length: match[0].length };
  });
  if (!best) return {};
  return { amount: best.amount, currency: best.currency, span: [best.index, best.index + best.length] };
}

function extractOrderNumber(text: string, amountSpan?: [number, number]): string | undefined {
  const keyword = ORDER_KEYWORD_REF.exec(text);
  if (keyword) return keyword[1]!.toUpperCase();
  const hash = HASH_REF.exec(text);
  if (hash && !NOT_ORDER_BEFORE.test(text.slice(0, hash.index + 1))) return hash[1]!.toUpperCase();
  const withoutPhones = text.replace(PHONE_NUMBER, (phone) => " ".repeat(phone.length));
  for (const match of withoutPhones.matchAll(BARE_DIGITS)) {
    const start = match.index;
    if (amountSpan && start >= amountSpan[0] && start < amountSpan[1]) continue;
    if (NOT_ORDER_BEFORE.test(text.slice(0, start))) continue;
    return match[1]!;
  }
  return undefined;
}

/** Order number, amount and currency mentioned in a customer message. Never throws. */
export function extractEntities(rawText: string): ExtractedEntities {
  const text = rawText.slice(0, MAX_CLASSIFY_CHARS);
  const { amount, currency, span } = extractAmount(text);
  const orderNumber = extractOrderNumber(text, span);
  const entities: ExtractedEntities = {};
  if (orderNumber !== undefined) entities.orderNumber = orderNumber;
  if (amount !== undefined) {
    entities.amount = amount;
    entities.currency = currency;
  }
  return entities;
}

/** Words that may surround an order number given in reply to "what's your order number?" ("it's 100298 thanks"). */
const REPLY_FILLER = new Set([
  "i",
  "think",
  "it",
  "its",
  "is",
  "was",
  "that",
  "thats",
  "this",
  "here",
  "heres",
  "you",
  "go",
  "my",
  "the",
  "a",
  "an",
  "of",
  "for",
  "order",
  "orders",
  "number",
  "no",
  "nr",
  "num",
  "id",
  "ref",
  "reference",
  "please",
  "pls",
  "plz",
  "sure",
  "yes",
  "yeah",
  "yep",
  "ok",
  "okay",
  "oh",
  "um",
  "hmm",
  "sorry",
  "thanks",
  "thank",
  "thx",
  "ty",
]);
/** One order reference on its own, the shape ORDER_KEYWORD_REF captures: "100298", "AB-20481". */
const REFERENCE_TOKEN = /^[a-z]{0,5}-?\d[\d-]{2,}[a-z\d]*$/i;
/** Longer than this, a message is saying more than its order number. */
const MAX_REPLY_CHARS = 80;

/**
 * The order number when the message is nothing but one, in reply to the assistant asking for it:
 * "100298", "it's AB-20481", "order #100298 please". Undefined when it says anything else, or holds two.
 */
export function extractOrderReply(text: string): string | undefined {
  if (text.length > MAX_REPLY_CHARS) return undefined;
  const tokens = text
    .toLowerCase()
    .replace(/['’]/g, "")
    .split(/[^\p{L}\p{N}-]+/u)
    .map((token) => token.replace(/^-+|-+$/g, ""))
    .filter(Boolean);
  let reference: string | undefined;
  for (const token of tokens) {
    if (REFERENCE_TOKEN.test(token)) {
      if (reference !== undefined) return undefined;
      reference = token.toUpperCase();
    } else if (!REPLY_FILLER.has(token)) return undefined;
  }
  return reference;
}
