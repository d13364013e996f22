/** Fills {placeholders} in customer-facing messages; unknown placeholders stay visible so a config typo is noticed. */
export function fillTemplate(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole));
}
