import { describe, expect, it } from "vitest";
import { policySchema } from "../../src/config/schema.js";
import { getCountries, Metadata } from "libphonenumber-js/max";
import { maskPhoneNumber, maskPii, passesLuhn } from "../../src/domain/pii.js";
import { MIN_PHONE_DIGITS } from "../../src/domain/pii-phones.js";

const all = { maskCards: true, maskEmails: true, maskPhones: true };

describe("PII masking", () => {
  it("masks Luhn-valid card numbers, grouped or not, and keeps the last four", () => {
    expect(maskPii("card 4111 1111 1111 1111 please", all)).toBe("card [card •••• 1111] please");
    expect(maskPii("4242-4242-4242-4242", all)).toBe("[card •••• 4242]");
    expect(maskPii("amex 378282246310005", all)).toBe("amex [card •••• 0005]");
  });

  it("leaves order numbers and Luhn failures alone", () => {
    expect(maskPii("order 113542617735902", all)).toBe("order 113542617735902");
    expect(passesLuhn("4111111111111112")).toBe(false);
    expect(maskPii("4111 1111 1111 1112", all)).toBe("4111 1111 1111 1112");
  });

  it("masks emails and phone numbers but not dates or times", () => {
    expect(maskPii("mail jane.doe@example.com now", all)).toBe("mail j•••@example.com now");
    expect(maskPii("call +44 7700 900123", all)).toBe("call +44 •••• ••• 123");
    expect(maskPii("or (415) 555-0132", { ...all, region: "US" })).toBe("or •••• ••• 132");
    expect(maskPii("on 2024-05-03 at 10:30", all)).toBe("on 2024-05-03 at 10:30");
  });

  it("masks an address glued to digits or to another address, and a second pass changes nothing", () => {
    // Both were counterexamples the property test found: the mask must be a fixed point.
    for (const text of ["a@b.coa@b.co", "a@b.co4111 1111 1111 11114111 1111 1111 1111", "write to jo@shop.example9 today"]) {
      const once = maskPii(text, all);
      expect(once).toContain("•••@");
      expect(maskPii(once, all)).toBe(once);
    }
    expect(maskPii("a@b.co4111", all)).toBe("a•••@b.co4111");
  });

  it("keeps Warmline's own ids whole (conversation, escalation, outbox item, replay handle), whatever digits they hold", () => {
    // Each of these read as a phone number or an IBAN before.
    for (const id of [
      "conv_0dd02725-9720-4ca5-aff3-f3fca9fff51e",
      "conv_ac99574d-f295-416b-8ce1-f139b11091d7",
      "esc_a6f8f599-0608-4703-8723-9ec9a0d210d6",
      "out_0dd02725-9720-4ca5-aff3-f3fca9fff51e",
      "inbox_4477009001230123",
    ]) {
      const line = `Conversation \`${id}\` · escalation e1`;
      expect(maskPii(line, { ...all, region: "GB" })).toBe(line);
    }
    // A phone beside one is still masked.
    expect(maskPii("conv_0dd02725-9720-4ca5-aff3-f3fca9fff51e: call +44 7700 900123", all)).toBe(
      "conv_0dd02725-9720-4ca5-aff3-f3fca9fff51e: call +44 •••• ••• 123",
    );
  });

  it("does only what the config asks", () => {
    const text = "jane@example.com 4111111111111111 +447700900123";
    expect(maskPii(text, { maskCards: false, maskEmails: true, maskPhones: false })).toBe(
      "j•••@example.com 4111111111111111 +447700900123",
    );
    expect(maskPii(text, { maskCards: false, maskEmails: false, maskPhones: false })).toBe(text);
  });

  it("skips only texts too short to hold a number: no region's numbers are shorter than MIN_PHONE_DIGITS", () => {
    // A libphonenumber-js update that adds shorter numbers must lower the constant, or they go unmasked.
    const metadata = new Metadata();
    const nonGeographic = Object.keys((metadata as unknown as { metadata: { nonGeographic: object } }).metadata.nonGeographic);
    const shortest = [...getCountries(), ...nonGeographic].map((plan) => {
      metadata.selectNumberingPlan(plan as Parameters<Metadata["selectNumberingPlan"]>[0]);
      return Math.min(...(metadata.numberingPlan?.possibleLengths() ?? [0]));
    });
    expect(Math.min(...shortest)).toBeGreaterThanOrEqual(MIN_PHONE_DIGITS);
  });

  it("finds the shortest numbers and digits joined by the Japanese long-vowel mark (the edges of the phone pre-filter)", () => {
    // Niue and Austria have four-digit national numbers; findNumbers reads "ー" as a dash.
    expect(maskPii("call +683 4002 now", all)).toBe("call +683 •••• ••• 002 now");
    expect(maskPii("+43 1234", { ...all, region: "AT" })).toBe("+43 •••• ••• 234");
    expect(maskPii("電話は03ー1234ー5678です", { ...all, region: "JP" })).toBe("電話は•••• ••• 678です");
    // Letters break a number: three digits on either side are not one.
    expect(maskPii("room 12 floor 34 block 5", { ...all, region: "GB" })).toBe("room 12 floor 34 block 5");
  });

  it("masks a display phone to country hint and last three digits", () => {
    expect(maskPhoneNumber("+447700900123")).toBe("+44 •••• ••• 123");
  });
});

describe("PII masking in the context package", () => {
  it("keeps card numbers, emails and phones out of every field the workspace sees", async () => {
    const { buildContextPackage } = await import("../../src/engine/context-package.js");
    const now = Date.UTC(2026, 10, 17, 10);
    const conversation = {
      id: "conv_1",
      version: 1,
      channel: "whatsapp",
      customer: { address: "whatsapp:1@c.us", name: "Ann Lee", phone: "+447700900123", tier: "standard" as const, pastConversations: 0 },
      state: "queued" as const,
      transcript: [
        {
          id: "m1",
          author: "customer" as const,
          text: "cancel please, my card 4111111111111111 was charged, mail ann.lee@example.com",
          at: now,
          intent: "cancel_order",
        },
        { id: "m2", author: "customer" as const, text: "or call me on 07700900123", at: now + 1 },
        {
          id: "s1",
          author: "system" as const,
          text: "Assistant looked up 4111111111111111: nothing found",
          at: now + 2,
          actions: [{ action: "order_lookup", ok: false, result: "Nothing found for 4111111111111111" }],
        },
      ],
      escalations: [],
      botMisses: 0,
      toolFailures: 0,
      declinedReasons: [],
      createdAt: now,
      updatedAt: now,
    };
    const escalation = {
      id: "e1",
      reason: "priority_intent" as const,
      explanation: 'Customer said "4111111111111111".',
      team: "retention",
      priority: "high" as const,
      level: 1,
      mandatory: true,
      createdAt: now,
    };
    const pkg = buildContextPackage({
      conversation,
      escalation,
      claimWithinMinutes: 5,
      mask: all,
      policy: policySchema.parse({}),
    });
    const everything = JSON.stringify(pkg);
    expect(everything).not.toMatch(/4111111111111111|ann\.lee@|07700900123/);
    expect(everything).toContain("[card •••• 1111]");
    expect(pkg.keyMessages.at(-1)?.text).toBe("or call me on •••• ••• 123");
  });
});
