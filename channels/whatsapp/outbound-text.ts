/**
 * WhatsApp Web accepts very long texts, but the WhatsApp Business API caps a text at 4,096
 * characters and a caption at 1,024, and a wall of text reads badly on a phone. Longer texts go
 * as several messages, split where a reader would pause.
 */
export const WHATSAPP_TEXT_LIMIT = 4096;
export const WHATSAPP_CAPTION_LIMIT = 1024;

/** Where to split: the last paragraph break, else line end, else space, in the second half of the window. */
function splitIndex(window: string): number {
  for (const boundary of ["\n\n", "\n", " "]) {
    const at = window.lastIndexOf(boundary);
    if (at >= window.length / 2) return at + boundary.length;
  }
  // No pause in sight (one huge word): split at the limit, but never between a surrogate pair.
  const last = window.charCodeAt(window.length - 1);
  return last >= 0xd800 && last <= 0xdbff ? window.length - 1 : window.length;
}

/**
 * Splits text into WhatsApp messages of at most `limit` characters. Nothing but the whitespace at
 * the splits is dropped, and no message is empty.
 */
export function splitForWhatsApp(text: string, limit = WHATSAPP_TEXT_LIMIT): string[] {
  const chunks: string[] = [];
  let rest = text;
  while (rest.length > limit) {
    const end = splitIndex(rest.slice(0, limit));
    chunks.push(rest.slice(0, end).trimEnd());
    rest = rest.slice(end).trimStart();
  }
  if (rest.trim() !== "") chunks.push(rest);
  return chunks.filter((chunk) => chunk !== "");
}
