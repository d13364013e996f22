/**
 * The text detectors behind maskPii: each returns the spans it found, as [start, end) offsets, so
 * the masker can run them in turn over the parts of the text no earlier detector claimed.
 */
export interface TextSpan {
  start: number;
  end: number;
}

/** The mark masked text carries; it is neither a letter nor a digit, so no detector reads it again. */
export const MASK = "•";

/**
 * Every match of the global `pattern` in `text`, as matchAll finds them, without matchAll's cost (it
 * copies the pattern and wraps each match in an iterator step): these run on every masked text.
 */
export function matchesOf(text: string, pattern: RegExp): RegExpExecArray[] {
  const matches: RegExpExecArray[] = [];
  pattern.lastIndex = 0;
  for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
    matches.push(m);
    // An empty match moves on by one character (a whole code point under the u flag), as matchAll does.
    if (m[0] === "") pattern.lastIndex += pattern.unicode && (text.codePointAt(pattern.lastIndex) ?? 0) > 0xffff ? 2 : 1;
  }
  pattern.lastIndex = 0;
  return matches;
}

/** Every span of `pattern` in `text`. */
export function spansOf(text: string, pattern: RegExp): TextSpan[] {
  return matchesOf(text, pattern).map((m) => ({ start: m.index, end: m.index + m[0].length }));
}

// ---- Kept visible: references and IP addresses ------------------------------------------------

/** Words after which a number is a reference an agent needs to read (a small multilingual set). */
const REFERENCE_WORDS = [
  "order",
  "invoice",
  "ref",
  "reference",
  "tracking",
  "booking",
  "ticket",
  "case",
  "parcel",
  "shipment",
  "pedido",
  "factura",
  "commande",
  "facture",
  "bestellung",
  "rechnung",
  "ordine",
  "fattura",
  "bestelling",
  "factuur",
];
const caseless = (word: string) => [...word].map((c) => `[${c}${c.toUpperCase()}]`).join("");
const REFERENCE_WORD = `(?:${REFERENCE_WORDS.map(caseless).join("|")})`;
/** "order no. 12", "invoice number: 12", "tracking id 12", "ref #12". */
const REFERENCE_LEAD = `(?:[.:]?[ \\t]*(?:${["no", "nr", "number", "num", "id", "code", "n°", "nº"].map(caseless).join("|")})?\\.?[ \\t]*[:#]?[ \\t]*)`;
/** A reference group: digits with optional capitals ("INV", "1Z999AA1"), or capitals alone ("INV" in "INV-2024-0042"). */
const REFERENCE_GROUP = "(?:[A-Z]*\\d[A-Z\\d]*|[A-Z]{1,5})";
/** Groups joined by one space, dash, slash or dot; at most a handful, so a reference never swallows a sentence. */
const REFERENCE_BODY = `${REFERENCE_GROUP}(?:[ \\-/.]${REFERENCE_GROUP}){0,7}`;
/** The reference starts with a digit, or with capitals just before one ("QX 5512", "INV-2024"). */
const REFERENCE_START = "(?=[A-Z]{0,5}[ \\-/.]?\\d)";
const REFERENCE = new RegExp(
  `(?<![\\p{L}\\p{N}])${REFERENCE_WORD}s?${REFERENCE_LEAD}${REFERENCE_START}${REFERENCE_BODY}|#[ \\t]?${REFERENCE_START}${REFERENCE_BODY}`,
  "gu",
);
/** An id in capitals and digits, such as INV-2024-0042 or 1Z999AA10123456784: never a phone or a card. */
const CAPITALS_ID = /(?<![\p{L}\p{N}])(?=[A-Z0-9-]*[A-Z])(?=(?:[A-Z-]*\d){4})[A-Z0-9]+(?:-[A-Z0-9]+)*(?![\p{L}\p{N}])/gu;
const OCTET = "(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
const IPV4 = new RegExp(`(?<![\\d.])${OCTET}(?:\\.${OCTET}){3}(?![\\d]|\\.\\d)`, "g");
const IPV6 = /(?<![\w:])(?:[0-9A-Fa-f]{1,4}:){2,7}(?::|[0-9A-Fa-f]{1,4})(?:[0-9A-Fa-f:]*)(?![\w:])/g;

