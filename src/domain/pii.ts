/**
 * Masks personal data in customer text before it leaves for the agent workspace.
 * Card numbers are only masked when they look like a real card (known prefix, length, Luhn),
 * so long order numbers stay readable for the agent.
 */
export interface MaskOptions {
  maskCards: boolean;
  maskEmails: boolean;
  maskPhones: boolean;
}

const MASK = "•";

// A run of digit groups separated by single spaces or dashes; cards (13–19 digits) are looked for inside it.
// Digit lookarounds rather than \b, so a number glued to letters ("card4111…", "…1111a@b.co") is found too.
const CARD_CANDIDATE = /(?<!\d)\d+(?:[ -]\d+)*(?!\d)/g;
const CARD_MAX_DIGITS = 19;
// The local part takes every character RFC 5322 allows unquoted (atext), not only the common ones.
// It may not follow "@": in "a@b.co@c.co" the second "@" belongs to garbage after a domain, and
// reading "b.co" as a local part would mask an already-masked message differently a second time.
// The domain ends at the first non-letter, not a word boundary, so "a@b.co4111…" is caught before
// the digits are masked (masking them would otherwise expose the address on a second pass).
const EMAIL = /(?<![\w.!#$%&'*+/=?^`{|}~@-])[\w.!#$%&'*+/=?^`{|}~-]+@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})(?![A-Za-z])/g;
// International (+…) numbers, or local numbers written with separators or brackets.
const PHONE = /(?<![\d+])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{2,5}\)[\s.-]?)?\d{2,6}(?:[\s.-]\d{2,6}){1,4}(?!\d)|(?<![\d+])\+\d{8,15}(?!\d)/g;
// Phone-shaped but not phones: a local number needs at least this many digits (dates have 8).
const MIN_LOCAL_PHONE_DIGITS = 9;

export function passesLuhn(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return digits.length > 0 && sum % 10 === 0;
}

function looksLikeCard(digits: string): boolean {
  if (digits.length < 13 || digits.length > 19) return false;
  const knownPrefix = /^(4|5[1-5]|2[2-7]|3[47]|6(?:011|5|4[4-9])|35|30[0-5]|36|38|62)/.test(digits);
  return knownPrefix && passesLuhn(digits);
}

export function maskCardNumbers(text: string): string {
  return text.replace(CARD_CANDIDATE, (match) => {
    const digits = match.replace(/\D/g, "");
    if (looksLikeCard(digits)) return maskedCard(digits);
    return maskCardInGroups(match);
  });
}

const maskedCard = (digits: string): string => `[card ${MASK.repeat(4)} ${digits.slice(-4)}]`;

/**
 * A card run next to other digit groups ("4111 1111 1111 1111 0") is not a card as a whole:
 * look for a card made of whole groups inside it. Only group boundaries count, so a long
 * ungrouped order number is never partly masked.
 */
function maskCardInGroups(match: string): string {
  const groups = [...match.matchAll(/\d+/g)].map((m) => ({ start: m.index, end: m.index + m[0].length, digits: m[0] }));
  let out = "";
  let copied = 0;
  for (let a = 0; a < groups.length; a++) {
    // Longest window first, bounded by a card's length so a huge run stays linear.
    let last = a;
    let length = 0;
    while (last < groups.length && length + groups[last]!.digits.length <= CARD_MAX_DIGITS) length += groups[last++]!.digits.length;
    for (let b = last - 1; b >= a; b--) {
      const digits = groups
        .slice(a, b + 1)
        .map((g) => g.digits)
        .join("");
      if (!looksLikeCard(digits)) continue;
      out += match.slice(copied, groups[a]!.start) + maskedCard(digits);
      copied = groups[b]!.end;
      a = b;
      break;
    }
  }
  return out + match.slice(copied);
}

export function maskEmails(text: string): string {
  return text.replace(EMAIL, (match, domain: string) => `${match[0]}${MASK.repeat(3)}@${domain}`);
}

export function maskPhoneNumber(phone: string): string {
  const digits = phone.replace(/\D/g, "");
  if (digits.length < 6) return MASK.repeat(digits.length || 3);
  // Keep a hint of the country and the last three digits: enough for an agent to recognise it.
  const prefix = phone.trim().startsWith("+") ? `+${digits.slice(0, 2)} ` : "";
  return `${prefix}${MASK.repeat(4)} ${MASK.repeat(3)} ${digits.slice(-3)}`;
}

// A bare digit run is a phone number only when the words before it say so ("call me on 07700900123").
const PHONE_BY_CONTEXT =
  /\b(call|phone|tel|telephone|mobile|cell|whatsapp|ring|text|sms|number is|reach me)\b([^\d\n]{0,20})(\+?\d{9,15})(?!\d)/gi;

export function maskPhones(text: string): string {
  const byContext = text.replace(
    PHONE_BY_CONTEXT,
    (_match, word: string, gap: string, number: string) => `${word}${gap}${maskPhoneNumber(number)}`,
  );
  return byContext.replace(PHONE, (match) => {
    const digits = match.replace(/\D/g, "");
    const hasSeparators = /[\s.()-]/.test(match.trim());
    // Plain digit runs without "+" are usually order or invoice numbers: leave them.
    const international = match.trim().startsWith("+");
    if (digits.length > 15 || (international ? digits.length < 8 : digits.length < MIN_LOCAL_PHONE_DIGITS || !hasSeparators)) return match;
    return maskPhoneNumber(match);
  });
}

export function maskPii(text: string, options: MaskOptions): string {
  let out = text;
  if (options.maskCards) out = maskCardNumbers(out);
  if (options.maskEmails) out = maskEmails(out);
  if (options.maskPhones) out = maskPhones(out);
  return out;
}
