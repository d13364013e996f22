/**
 * The one rule for an agent's internal note: a thread reply whose text starts with "//" is for the
 * team, never relayed to the customer. The marker is found however it was typed or pasted: after
 * whitespace (NBSP and the other Unicode spaces) and invisible characters (zero-width space and
 * joiners, word joiner, byte-order mark, bidi marks), and with slashes that look like "/".
 */

/** Characters that render as nothing: Unicode format characters (U+200B–U+200F, U+2060, U+FEFF…) and blank fillers. */
const INVISIBLE = String.raw`\p{Cf}\u034F\u115F\u1160\u3164\uFFA0`;
/** "/" and its look-alikes: fullwidth ／, fraction ⁄, division ∕, big solidus ⧸, box-drawing ╱. */
const SLASH = String.raw`/\uFF0F\u2044\u2215\u29F8\u2571`;
const NOTE_MARKER = new RegExp(`^[\\s${INVISIBLE}]*[${SLASH}][${INVISIBLE}]*[${SLASH}]`, "u");

export function isInternalNote(text: string): boolean {
  return NOTE_MARKER.test(text);
}
