/**
 * How stored documents are written: the bytes @keyv/serialize (keyv's default) writes, from
 * JSON.stringify. keyv's default walks the document in JavaScript, concatenating strings, and in a
 * burst of handoffs it was ~4 % of the busy time; JSON.stringify is native. Reading is unchanged
 * (keyv's default deserializer), so documents written either way read back the same.
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
  return STRING_OPENING_WITH_COLON.test(json) || json.startsWith('":') ? JSON.stringify(data, escapeColonStrings) : json;
}

/** An opening quote followed by ":" after a separator: outside strings JSON.stringify writes no other quote before ":". */
const STRING_OPENING_WITH_COLON = /[:[,]":/;
