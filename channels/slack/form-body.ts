/**
 * Form bodies read and written exactly as `new URLSearchParams(body)` and its `toString()` would,
 * at a fraction of the cost: Node's URLSearchParams decodes and encodes in JavaScript, and every
 * request through the masking gate (a card is ~6 KB) went through both. Here the native
 * decodeURIComponent and encodeURIComponent do the work, and a field the gate leaves as it is
 * keeps its own escaping, only rewritten to URLSearchParams' (a space as "+", "!'()~" escaped).
 */

/** One field of a form body: decoded, and as the body wrote it. */
export interface FormField {
  name: string;
  value: string;
  rawName: string;
  rawValue: string;
}

/**
 * The fields of `body`, or undefined where this reading might differ from URLSearchParams', which
 * the caller then uses instead: a repeated name (its `set` would merge them), a malformed escape
 * or one that is not UTF-8 (it writes U+FFFD), or a lone surrogate.
 */
export function parseFormBody(body: string): FormField[] | undefined {
  if (!(body as string & { isWellFormed(): boolean }).isWellFormed()) return undefined;
  const fields: FormField[] = [];
  const names = new Set<string>();
  for (const segment of body.split("&")) {
    if (segment === "") continue;
    const eq = segment.indexOf("=");
    const rawName = eq < 0 ? segment : segment.slice(0, eq);
    const rawValue = eq < 0 ? "" : segment.slice(eq + 1);
    const name = decodeFormText(rawName);
    const value = decodeFormText(rawValue);
    if (name === undefined || value === undefined || names.has(name)) return undefined;
    names.add(name);
    fields.push({ name, value, rawName, rawValue });
  }
  return fields;
}

function decodeFormText(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw.includes("+") ? raw.replaceAll("+", " ") : raw);
  } catch {
    return undefined;
  }
}

/**
 * Escaped text whose form encoding follows from its escaping alone: only characters
 * encodeURIComponent leaves, "+", and upper-case escapes of bytes URLSearchParams escapes too
 * (not of letters, digits or "*-._"). Decoding succeeded, so the escaped bytes are UTF-8.
 */
const ESCAPED_LIKE_URI_COMPONENT = /^(?:[A-Za-z0-9\-_.!~*'()+]|%(?!2[ADE]|3\d|4[1-9A-F]|5[\dAF]|6[1-9A-F]|7[\dA])[0-9A-F]{2})*$/;
const URI_COMPONENT_ONLY = /[!'()~]/;
const URI_COMPONENT_ONLY_ALL = /[!'()~]/g;
const FORM_ESCAPES: Record<string, string> = { "!": "%21", "'": "%27", "(": "%28", ")": "%29", "~": "%7E" };

/** encodeURIComponent's escaping made URLSearchParams': a space is "+", and "!'()~" are escaped. */
function asFormEscaping(escaped: string): string {
  const spaced = escaped.includes("%20") ? escaped.replaceAll("%20", "+") : escaped;
  return URI_COMPONENT_ONLY.test(spaced) ? spaced.replace(URI_COMPONENT_ONLY_ALL, (c) => FORM_ESCAPES[c]!) : spaced;
}

/**
 * `text` as URLSearchParams writes it; `raw`, when given, is how the body wrote it (decoding to
 * `text`), reused when its escaping already says how. Throws URIError on a lone surrogate.
 */
export function encodeFormText(text: string, raw?: string): string {
  if (raw !== undefined && ESCAPED_LIKE_URI_COMPONENT.test(raw)) return asFormEscaping(raw);
  return asFormEscaping(encodeURIComponent(text));
}