/** Dates ("2024-05-03", "03.05.2024", "3/5/24"): some regions' numbering plans would read them as phone numbers. */
const DATE = /(?<![\d.])(?:\d{4}-\d{1,2}-\d{1,2}|\d{1,2}([./-])\d{1,2}\1(?:\d{4}|\d{2}))(?![\d]|\.\d)/g;
const DATE_SEPARATOR = /[./-]/;

/** Numbers masking must leave alone: references after "order", "invoice", "ref", "tracking" or "#", capitals ids, IP addresses, dates. */
export function findKeptVisible(text: string): TextSpan[] {
  const spans = [...spansOf(text, REFERENCE), ...spansOf(text, CAPITALS_ID)];
  // Cheap tests first: an IPv4 address needs a ".", an IPv6 one a ":", a date one of "-./".
  if (text.includes(".")) spans.push(...spansOf(text, IPV4));
  if (text.includes(":")) spans.push(...spansOf(text, IPV6));
  if (DATE_SEPARATOR.test(text)) spans.push(...spansOf(text, DATE));
  return spans;
}

// ---- Emails ------------------------------------------------------------------------------------

// The local part takes every character RFC 5322 allows unquoted (atext) and, for internationalised
// addresses (RFC 6531), any letter, digit or mark; it may not follow "@" (in "a@b.co@c.co" the
// second "@" belongs to garbage after a domain). The domain takes internationalised labels
// ("bücher.de", "例子.广告", "xn--…"); it ends at the first non-letter, so "a@b.co4111…" is caught
// before the digits are read as a card.
const EMAIL_LOCAL = "[\\p{L}\\p{N}\\p{M}.!#$%&'*+/=?^`{|}~_-]";
const EMAIL_LABEL = "[\\p{L}\\p{N}\\p{M}](?:[\\p{L}\\p{N}\\p{M}-]*[\\p{L}\\p{N}\\p{M}])?";
const EMAIL = new RegExp(
  `(?<!${EMAIL_LOCAL}|@)${EMAIL_LOCAL}+[@＠]((?:${EMAIL_LABEL}[.。])+(?:xn--[a-zA-Z0-9-]+|\\p{L}[\\p{L}\\p{M}]+))(?![\\p{L}\\p{M}])`,
  "gu",
);

export function findEmails(text: string): (TextSpan & { masked: string })[] {
  if (!text.includes("@") && !text.includes("＠")) return [];
  return matchesOf(text, EMAIL).map((m) => ({
    start: m.index,
    end: m.index + m[0].length,
    masked: `${String.fromCodePoint(m[0].codePointAt(0)!)}${MASK.repeat(3)}@${m[1]!}`,
  }));
}

// ---- IBANs -------------------------------------------------------------------------------------

/** Two letters, two check digits, then groups; the shortest IBAN (Norway) has 15 characters, the longest 34. */
const IBAN_CANDIDATE = /(?<![\p{L}\p{N}])[A-Za-z]{2}\d{2}(?:[ \u00A0-]?[A-Za-z0-9]{1,4}){3,8}(?![\p{L}\p{N}])/gu;
/** What every candidate holds: a cheaper test than the candidate pattern's. */
const IBAN_START = /[A-Za-z]{2}\d{2}/;
const IBAN_MIN = 15;
const IBAN_MAX = 34;

/** ISO 13616: move the first four characters to the end, letters to numbers (A = 10), remainder 1 mod 97. */
export function passesIbanCheck(iban: string): boolean {
  const compact = iban.replace(/[\s-]/g, "").toUpperCase();
  if (compact.length < IBAN_MIN || compact.length > IBAN_MAX || !/^[A-Z]{2}\d{2}[A-Z0-9]+$/.test(compact)) return false;
  let remainder = 0;
  for (const c of compact.slice(4) + compact.slice(0, 4)) {
    const value = c >= "A" ? c.charCodeAt(0) - 55 : c.charCodeAt(0) - 48;
    remainder = (value > 9 ? remainder * 100 + value : remainder * 10 + value) % 97;
  }
  return remainder === 1;
}

