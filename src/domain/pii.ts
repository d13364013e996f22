/**
 * Masks personal data in text bound for the agent workspace: payment cards (issuer range and Luhn),
 * IBANs (mod-97), emails (internationalised too) and phone numbers (libphonenumber-js, read in the
 * customer's own country). References an agent needs ("order 123-456", "#A1234", "INV-2024-0042")
 * and IP addresses stay visible. Masking is idempotent: masked text passes through unchanged.
 */
import { findCards, findEmails, findIbans, findKeptVisible, MASK, spansOf, type TextSpan } from "./pii-detectors.js";
import { findPhones, findPhonesByShape, regionOfPhone } from "./pii-phones.js";

export { passesIbanCheck, passesLuhn } from "./pii-detectors.js";
export { maskPhoneNumber, regionOfPhone } from "./pii-phones.js";

export interface MaskOptions {
  maskCards: boolean;
  maskEmails: boolean;
  maskPhones: boolean;
  /** IBANs; absent means yes. */
  maskIbans?: boolean;
  /** ISO 3166 region ("GB") national phone numbers are read in: the customer's own country. */
  region?: string;
}

/** What earlier passes of the masker left: never read as a phone or card again. */
const ALREADY_MASKED = new RegExp(
  `\\[card ${MASK}{4} \\d{4}\\]|\\[IBAN [A-Z]{2} ${MASK}{4} [A-Z0-9]{4}\\]|(?:\\+\\d{1,2} )?${MASK}{4} ${MASK}{3} \\d{3}`,
  "g",
);
/**
 * Warmline's own ids (a conversation's, an escalation's, an outbox item's, a parked message's replay
 * handle), printed on cards and ops notices for agents and admins to quote: their hex could read as a
 * phone number or an IBAN ("conv_ac99574d-f295…" was shown as "conv_[IBAN AC •••• 91D7]"), and no
 * personal data is in them.
 */
const WARMLINE_ID =
  /(?<![\p{L}\p{N}_])(?:(?:conv|esc|out)_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|inbox_[0-9a-f]{16})(?![\p{L}\p{N}])/gu;
/** Stands in for text an earlier detector claimed, so later ones neither see it nor lose their offsets. */
const CLAIMED = "\uFFFC";

interface Claim extends TextSpan {
  /** Undefined: kept as written. */
  masked?: string;
}

const overlaps = (a: TextSpan, claims: readonly Claim[]) => claims.some((c) => a.start < c.end && c.start < a.end);

/** Adds the spans `found` that no earlier detector claimed to `claims`; returns `view` with them blanked out. */
function claim(view: string, claims: Claim[], found: readonly Claim[]): string {
  let blanked = view;
  for (const span of found) {
    if (span.end <= span.start || overlaps(span, claims)) continue;
    claims.push(span);
    blanked = blanked.slice(0, span.start) + CLAIMED.repeat(span.end - span.start) + blanked.slice(span.end);
  }
  return blanked;
}

/**
 * What every masked kind needs: a digit (any script's, as libphonenumber reads Arabic-Indic and
 * full-width ones) or an email's "@". Most chat lines have neither and skip the detectors.
 */
const MAYBE_PERSONAL = /[\p{Nd}@＠]/u;
const ANY_DIGIT = /\p{Nd}/u;

/** False when maskPii returns `text` as it is whatever the options: it has no digit and no "@". */
export const mayHoldPersonalData = (text: string): boolean => MAYBE_PERSONAL.test(text);

/**
 * A mask can uncover another number: libphonenumber reads "4400 40 500 00 07911 123456" as one
 * candidate too long to be a phone, and once "00 07911 123456" is masked by its shape, "4400 40 500"
 * is a candidate of its own. So a text is masked again until nothing changes; each pass only adds
 * masks (earlier ones are kept as written), and a text rarely needs a second.
 */
const MAX_MASK_PASSES = 4;

export function maskPii(text: string, options: MaskOptions): string {
  let before = text;
  let masked = maskOnce(text, options);
  for (let pass = 1; pass < MAX_MASK_PASSES && masked !== before; pass++) {
    before = masked;
    masked = maskOnce(masked, options);
  }
  return masked;
}

function maskOnce(text: string, options: MaskOptions): string {
  if (!MAYBE_PERSONAL.test(text)) return text;
  const claims: Claim[] = [];
  let view = text;
  // Each kind of masked text holds the mask mark.
  if (view.includes(MASK)) view = claim(view, claims, spansOf(view, ALREADY_MASKED));
  if (view.includes("_")) view = claim(view, claims, spansOf(view, WARMLINE_ID));
  if (options.maskEmails) view = claim(view, claims, findEmails(view));
  if (options.maskIbans !== false) view = claim(view, claims, findIbans(view));
  view = claim(view, claims, findKeptVisible(view));
  // Cards and phones are digits: once references and dates are claimed, most lines have none left to read.
  const digitsLeft = ANY_DIGIT.test(view);
  if (options.maskCards && digitsLeft) view = claim(view, claims, findCards(view));
  if (options.maskPhones && digitsLeft) {
    view = claim(view, claims, findPhones(view, options.region));
    view = claim(view, claims, findPhonesByShape(view));
  }
  if (!claims.some((c) => c.masked !== undefined)) return text;
  let out = "";
  let copied = 0;
  for (const c of claims.sort((a, b) => a.start - b.start)) {
    if (c.masked === undefined) continue;
    out += text.slice(copied, c.start) + c.masked;
    copied = c.end;
  }
  return out + text.slice(copied);
}

/** The options for one customer's text: national numbers are read in the country of their own phone, else `defaultRegion`. */
export function maskOptionsFor(options: MaskOptions & { defaultRegion?: string }, customerPhone: string | undefined): MaskOptions {
  const region = regionOfPhone(customerPhone) ?? options.defaultRegion ?? options.region;
  const { defaultRegion: _unused, ...rest } = options;
  return { ...rest, ...(region ? { region } : {}) };
}
