import { z } from "zod";

/**
 * `fallback`: what Warmline does when Slack itself is down and a card cannot be posted. Part of
 * configSchema (src/config/schema.ts); its secrets come from the environment (fallback-settings.ts).
 */

const emailAddress = z.email('use an e-mail address such as "support@example.com"');

const smtpUrl = z
  .string()
  .regex(/^smtps?:\/\/[^/\s]+/, 'use an SMTP URL such as "smtp://mail.example.com:587" or "smtps://mail.example.com:465"')
  .refine((url) => {
    try {
      return new URL(url).password === "";
    } catch {
      return false;
    }
  }, "keep the password out of the config file: put it in FALLBACK_SMTP_PASSWORD (and the user in FALLBACK_SMTP_USER)")
  .describe("The SMTP server: smtp://host:port (STARTTLS when the server offers it) or smtps://host:port (TLS)");

const httpsUrl = z
  .url({ protocol: /^https?$/, error: 'use the receiver\'s http(s) URL, e.g. "https://example.zendesk.com/api/v2/…"' })
  .describe("Where the signed JSON is posted");

export const fallbackSchema = z
  .strictObject({
    afterMinutes: z
      .number()
      .positive()
      .max(24 * 60)
      .default(10)
      .describe("Minutes a card may stay unposted (Slack unreachable) before a case is opened and the customer told"),
    contactWithinMinutes: z
      .number()
      .positive()
      .max(7 * 24 * 60)
      .default(120)
      .describe("What the customer is promised: the team contacts them within this many minutes (of the team opening, when it is closed)"),
    email: z
      .strictObject({
        smtpUrl,
        from: emailAddress.describe("The sender of case and alert e-mails"),
        to: z.array(emailAddress).min(1, "list at least one address for the cases").describe("Who receives each case (a support inbox)"),
        opsTo: z.array(emailAddress).min(1).optional().describe("Who receives the ops alert; default: `to`"),
      })
      .optional()
      .describe(
        "Cases by e-mail over SMTP (user and password from FALLBACK_SMTP_USER and FALLBACK_SMTP_PASSWORD when the server needs them)",
      ),
    webhook: z
      .strictObject({
        url: httpsUrl,
        opsUrl: httpsUrl.optional().describe("Where the ops alert is posted; default: `url`"),
      })
      .optional()
      .describe("Cases as signed JSON (HMAC-SHA256 with FALLBACK_WEBHOOK_SECRET) for a helpdesk: Zendesk, Freshdesk, Jira…"),
  })
  .refine((fallback) => fallback.email !== undefined || fallback.webhook !== undefined, {
    message: "give `email`, `webhook` or both: the route cases take while Slack is down (or remove `fallback` to turn it off)",
  })
  .describe("Off unless set. When Slack is down and a card stays unposted, open a case by e-mail and/or webhook and tell the customer");

export type FallbackConfig = z.infer<typeof fallbackSchema>;
