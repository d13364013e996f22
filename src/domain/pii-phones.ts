/**
 * Phone numbers in free text, found with libphonenumber-js (Google's libphonenumber metadata for
 * every region): international numbers however they are grouped ("+33 6 12 34 56 78"), and
 * national ones ("07911 123456", "0612345678") read in the customer's own country.
 */
import {
  type CountryCode,
  findNumbers,
  type NumberFound,
  isPossiblePhoneNumber,
  isSupportedCountry,
  parsePhoneNumberFromString,
} from "libphonenumber-js/max";
import { countDigits, MASK, type TextSpan } from "./pii-detectors.js";

/** A national number needs this many digits before a shape alone makes it a phone (dates have 8). */
const MIN_NATIONAL_DIGITS = 9;
const MAX_PHONE_DIGITS = 15;

/** The region code ("GB") if libphonenumber knows it, else undefined. */
export function phoneRegion(region: string | undefined): CountryCode | undefined {
  const upper = region?.toUpperCase();
  return upper && isSupportedCountry(upper) ? upper : undefined;
}

/** Customers' countries remembered: every text of a conversation is masked in its customer's, and parsing the number is costly. */
const REGION_CACHE_SIZE = 1000;
const regions = new Map<string, string | undefined>();

/** The country of an international number ("+33…" → "FR"), used as the default region for that customer's text. */
export function regionOfPhone(phone: string | undefined): string | undefined {
  if (!phone) return undefined;
  if (regions.has(phone)) return regions.get(phone);
  const region = parsePhoneNumberFromString(phone.startsWith("+") ? phone : `+${phone}`)?.country;
  if (regions.size >= REGION_CACHE_SIZE) regions.delete(regions.keys().next().value!);
  regions.set(phone, region);
  return region;
}

/** `callingCode`: the country's code when known ("1", "44", "971"); else the first two digits stand for it. */
export function maskPhoneNumber(phone: string, callingCode?: string): string {
  const digits = phone.replace(/\D/g, "");
  if (digits.length < 6) return MASK.repeat(digits.length || 3);
  // Keep a hint of the country and the last three digits: enough for an agent to recognise it.
  const prefix = phone.trim().startsWith("+") ? `+${callingCode ?? digits.slice(0, 2)} ` : "";
  return `${prefix}${MASK.repeat(4)} ${MASK.repeat(3)} ${digits.slice(-3)}`;
}

/** findNumbers takes a `leniency` its types leave out (libphonenumber-js's README documents it). */
const findNumbersWith = findNumbers as (
  text: string,
  options: { defaultCountry?: CountryCode; leniency: "VALID" | "POSSIBLE"; v2: true },
) => NumberFound[];

/** The fewest digits of any region's numbers in libphonenumber's metadata (Austria, Germany, Niue…); a test checks it. */
export const MIN_PHONE_DIGITS = 4;

/**
 * findNumbers' candidates are digits joined by punctuation, spaces and brackets, never letters (one
 * exception: the Japanese long-vowel mark ー, which it reads as a dash). A text without
 * MIN_PHONE_DIGITS digits so joined has no number to find, and most chat lines are such texts.
 */
const ENOUGH_JOINED_DIGITS = new RegExp(`\\p{Nd}(?:(?:[^\\p{L}\\p{Nd}]|\\u30FC)*\\p{Nd}){${MIN_PHONE_DIGITS - 1}}`, "u");

/**
 * Runs libphonenumber with cheap errors: it throws (and catches) a ParseError for every candidate
 * it cannot parse ("3/7", "(12"), and capturing each one's stack took about a third of the
 * phone search's time. Nothing else runs during the synchronous call, and the limit is put back after.
 */
