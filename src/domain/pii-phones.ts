/**
 * Phone numbers in free text, found with libphonenumber-js (Google's libphonenumber metadata for
 * every region): international numbers however they are grouped ("+33 6 12 34 56 78"), and
 * national ones ("07911 123456", "0612345678") read in the customer's own country.
 */
import {
  type CountryCode,
  findNumbers,
  Metadata,
  type NumberFound,
  isPossiblePhoneNumber,
  isSupportedCountry,
  parsePhoneNumberFromString,
} from "libphonenumber-js/max";
import metadataJson from "libphonenumber-js/max/metadata";
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
 * exception: the Japanese long-vowel mark ー, which it reads as a dash). A text without as many
 * digits so joined as the shortest number it could report has no number to find, and most chat
 * lines are such texts.
 */
const joinedDigitPatterns = new Map<number, RegExp>();
function joinsDigits(text: string, count: number): boolean {
  if (count === Number.POSITIVE_INFINITY) return false;
  let pattern = joinedDigitPatterns.get(count);
  if (!pattern) {
    pattern = new RegExp(`\\p{Nd}(?:(?:[^\\p{L}\\p{Nd}]|\\u30FC)*\\p{Nd}){${count - 1}}`, "u");
    joinedDigitPatterns.set(count, pattern);
  }
  return pattern.test(text);
}

/** The parts of a numbering plan read here; libphonenumber-js's types declare only some of them. */
interface NumberingPlanRules {
  callingCode(): string;
  possibleLengths(): number[];
  /** Rewrites the digits its national prefix pattern matched (VI: "340$1" puts the area code back); 0 when none. */
  nationalPrefixTransformRule(): string | 0 | undefined;
}
const metadata = new Metadata();
function numberingPlan(countryOrCallingCode: string): NumberingPlanRules {
  metadata.selectNumberingPlan(countryOrCallingCode as CountryCode);
  return metadata.numberingPlan as unknown as NumberingPlanRules;
}

/** Every length a number with this calling code can have is at least this (any of its regions, or its non-geographic plan). */
function shortestNumberOf(callingCode: string): number {
  const plans = [...(metadataJson.country_calling_codes[callingCode] ?? [])];
  if (callingCode in metadataJson.nonGeographic) plans.push(callingCode as CountryCode);
  return Math.min(...plans.map((plan) => Math.min(...numberingPlan(plan).possibleLengths())));
}

/** The digits a plan's national prefix rule can add: the literal ones in its rewrite (each rule quotes one matched group at most; a test checks it). */
const digitsAddedByPrefixRule = (plan: NumberingPlanRules) =>
  (plan.nationalPrefixTransformRule() || "").replace(/\$\d/g, "").replace(/\D/g, "").length;

/** Calling code and national number, fewest digits of any ("43" "1234" for Austria); after "+" or an international prefix. */
let fewestInternationalDigits: number | undefined;
function fewestDigitsAfterInternationalPrefix(): number {
  fewestInternationalDigits ??= Math.min(
    ...[...Object.keys(metadataJson.country_calling_codes), ...Object.keys(metadataJson.nonGeographic)].map(
      (callingCode) => callingCode.length + shortestNumberOf(callingCode) - digitsAddedByPrefixRule(numberingPlan(callingCode)),
    ),
  );
  return fewestInternationalDigits;
}

const fewestDigitsByRegion = new Map<CountryCode, number>();
/**
 * The fewest digits libphonenumber reads as a number written without "+" in `region`. It reports
 * only numbers of a possible length for their region, and reads one in three ways: national, the
 * region's national prefix taken off or rewritten ("0" dropped; VI's "340" put back); with the
 * region's calling code but no "+"; or after the region's international prefix ("00", "011"; one
 * digit at least), as a number of any calling code.
 */
function fewestDigitsWithoutPlus(region: CountryCode): number {
  let fewest = fewestDigitsByRegion.get(region);
  if (fewest === undefined) {
    const own = numberingPlan(region);
    const callingCode = own.callingCode();
    const shortest = shortestNumberOf(callingCode);
    fewest = Math.min(
      shortest - digitsAddedByPrefixRule(own),
      callingCode.length + shortest - digitsAddedByPrefixRule(numberingPlan(callingCode)),
      1 + fewestDigitsAfterInternationalPrefix(),
    );
    fewestDigitsByRegion.set(region, fewest);
  }
  return fewest;
}

/**
 * The fewest joined digits a number findNumbers reports in `text` can have. "+" (or the full-width
 * "＋") can start a number of any region; without one, findNumbers reads only numbers of the default
 * region or dialled from it, and without a default region none.
 */
function fewestDigitsOfAFoundNumber(text: string, defaultCountry: CountryCode | undefined): number {
  if (text.includes("+") || text.includes("\uFF0B")) return MIN_PHONE_DIGITS;
  if (!defaultCountry) return Number.POSITIVE_INFINITY;
  return Math.max(MIN_PHONE_DIGITS, fewestDigitsWithoutPlus(defaultCountry));
}

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
  // Most chat lines hold no number libphonenumber could report, and it builds and throws a ParseError for each candidate it turns down.
  // The bound for any region first: it is one regex test, and most lines fail it.
  if (!joinsDigits(text, MIN_PHONE_DIGITS)) return [];
  const defaultCountry = phoneRegion(region);
  if (!joinsDigits(text, fewestDigitsOfAFoundNumber(text, defaultCountry))) return [];
  return findPhonesWithLibphonenumber(text, defaultCountry);
}

/** findPhones without its pre-filter: libphonenumber searches the whole text (the differential test compares the two). */
export function findPhonesWithLibphonenumber(text: string, defaultCountry: CountryCode | undefined): (TextSpan & { masked: string })[] {
  const found: (TextSpan & { masked: string })[] = [];
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
