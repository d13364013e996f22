import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type MaskOptions, maskPii, passesIbanCheck, passesLuhn } from "../../src/domain/pii.js";

/**
 * The detectors against this project's own battery: card numbers are made here from an issuer
 * prefix with a Luhn check digit, IBANs from a bank code with their mod-97 check digits, so no
 * number is borrowed from a published list.
 */
const all: MaskOptions = { maskCards: true, maskEmails: true, maskPhones: true };

/** A card number of `length` digits starting with `prefix`, with a valid Luhn digit at the end. */
function card(prefix: string, length: number, seed = 7): string {
  let body = prefix;
  for (let i = 0; body.length < length - 1; i++) body += String((seed * (i + 3) + i * i) % 10);
  for (let check = 0; check < 10; check++) if (passesLuhn(body + check)) return body + check;
  throw new Error("unreachable");
}

/** An IBAN for `country` and `bban`, with its check digits computed (ISO 13616). */
function iban(country: string, bban: string): string {
  const numeric = [...`${bban}${country}00`].map((c) => (c >= "A" ? String(c.charCodeAt(0) - 55) : c)).join("");
  let remainder = 0;
  for (const digit of numeric) remainder = (remainder * 10 + Number(digit)) % 97;
  return `${country}${String(98 - remainder).padStart(2, "0")}${bban}`;
}

const grouped = (digits: string, separator: string, size = 4) => digits.match(new RegExp(`.{1,${size}}`, "g"))!.join(separator);

describe("PII battery: cards", () => {
  const cards = {
    visa: card("4", 16),
    visa13: card("4", 13),
    mastercard: card("53", 16),
    mastercard2: card("2431", 16),
    amex: card("37", 15),
    discover: card("6011", 16),
    jcb: card("3541", 16),
    diners: card("36", 14),
    unionpay: card("62", 19),
    maestro50: card("5018", 16),
    maestro56: card("5612", 16),
    maestro63: card("6304", 19),
    maestro67: card("6759", 12),
  };
  const separators = {
    space: " ",
    dash: "-",
    dot: ".",
    nbsp: "\u00A0",
    narrowNbsp: "\u202F",
    doubleSpace: "  ",
    newline: "\n",
    crlf: "\r\n",
  };

  for (const [issuer, number] of Object.entries(cards)) {
    it(`masks ${issuer} written compact and with every common separator`, () => {
      expect(maskPii(`my card is ${number} thanks`, all)).toBe(`my card is [card •••• ${number.slice(-4)}] thanks`);
      for (const [name, separator] of Object.entries(separators)) {
        const text = `card: ${grouped(number, separator)} exp 09/29`;
        expect(maskPii(text, all), name).toBe(`card: [card •••• ${number.slice(-4)}] exp 09/29`);
      }
    });
  }

  it("leaves Luhn failures and numbers outside the issuer ranges", () => {
    const broken = `${cards.visa.slice(0, -1)}${(Number(cards.visa.at(-1)) + 1) % 10}`;
    expect(maskPii(broken, all)).toBe(broken);
    const noIssuer = card("1", 16);
    expect(maskPii(`code ${noIssuer}`, all)).toBe(`code ${noIssuer}`);
  });
});

describe("PII battery: IBANs", () => {
  const ibans = [
    iban("GB", "WEST12345698765432"),
    iban("DE", "370400440532013000"),
    iban("FR", "20041010050500013M02606"),
    iban("ES", "21000418450200051332"),
    iban("NL", "ABNA0417164300"),
    iban("NO", "86011117947"),
  ];
  it("masks IBANs by their mod-97 check, compact, grouped or lower case", () => {
    for (const value of ibans) {
      expect(passesIbanCheck(value)).toBe(true);
      const masked = `[IBAN ${value.slice(0, 2)} •••• ${value.slice(-4)}]`;
      expect(maskPii(`pay to ${value} please`, all)).toBe(`pay to ${masked} please`);
      expect(maskPii(`pay to ${grouped(value, " ")} please`, all)).toBe(`pay to ${masked} please`);
      expect(maskPii(`iban: ${value.toLowerCase()}`, all)).toBe(`iban: ${masked}`);
    }
  });

  it("leaves a wrong check digit alone", () => {
    const wrong = `GB00${ibans[0]!.slice(4)}`;
    expect(passesIbanCheck(wrong)).toBe(false);
    expect(maskPii(wrong, all)).toBe(wrong);
  });
});

describe("PII battery: emails", () => {
  it("masks plain and internationalised addresses, keeping the domain", () => {
    const cases: [string, string][] = [
      ["lena.kraus+shop@post.example", "l•••@post.example"],
      ["jürgen@müller-bäckerei.de", "j•••@müller-bäckerei.de"],
      ["иван@пример.рф", "и•••@пример.рф"],
      ["李雷@例子.中国", "李•••@例子.中国"],
      ["info@xn--bcher-kva.example", "i•••@xn--bcher-kva.example"],
      ["ana@correo.co.uk", "a•••@correo.co.uk"],
    ];
    for (const [address, masked] of cases) expect(maskPii(`write to ${address}, ok?`, all)).toBe(`write to ${masked}, ok?`);
  });
});

