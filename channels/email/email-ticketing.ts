import nodemailer, { type SendMailOptions, type Transporter } from "nodemailer";
import type SMTPTransport from "nodemailer/lib/smtp-transport/index.js";
import { caseSubject, caseText } from "../../src/domain/case-summary.js";
import { WarmlineError } from "../../src/domain/errors.js";
import type { CaseRequest, OpenedCase, OpsAlert, Ticketing } from "../../src/ports/ticketing.js";

/** An SMTP server that does not answer within these is treated as down (the engine retries later). */
const SMTP_CONNECT_TIMEOUT_MS = 10_000;
const SMTP_SOCKET_TIMEOUT_MS = 30_000;

/** What the adapter needs of a nodemailer transporter (tests may pass any transporter). */
export type MailTransport = Pick<Transporter<SMTPTransport.SentMessageInfo>, "sendMail">;

export interface EmailTicketingOptions {
  transport: MailTransport;
  from: string;
  to: string[];
  /** Who gets the ops alert; default `to`. */
  opsTo?: string[];
}

/** The SMTP transport for `smtpUrl` (smtp:// upgrades with STARTTLS when offered, smtps:// is TLS), with bounded timeouts. */
export function createSmtpTransport(smtpUrl: string, auth?: { user: string; pass: string }): Transporter<SMTPTransport.SentMessageInfo> {
  const url = new URL(smtpUrl);
  const secure = url.protocol === "smtps:";
  return nodemailer.createTransport({
    host: url.hostname,
    port: url.port ? Number(url.port) : secure ? 465 : 587,
    secure,
    ...(auth ? { auth } : {}),
    connectionTimeout: SMTP_CONNECT_TIMEOUT_MS,
    greetingTimeout: SMTP_CONNECT_TIMEOUT_MS,
    socketTimeout: SMTP_SOCKET_TIMEOUT_MS,
  });
}

/**
 * Cases by e-mail: one message per case to the support inbox, its plain-text summary in the body
 * and the full context package attached as JSON. The Message-ID is derived from the case number,
 * so a retry after a crash is the same message to the mail system (and threads with it).
 */
export function createEmailTicketing(options: EmailTicketingOptions): Ticketing {
  const domain = options.from.split("@")[1] ?? "warmline.invalid";
  const send = async (what: string, mail: SendMailOptions) => {
    try {
      return await options.transport.sendMail({ from: options.from, ...mail });
    } catch (error) {
      throw new WarmlineError(
        "delivery_failed",
        `Could not e-mail ${what} (${error instanceof Error ? error.message : String(error)}): check fallback.email.smtpUrl, FALLBACK_SMTP_USER and FALLBACK_SMTP_PASSWORD, and that the SMTP server accepts mail from ${options.from}.`,
        error,
      );
    }
  };
  return {
    route: "e-mail",
    async openCase(request: CaseRequest): Promise<OpenedCase> {
      await send(`case ${request.caseNumber}`, {
        to: options.to,
        subject: caseSubject(request),
        text: caseText(request),
        messageId: `<case-${request.caseNumber}@${domain}>`,
        headers: { "X-Warmline-Case": request.caseNumber },
        attachments: [
          {
            filename: `context-${request.caseNumber}.json`,
            contentType: "application/json",
            content: JSON.stringify(request.context, null, 2),
          },
        ],
      });
      // The mail system gives no case id of its own: the case number is the reference.
      return {};
    },
    async alertOps(alert: OpsAlert): Promise<void> {
      await send("the ops alert", {
        to: options.opsTo ?? options.to,
        subject: `[Warmline] ${alert.subject}`,
        text: alert.text,
        messageId: `<alert-${alert.key}@${domain}>`,
      });
    },
  };
}
