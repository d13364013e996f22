/**
 * The one rule for an agent's internal note, used by the engine and the Slack adapter alike. A
 * thread reply whose text starts with "//" is for the team, never relayed to the customer. The
 * text is read as Unicode-normalised (NFKC, so fullwidth ／／ is //) with format characters removed
 * (zero-width space and joiners, word joiner, byte-order mark, bidi marks, soft hyphen), and with
 * slashes that look like "/" counted as "/": in Slack all of these look exactly like a note.
 *
 * `notesByDefault` turns the default round: a reply is a note unless it starts with ">>" (or is sent
 * with the "Send to customer" shortcut, which the adapter passes as `send`).
 */

/** Characters that render as nothing: Unicode format characters (U+200B–U+200F, U+2060, U+FEFF…) and blank fillers. */
const INVISIBLE_CLASS = String.raw`\p{Cf}\u034F\u115F\u1160\u3164\uFFA0`;
const INVISIBLE = new RegExp(`[${INVISIBLE_CLASS}]`, "gu");
/** "/" and its look-alikes after NFKC: fraction ⁄, division ∕, big solidus ⧸, box-drawing ╱, and others. */
const SLASH = String.raw`/\u2044\u2215\u29F8\u2571\u29F5\u2A38\u27CB\u2053`;
const NOTE_MARKER = new RegExp(`^\\s*[${SLASH}][${SLASH}]`, "u");
/** notesByDefault: ">>" (after NFKC, "＞＞" too) marks a reply for the customer. */
const SEND_MARKER = /^\s*(?:>|&gt;)(?:>|&gt;)\s?/u;

/** ">>" as written: after blanks and invisible characters, ">" or fullwidth "＞" (or Slack's "&gt;"), twice. */
const ORIGINAL_SEND_MARKER = new RegExp(String.raw`^[\s${INVISIBLE_CLASS}]*(?:>|＞|&gt;)[${INVISIBLE_CLASS}]*(?:>|＞|&gt;)\s?`, "u");

/** The text as the rule reads it: NFKC, then no invisible characters. */
export function noteReading(text: string): string {
  return text.normalize("NFKC").replace(INVISIBLE, "");
}

export function isInternalNote(text: string): boolean {
  return NOTE_MARKER.test(noteReading(text));
}

export interface AgentReplyReading {
  /** Stays in the thread: never sent to the customer. */
  internal: boolean;
  /** What the customer gets when relayed (the ">>" marker removed). */
  text: string;
}

/** Whether a claimant's reply goes to the customer, and as what; `send`: sent with the "Send to customer" shortcut. */
export function readAgentReply(text: string, options: { notesByDefault?: boolean; send?: boolean } = {}): AgentReplyReading {
  if (isInternalNote(text)) return { internal: true, text };
  if (!options.notesByDefault || options.send) return { internal: false, text };
  if (!SEND_MARKER.test(noteReading(text))) return { internal: true, text };
  // The marker is removed from the text as written, so the rest reaches the customer unnormalised.
  return { internal: false, text: text.replace(ORIGINAL_SEND_MARKER, "") };
}
