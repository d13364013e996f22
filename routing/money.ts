import type { PolicyConfig } from "../src/config/schema.js";
import { normalizeText } from "./text-normalize.js";

/** Refund words in the seven languages; stems, so "refunded" and "reimbursement" match. */
const REFUND_WORDS =
  /\b(refund|money back|reimburs|rebate|chargeback|charge back|reembols|rembours|erstatt|rimbors|terugbetal|restitution)/;

/** Is the customer asking for money back (as opposed to tracking a refund already granted)? */
export function isRefundRequest(
  intent: string,
  text: string,
  policy: Pick<PolicyConfig, "refundIntents" | "refundTrackingIntents">,
): boolean {
  // Asking where an approved refund is: no money decision is made, so no limit applies.
  if (policy.refundTrackingIntents.includes(intent)) return false;
  return policy.refundIntents.includes(intent) || REFUND_WORDS.test(normalizeText(text));
}

/** "$250.00", "€80.00": always two decimals so the card reads as money. Falls back for unknown codes. */
export function formatMoney(amount: number, currency: string): string {
  try {
    return new Intl.NumberFormat("en-US", { style: "currency", currency, minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(
      amount,
    );
  } catch {
    return `${amount.toFixed(2)} ${currency}`;
  }
}
