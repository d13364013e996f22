import { type CountryCode, findNumbers, getCountries, getCountryCallingCode, getExampleNumber, Metadata } from "libphonenumber-js/max";
import examples from "libphonenumber-js/mobile/examples";
import { describe, expect, it, vi } from "vitest";
import { maskPii } from "../../src/domain/pii.js";
import { findPhones, findPhonesWithLibphonenumber, phoneRegion } from "../../src/domain/pii-phones.js";

// The real findNumbers, counted: what the pre-filter saves is its calls.
vi.mock("libphonenumber-js/max", async (importOriginal) => {
  const original = await importOriginal<typeof import("libphonenumber-js/max")>();
  return { ...original, findNumbers: vi.fn(original.findNumbers) };
});
const findNumbersCalls = () => vi.mocked(findNumbers).mock.calls.length;

/** findPhones(text, region), and how many times it ran libphonenumber's search. */
function findPhonesCounted(text: string, region: string | undefined) {
  const before = findNumbersCalls();
  const found = findPhones(text, region);
  return { found, searches: findNumbersCalls() - before };
}

const all = { maskCards: true, maskEmails: true, maskPhones: true };

describe("phone search pre-filter", () => {
  it("searches a text only if it has as many joined digits as the shortest number the region's rules allow", () => {
    // GB numbers have seven digits at least ("0800 1111" is 800 1111), and one dialled from GB "00" and six more.
    for (const text of ["order 12345 please", "bench1234x", "£129.99 for 2", "call 123 456"]) {
      expect(findPhonesCounted(text, "GB"), text).toEqual({ found: [], searches: 0 });
    }
    expect(findPhonesCounted("call 800 1111", "GB").found).toHaveLength(1);
    expect(findPhonesCounted("call 00 43 1234", "GB").found).toHaveLength(1);
    expect(findPhonesCounted("+683 4002", "GB").found).toHaveLength(1);
    // The bench's customer text, through the whole masker.
    expect(findPhonesCounted("Any news on my parcel please bench1234x", "GB").searches).toBe(0);
    expect(maskPii("Any news on my parcel please bench1234x", { ...all, region: "GB" })).toBe("Any news on my parcel please bench1234x");

    // VI's numbers have ten digits, but its national prefix rule puts the area code "340" back in front of seven:
    // the bound counts the digits a rule adds, which holds while each rule quotes one matched group at most.
    expect(findPhonesCounted("call 774 1234", "VI").found).toHaveLength(1);
    const metadata = new Metadata();
    for (const region of getCountries()) {
      metadata.selectNumberingPlan(region);
      const rule = (metadata.numberingPlan as unknown as { nationalPrefixTransformRule(): string | 0 }).nationalPrefixTransformRule();
      expect(String(rule || "").match(/\$\d/g)?.length ?? 0, `${region}: ${rule}`).toBeLessThanOrEqual(1);
    }
  });

  it("searches nothing without a region unless the text has a '+' (or a full-width one)", () => {
    expect(findPhonesCounted("call 07911 123456 or 0044 7911 123456", undefined)).toEqual({ found: [], searches: 0 });
    // The shape detectors still mask the national number.
    expect(maskPii("call 07911 123456", all)).toBe("call •••• ••• 456");
    expect(findPhonesCounted("call +44 7911 123456", undefined).found).toHaveLength(1);
    // libphonenumber reads no number after "＋" here, but it is searched as before.
    expect(findPhonesCounted("call ＋44 7911 123456", undefined).searches).toBe(2);
  });
});

/** A small seeded generator (mulberry32), so the corpus is the same on every run. */
function randomSource(seed: number) {
  let state = seed;
  const next = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const below = (n: number) => Math.floor(next() * n);
  return { below, pick: <T>(items: readonly T[]): T => items[below(items.length)] as T };
}

/** libphonenumber's punctuation (dashes, slashes, dots, spaces, brackets, tildes, "ー"), and characters it does not join digits with. */
const SEPARATORS = [..." .-/()[]ー\u00A0~－\u3000‐‑‒–—―−／．\u00AD\u200B\u2060（）［］⁓∼～,:#;*", " ", "  ", "", "", "", " x ", " ext "];
const LEADS = ["", "", "", "+", "00", "0", "011", "8", "810", "1", "(0", "＋"];
const BEFORE = ["", "call ", "order ", "bench", "tel:", "on ", "x", "N°", "é"];
const AFTER = ["", "", "x", " please", ".", "#", "é", ")"];