function withoutStackTraces<T>(parse: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return parse();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/**
 * libphonenumber's "valid" numbers, and "possible" ones that are shaped like a phone: written with
 * "+", "00" or a bracketed area code, or a trunk "0" and at least nine digits. The shape test keeps
 * prices ("19.99 x 3") and dates out, which "possible" alone would read as numbers in some regions.
 */
export function findPhones(text: string, region: string | undefined): (TextSpan & { masked: string })[] {
  const found: (TextSpan & { masked: string })[] = [];
  if (!ENOUGH_JOINED_DIGITS.test(text)) return found;
  const defaultCountry = phoneRegion(region);
  const seen = new Set<number>();
  for (const leniency of ["VALID", "POSSIBLE"] as const) {
    const options = { ...(defaultCountry ? { defaultCountry } : {}), leniency, v2: true } as const;
    for (const match of withoutStackTraces(() => findNumbersWith(text, options))) {
      if (seen.has(match.startsAt)) continue;
      const raw = text.slice(match.startsAt, match.endsAt);
      const digits = raw.replace(/\D/g, "");
      if (digits.length > MAX_PHONE_DIGITS) continue;
      const shaped = /^(?:\+|00|\()/.test(raw) || (raw.startsWith("0") && digits.length >= MIN_NATIONAL_DIGITS);
      if (leniency === "POSSIBLE" && !shaped) continue;
      seen.add(match.startsAt);
      found.push({ start: match.startsAt, end: match.endsAt, masked: maskPhoneNumber(raw, match.number.countryCallingCode) });
    }
  }
  return found;
}

// Without a region libphonenumber cannot read a national number; these shapes still are phones.
// A run written with separators or brackets, a trunk "0" and at least nine digits…
const NATIONAL_SHAPE = /(?<![\d+\p{L}])(?:\(0?\d{2,5}\)[\s.-]?|0\d{1,5}[\s.-]?)\d{2,6}(?:[\s.-]\d{2,6}){0,4}(?![\d\p{L}])/gu;
// …or a bare run after words that say it is one ("call me on 07911123456").
const PHONE_BY_CONTEXT =
  /(?<=\b(?:call|phone|tel|telephone|mobile|cell|whatsapp|ring|text|sms|number is|reach me)\b[^\d\n]{0,20})\+?\d{9,15}(?!\d)/giu;

// …or "+" and digit groups that libphonenumber read as one too-long number with what follows.
const INTERNATIONAL_SHAPE = /(?<![\d+])\+\d{1,4}(?:[\s.-]?\(?\d{1,6}\)?){1,8}(?!\d)/g;

/** The longest run of whole groups from the start of an international candidate that can be a phone number. */
function possibleInternational(candidate: string): string | undefined {
  const ends = [...candidate.matchAll(/\d+\)?/g)].map((m) => m.index + m[0].length);
  for (let i = ends.length - 1; i >= 0; i--) {
    const prefix = candidate.slice(0, ends[i]);
    if (prefix.replace(/\D/g, "").length <= MAX_PHONE_DIGITS && withoutStackTraces(() => isPossiblePhoneNumber(prefix))) return prefix;
  }
  return undefined;
}

/** Numbers libphonenumber could not place: national ones without a region, context-named ones, "+" runs glued to other digits. */
export function findPhonesByShape(text: string): (TextSpan & { masked: string })[] {
  const found: (TextSpan & { masked: string })[] = [];
  if (text.includes("+")) {
    for (const m of text.matchAll(INTERNATIONAL_SHAPE)) {
      const phone = possibleInternational(m[0]);
      if (phone) found.push({ start: m.index, end: m.index + phone.length, masked: maskPhoneNumber(phone) });
    }
  }
  // The national and context shapes need nine digits; most lines have fewer, and these patterns are slow to scan.
  if (countDigits(text, MIN_NATIONAL_DIGITS) < MIN_NATIONAL_DIGITS) return found;
  const national = [...text.matchAll(NATIONAL_SHAPE)].filter((m) => {
    const digits = m[0].replace(/\D/g, "").length;
    return digits >= MIN_NATIONAL_DIGITS && digits <= MAX_PHONE_DIGITS;
  });
  for (const m of [...national, ...text.matchAll(PHONE_BY_CONTEXT)])
    found.push({ start: m.index, end: m.index + m[0].length, masked: maskPhoneNumber(m[0]) });
  return found;
}
