import { defaultDeserialize } from "@keyv/serialize";
import fc from "fast-check";
import Keyv from "keyv";
import { describe, expect, it } from "vitest";
import { deserializeDocument, serializeDocument, serializeValueDocument } from "../../src/store/keyv-document-codec.js";

/** keyv's own serializer (@keyv/serialize), the one documents were written with before. */
const keyvDefault = new Keyv().serialize as (data: unknown) => string;

const conversation = {
  id: "conv_4f7c2d1e-8a9b-4c3d-9e2f-1a2b3c4d5e6f",
  customer: { address: "whatsapp:447946000123@c.us", name: 'Léna «Kraus» "LK" 😀', phone: "+447946000123", region: "GB" },
  state: "escalated",
  language: { code: "fr", confidence: 0.93 },
  createdAt: 1_733_480_000_000,
  updatedAt: new Date(Date.UTC(2026, 11, 6, 16, 0, 0)),
  botMisses: 0,
  offer: undefined,
  escalations: [
    {
      id: "esc_1",
      reason: "explicit_request",
      explanation: ":base64:not a buffer, a customer's words",
      team: "retention",
      level: 1,
      mandatory: false,
      thread: "slack:C0RETENT1:1733480000.000100",
      afterHours: undefined,
      notes: [":)", "::", ":", "", "a:b", "\u2028line\u2029sep\n\t\\"],
    },
  ],
  transcript: [{ id: "t1", author: "customer", text: ":-( where is order 100311?", at: 1, attachments: [null, 0, -0, 1.5e-7] }],
  version: 7,
};

describe("stored documents are written as keyv wrote them", () => {
  it("byte for byte, colon-escaped strings, nested arrays and Dates included, and read back by keyv as the same value", async () => {
    for (const value of [
      conversation,
      { value: conversation },
      { value: conversation, expires: 1_733_480_060_000 },
      ":x",
      "plain",
      3,
      null,
      [],
    ]) {
      expect(serializeDocument(value)).toBe(keyvDefault(value));
    }
    expect(serializeDocument(undefined)).toBe(keyvDefault(undefined));
    const keyv = new Keyv({ serialize: serializeDocument });
    const read = await keyv.deserializeData<typeof conversation>((await keyv.serializeData({ value: conversation })) as string);
    expect(read?.value).toEqual(JSON.parse(JSON.stringify(conversation)));
    expect(read?.value?.escalations[0]?.notes).toEqual([":)", "::", ":", "", "a:b", "\u2028line\u2029sep\n\t\\"]);
  });
});

/** Strings that keyv escapes or reads as Buffers, quotes and separators that could fool a text test, and plain ones. */
const trickyString = fc.oneof(
  fc.string(),
  fc.constantFrom(":", "::", ":)", ":base64:aGk=", '":', '[":', ',":', '\\":', "a,", "a:", "[", "\u2028"),
  fc.tuple(fc.constantFrom(":", '"', ",", "[", "\\", "::"), fc.string()).map(([a, b]) => a + b),
);
const documentValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    trickyString,
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(trickyString, tie("value"), { maxKeys: 4 }),
  ),
})).value;

describe("stored documents are read as keyv reads them", () => {
  it("the same value as keyv's own deserializer, for every document it could have written", () => {
    fc.assert(
      fc.property(documentValue, (value) => {
        const text = serializeDocument({ value, expires: 1 });
        expect(deserializeDocument(text)).toEqual(defaultDeserialize(text));
      }),
      { numRuns: 3000 },
    );
    for (const text of [
      serializeDocument({ value: conversation }),
      serializeDocument(":x"),
      '":x"',
      ' ":x"',
      '{"a":":base64:aGk="}',
      '{"a": [ "::x", ":y"]}',
    ])
      expect(deserializeDocument(text)).toEqual(defaultDeserialize(text));
  });
});

describe("a document written from its value's JSON", () => {
  it("is the document serializeDocument writes for { value }, escapes and all", () => {
    fc.assert(
      fc.property(documentValue, (value) => {
        expect(serializeValueDocument(value, JSON.stringify(value))).toBe(serializeDocument({ value }));
      }),
      { numRuns: 3000 },
    );
    for (const value of [conversation, ":x", { a: ":b" }, [":c"], "plain", null])
      expect(serializeValueDocument(value, JSON.stringify(value))).toBe(keyvDefault({ value }));
  });
});
