/** One RFC 4180 field: quoted only when it holds a comma, quote or line break (the corpus parser reads it back). */
export function csvField(value: string | number | undefined): string {
  const text = value === undefined ? "" : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