describe("PII battery: phones", () => {
  it("masks international numbers in any grouping", () => {
    const numbers = [
      "+33 6 71 23 45 89",
      "+33 1 42 68 53 00",
      "+49 151 2345 6789",
      "+49 30 9876 5432",
      "+34 612 34 56 78",
      "+39 347 123 4567",
      "+31 6 2345 6789",
      "+55 11 98765-4321",
      "+91 98765 43210",
      "+81 90-1234-5678",
      "+4915123456789",
    ];
    for (const number of numbers) {
      const masked = maskPii(`reach me at ${number} after six`, all);
      expect(masked, number).toMatch(/^reach me at \+\d{1,3} •••• ••• \d{3} after six$/);
    }
  });

  it("masks bare national numbers in the customer's own country", () => {
    const national: [string, string][] = [
      ["07911 123456", "GB"],
      ["06 71 23 45 89", "FR"],
      ["06.71.23.45.89", "FR"],
      ["0151 23456789", "DE"],
      ["612 345 678", "ES"],
      ["347 123 4567", "IT"],
      ["(415) 555-0132", "US"],
      ["0412 345 678", "AU"],
    ];
    for (const [number, region] of national) {
      expect(maskPii(number, { ...all, region }), `${number} in ${region}`).toMatch(/^•••• ••• \d{3}$/);
    }
  });
});

describe("PII battery: what stays visible", () => {
  const visible = [
    "order 123-456-789",
    "order no. 4411 2290 3345",
    "Order #A-77812-33",
    "invoice INV-2024-00042",
    "invoice 2024 118 553",
    "ref: QX 5512 9083 21",
    "reference 88127734001",
    "tracking 1Z 999 AA1 0123 4567 84",
    "tracking number 00340434161094042557",
    "#5512 9083 2144",
    "INV-2024-77812",
    "the server is 192.168.10.200",
    "from 10.0.0.12 and 2001:db8::7334",
    "on 2024-05-03 at 10:30",
    "3 items for 45.99",
    "delivered 12.05.2024",
  ];
  it("leaves references, ids, IP addresses, dates and prices as written", () => {
    for (const text of visible) expect(maskPii(text, { ...all, region: "DE" }), text).toBe(text);
  });
});

describe("PII masking properties", () => {
  const word = fc.constantFrom("hello", "thanks", "please", "my", "the", "is", "and", "ok", "today", "😀", "¿qué?", "danke");
  const reference = fc.oneof(
    fc
      .tuple(
        fc.constantFrom("order", "Order", "invoice", "ref", "tracking", "order no.", "invoice number:"),
        fc.array(fc.stringMatching(/^\d{2,5}$/), { minLength: 1, maxLength: 4 }),
        fc.constantFrom(" ", "-"),
      )
      .map(([keyword, groups, separator]) => `${keyword} ${groups.join(separator)}`),
    fc.array(fc.stringMatching(/^\d{3,5}$/), { minLength: 1, maxLength: 3 }).map((groups) => `#${groups.join(" ")}`),
    fc.tuple(fc.constantFrom("INV", "ORD", "AB", "RMA"), fc.stringMatching(/^\d{4,8}$/)).map(([letters, digits]) => `${letters}-${digits}`),
    fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((octets) => octets.join(".")),
  );
  const pii = fc.oneof(
    fc.constantFrom("4", "53", "37", "6011", "5018", "6759", "62").map((prefix) => card(prefix, prefix === "37" ? 15 : 16, prefix.length)),
    fc.constantFrom("lena@post.example", "jürgen@bücher.de", "иван@пример.рф"),
    fc.constantFrom("+33 6 71 23 45 89", "+49 151 2345 6789", "+44 7911 123456", "07911 123456"),
    fc.constantFrom(iban("DE", "370400440532013000"), iban("GB", "WEST12345698765432")),
  );
  const message = fc.array(fc.oneof(word, reference, pii), { minLength: 1, maxLength: 8 }).map((parts) => parts.join(" "));

  it("is idempotent: masking masked text changes nothing", () => {
    fc.assert(
      fc.property(message, fc.constantFrom(undefined, "GB", "FR", "DE", "US"), (text, region) => {
        const options = { ...all, ...(region ? { region } : {}) };
        const once = maskPii(text, options);
        expect(maskPii(once, options)).toBe(once);
      }),
      { numRuns: 300 },
    );
  });

  it("masks a number that only a neighbour's mask uncovers, in the same call", () => {
    // libphonenumber reads the digits as one candidate too long to be a phone; once the trailing
    // national number is masked by its shape, "4400 40 500" is a French number of its own.
    const text = `#000 Order 4400 40 500 00 07911 123456 ${card("43", 16)}`;
    const once = maskPii(text, { ...all, region: "FR" });
    expect(once).not.toContain("4400 40");
    expect(maskPii(once, { ...all, region: "FR" })).toBe(once);
  });

  it("never touches references, ids or IP addresses, whatever is around them", () => {
    fc.assert(
      fc.property(fc.array(word, { maxLength: 3 }), reference, fc.array(fc.oneof(word, pii), { maxLength: 3 }), (before, kept, after) => {
        const text = [...before, kept, ...after].join(" ");
        expect(maskPii(text, { ...all, region: "GB" })).toContain(kept);
      }),
      { numRuns: 300 },
    );
  });
});