/** Digits from libphonenumber's examples and this project's tests: real shapes, written whole and cut short. */
const REAL_NUMBERS = [
  "+33 6 71 23 45 89",
  "+49 151 2345 6789",
  "+55 11 98765-4321",
  "+81 90-1234-5678",
  "+44 7700 900123",
  "+683 4002",
  "+43 1234",
  "07911 123456",
  "07911123456",
  "06 71 23 45 89",
  "06.71.23.45.89",
  "0151 23456789",
  "612 345 678",
  "347 123 4567",
  "(415) 555-0132",
  "0412 345 678",
  "03ー1234ー5678",
  "0044 7911 123456",
  "011 44 7911 123456",
];

function corpus(): { text: string; region: CountryCode | undefined }[] {
  const random = randomSource(15);
  const regions = [...getCountries(), undefined];
  const texts: { text: string; region: CountryCode | undefined }[] = [];
  const run = (region: CountryCode | undefined) => {
    // Its calling code without "+" is one more way a region's numbers are written.
    let digits = region && random.below(6) === 0 ? getCountryCallingCode(region) : random.pick(LEADS);
    for (let n = 1 + random.below(16); n > 0; n--) digits += String(random.below(10));
    return group(digits);
  };
  const group = (digits: string) => {
    let out = "";
    for (let i = 0; i < digits.length; ) {
      const size = 1 + random.below(4);
      out += digits.slice(i, i + size);
      i += size;
      if (i < digits.length) out += random.pick(SEPARATORS);
    }
    return out;
  };
  for (const region of regions) {
    // Random runs, one to three in a text, in and beside words.
    for (let i = 0; i < 20; i++) {
      const runs = Array.from({ length: 1 + random.below(3) }, () => random.pick(BEFORE) + run(region) + random.pick(AFTER));
      texts.push({ text: runs.join(random.pick([" ", " and ", ", "])), region });
    }
    // The region's own mobile number written nationally, whole and cut down digit by digit, and another region's.
    const own = getExampleNumber(region ?? "GB", examples);
    if (own) {
      const national = own.formatNational();
      texts.push({ text: `call ${national}`, region }, { text: `call ${own.formatInternational()}`, region });
      const digits = national.replace(/\D/g, "");
      for (let length = 3; length < digits.length; length++) texts.push({ text: `call ${group(digits.slice(0, length))} now`, region });
    }
    const other = getExampleNumber(random.pick(regions) ?? "US", examples);
    if (other) texts.push({ text: `call ${other.formatNational()}`, region });
    for (let i = 0; i < 3; i++) {
      texts.push({ text: `reach me at ${random.pick(REAL_NUMBERS)}`, region });
      const digits = random.pick(REAL_NUMBERS).replace(/\D/g, "");
      texts.push({ text: group(digits.slice(0, 3 + random.below(digits.length - 3))), region });
    }
  }
  return texts;
}

describe("phone search pre-filter, against libphonenumber on every text", () => {
  it("finds exactly what searching every text finds, in every region and none", () => {
    const mismatches: string[] = [];
    let skipped = 0;
    let skippedWithFourDigits = 0;
    let withPhones = 0;
    const texts = corpus();
    for (const { text, region } of texts) {
      const { found, searches } = findPhonesCounted(text, region);
      const everywhere = findPhonesWithLibphonenumber(text, phoneRegion(region));
      if (JSON.stringify(found) !== JSON.stringify(everywhere)) mismatches.push(`${region}: ${JSON.stringify(text)}`);
      if (searches === 0) skipped++;
      if (searches === 0 && /\d{4}/.test(text)) skippedWithFourDigits++;
      if (everywhere.length > 0) withPhones++;
    }
    expect(mismatches).toEqual([]);
    // Neither side of the comparison is empty: many texts skip the search, many hold numbers.
    expect(texts.length).toBeGreaterThan(5_000);
    expect(skipped).toBeGreaterThan(texts.length / 6);
    // Four digits in a row were always searched before.
    expect(skippedWithFourDigits).toBeGreaterThan(texts.length / 20);
    expect(withPhones).toBeGreaterThan(texts.length / 10);
  });
});