/** IBANs, written compact or in groups; a candidate that fails mod-97 is tried shorter, group by group. */
export function findIbans(text: string): (TextSpan & { masked: string })[] {
  const found: (TextSpan & { masked: string })[] = [];
  if (!IBAN_START.test(text)) return found;
  for (const m of matchesOf(text, IBAN_CANDIDATE)) {
    const groups = [...m[0].matchAll(/[A-Za-z0-9]+/g)];
    for (let last = groups.length - 1; last >= 0; last--) {
      const end = groups[last]!.index + groups[last]![0].length;
      const compact = m[0].slice(0, end).replace(/[^A-Za-z0-9]/g, "");
      if (!passesIbanCheck(compact)) continue;
      const upper = compact.toUpperCase();
      found.push({ start: m.index, end: m.index + end, masked: `[IBAN ${upper.slice(0, 2)} ${MASK.repeat(4)} ${upper.slice(-4)}]` });
      break;
    }
  }
  return found;
}

// ---- Cards -------------------------------------------------------------------------------------

/**
 * Digit groups joined by the separators people type or paste: spaces (also no-break, thin and
 * figure spaces, two in a row), dots, dashes, underscores, and line breaks.
 */
const CARD_SEPARATOR = "[\\s.\\-\\u2010-\\u2015_]{1,3}";
const CARD_CANDIDATE = new RegExp(`(?<!\\d)\\d+(?:${CARD_SEPARATOR}\\d+)*(?!\\d)`, "g");
const CARD_MIN_DIGITS = 12;
const CARD_MAX_DIGITS = 19;

/** The ASCII digits in `text`, counted up to `enough`. */
export function countDigits(text: string, enough: number): number {
  let count = 0;
  for (let i = 0; i < text.length && count < enough; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) count++;
  }
  return count;
}

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

/**
 * Issuer ranges (IIN) with their lengths: Visa, Mastercard (51–55, 2221–2720), American Express,
 * Discover, JCB, Diners, UnionPay, and Maestro (50, 56–69), whose cards run from 12 to 19 digits.
 */
export function isIssuerNumber(digits: string): boolean {
  const n = digits.length;
  if (n < CARD_MIN_DIGITS || n > CARD_MAX_DIGITS) return false;
  const p2 = Number(digits.slice(0, 2));
  const p4 = Number(digits.slice(0, 4));
  if (p2 === 50 || (p2 >= 56 && p2 <= 69)) return true; // Maestro, Discover, UnionPay, RuPay…
  if (n < 13) return false;
  if (digits[0] === "4") return true;
  if (p2 >= 51 && p2 <= 55) return n === 16;
  if (p4 >= 2221 && p4 <= 2720) return n === 16;
  if (p2 === 34 || p2 === 37) return n === 15;
  if ((p4 >= 3528 && p4 <= 3589) || (p4 >= 3000 && p4 <= 3059) || p2 === 36 || p2 === 38 || p2 === 39) return n >= 14;
  return false;
}

export const looksLikeCard = (digits: string): boolean => isIssuerNumber(digits) && passesLuhn(digits);

export const maskedCard = (digits: string): string => `[card ${MASK.repeat(4)} ${digits.slice(-4)}]`;

/**
 * Cards in runs of digit groups. A run may hold more than a card ("4111 1111 1111 1111 10 27"), so
 * a card is looked for among whole groups, longest first; only group boundaries count, so a long
 * ungrouped number is never partly masked.
 */
export function findCards(text: string): (TextSpan & { masked: string })[] {
  const found: (TextSpan & { masked: string })[] = [];
  for (const run of matchesOf(text, CARD_CANDIDATE)) {
    // Most runs ("3", "2024") have too few digits for any card.
    if (countDigits(run[0], CARD_MIN_DIGITS) < CARD_MIN_DIGITS) continue;
    const groups = [...run[0].matchAll(/\d+/g)].map((g) => ({
      start: run.index + g.index,
      end: run.index + g.index + g[0].length,
      digits: g[0],
    }));
    for (let a = 0; a < groups.length; a++) {
      // Bounded by a card's length, so a huge run stays linear.
      let last = a;
      let length = 0;
      while (last < groups.length && length + groups[last]!.digits.length <= CARD_MAX_DIGITS) length += groups[last++]!.digits.length;
      for (let b = last - 1; b >= a; b--) {
        const digits = groups
          .slice(a, b + 1)
          .map((g) => g.digits)
          .join("");
        if (!looksLikeCard(digits)) continue;
        found.push({ start: groups[a]!.start, end: groups[b]!.end, masked: maskedCard(digits) });
        a = b;
        break;
      }
    }
  }
  return found;
}
