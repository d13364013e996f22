import { z } from "zod";

/** `{{1}}`, `{{2}}`…: the body parameters of an approved WhatsApp template, as Meta writes them. */
export const TEMPLATE_PARAMETER = /\{\{(\d+)\}\}/g;

/** The body parameters a template's text names, 1-based and in order ("{{1}} {{2}}" → 2). */
export function templateParameterCount(body: string): number {
  return Math.max(0, ...[...body.matchAll(TEMPLATE_PARAMETER)].map((match) => Number(match[1])));
}

export const whatsappTemplateSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9_]{1,512}$/, 'use the template\'s name exactly as approved in WhatsApp Manager, e.g. "order_update"'),
  language: z
    .string()
    .regex(/^[a-z]{2,3}(_[A-Z]{2})?$/, 'use the template\'s language code as in WhatsApp Manager, e.g. "en_US" or "pt_BR"'),
  body: z
    .string()
    .min(1)
    .describe(
      "The approved body text, with {{1}}, {{2}}… where the agent fills in the parameters (shown in Slack and kept in the transcript)",
    ),
  parameters: z
    .array(z.string().min(1))
    .default([])
    .describe('Labels the Slack dialog shows for {{1}}, {{2}}…, e.g. ["Customer name", "Order number"]'),
});

/**
 * How Warmline reaches customers on WhatsApp: a linked WhatsApp Web session (`web`, one phone, a
 * browser per session) or Meta's official Cloud API (`cloud`, needs the WHATSAPP_* settings).
 */
export const whatsappConfigSchema = z
  .strictObject({
    kind: z
      .enum(["web", "cloud"])
      .default("web")
      .describe(
        "web: whatsapp-web.js on a linked phone (trials, one instance); cloud: Meta's WhatsApp Business Cloud API (production, several instances; needs WHATSAPP_ACCESS_TOKEN, WHATSAPP_PHONE_NUMBER_ID, WHATSAPP_APP_SECRET and WHATSAPP_VERIFY_TOKEN)",
      ),
    browserPath: z.string().optional().describe("web: Chromium/Chrome executable; else CHROME_PATH or the usual install paths"),
    pairing: z.enum(["qr", "code"]).default("qr").describe("web: how the business phone links"),
    pairingPhone: z.string().optional().describe("web: phone number to pair with a code instead of a QR"),
    templates: z
      .array(whatsappTemplateSchema)
      .default([])
      .describe(
        "cloud: approved message templates agents may send once the 24-hour customer-service window has closed (WhatsApp Manager → Message templates)",
      ),
    surveyTemplate: z
      .string()
      .optional()
      .describe(
        "cloud: the template (a name in whatsapp.templates) the post-resolve survey goes out as when the 24-hour window has closed",
      ),
    inDoubtGraceMs: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe(
        "cloud: a send that may have reached Meta before a crash waits this long (default 60000) for Meta's status webhook before it is sent again; shorter risks a duplicate, longer delays a lost message",
      ),
  })
  .default({ kind: "web", pairing: "qr", templates: [] });

export type WhatsAppConfig = z.infer<typeof whatsappConfigSchema>;
export type WhatsAppTemplateConfig = z.infer<typeof whatsappTemplateSchema>;

const recordOf = (value: unknown): Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};

/** Cross-field checks: the survey template exists; Socket Mode gives Meta's webhook a port to reach. */
export function checkWhatsAppSettings(config: Record<string, unknown>, ctx: z.RefinementCtx): void {
  const whatsapp = recordOf(config.whatsapp);
  const templates = Array.isArray(whatsapp.templates) ? whatsapp.templates.map((t) => recordOf(t).name) : [];
  if (typeof whatsapp.surveyTemplate === "string" && !templates.includes(whatsapp.surveyTemplate)) {
    ctx.addIssue({
      code: "custom",
      path: ["whatsapp", "surveyTemplate"],
      message: `template "${whatsapp.surveyTemplate}" is not in whatsapp.templates: add it there (as approved in WhatsApp Manager) or remove surveyTemplate`,
    });
  }
  const socketMode = (recordOf(config.slack).mode ?? "socket") === "socket";
  const port = recordOf(config.http).port ?? recordOf(config.metrics).port;
  if (whatsapp.kind === "cloud" && socketMode && port === undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["http", "port"],
      message:
        'whatsapp.kind "cloud" in Socket Mode needs a port for Meta\'s webhook: set http.port (e.g. 8080) and point the webhook URL in your Meta app (WhatsApp → Configuration) at https://<your host>/whatsapp/webhook',
    });
  }
}
