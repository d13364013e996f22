import { defaultDeserialize } from "@keyv/serialize";

/**
 * How stored documents are written and read: the bytes @keyv/serialize (keyv's default) writes, from
 * JSON.stringify, and read back as its deserializer reads them. keyv's serializer walks the document
 * in JavaScript, concatenating strings (in a burst of handoffs ~4 % of the busy time); its
 * deserializer is JSON.parse with a reviver, called for every value. JSON.stringify and a plain
 * JSON.parse are native, so documents written either way read back the same.
 */

/** keyv's escape: a string value starting with ":" gets another one, which its deserializer strips (":base64:" marks a Buffer). */
const escapeColonStrings = (_key: string, value: unknown): unknown =>
  typeof value === "string" && value.charCodeAt(0) === 58 /* ":" */ ? `:${value}` : value;

/**
 * keyv's `serialize` option for conversation documents: plain JSON data (no Buffers, functions or
 * sparse arrays, which keyv's own serializer writes differently and documents never hold).
 */
export function serializeDocument(data: unknown): string {
  const json = JSON.stringify(data) ?? "null";
  // A string value starting with ":" opens right after ":" (in an object), "[" or "," (in an array), or is
  // the whole document. Most documents have none, and go as written; a key ending in ":" only costs the walk.
  return needsColonEscape(json) ? JSON.stringify(data, escapeColonStrings) : json;
}

/**
 * serializeDocument({ value }), given JSON.stringify(value): a writer that keeps the value's JSON too (the
 * conversation cache) stringifies it once. The wrapper adds no string that opens with ":", so the value's
 * JSON alone says whether keyv's escape is needed.
 */
export function serializeValueDocument(value: unknown, json: string): string {
  return needsColonEscape(json) ? serializeDocument({ value }) : `{"value":${json}}`;
}

/** Whether JSON.stringify's output may hold a string starting with ":", which keyv's serializer escapes. */
function needsColonEscape(json: string): boolean {
  return STRING_OPENING_WITH_COLON.test(json) || json.startsWith('":');
}

/** An opening quote followed by ":" after a separator: outside strings JSON.stringify writes no other quote before ":". */
const STRING_OPENING_WITH_COLON = /[:[,]":/;

/**
 * keyv's `deserialize` option: what keyv's own deserializer returns, with a plain JSON.parse when no
 * string in the text can start with ":" (keyv's escape, and its ":base64:" Buffers). Its reviver only
 * changes such strings; the test for them finds every one (and some keys, which only cost the reviver).
 */
export function deserializeDocument<T>(text: string): T {
  return MAYBE_STRING_OPENING_WITH_COLON.test(text) ? defaultDeserialize(text) : JSON.parse(text);
}

/** As STRING_OPENING_WITH_COLON, at the start too, and after whitespace, which JSON.stringify never writes but a reader must allow. */
const MAYBE_STRING_OPENING_WITH_COLON = /(?:^|[:[,])\s*":/;

/** keyv's `serialize` and `deserialize` options for conversation documents, as every store's Keyv takes them. */
export const DOCUMENT_CODEC = { serialize: serializeDocument, deserialize: deserializeDocument } as const;
