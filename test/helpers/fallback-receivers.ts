/**
 * The far ends of the fallback routes, real and local: an SMTP server (the `smtp-server` package) on
 * port 0 that keeps every message, and a node:http webhook receiver that checks each signature with
 * its own HMAC, as a helpdesk would.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
  /** Header lines as sent (first occurrence), lower-case names. */
  headers: Record<string, string>;
  /** The text/plain part, quoted-printable decoded. */
  text: string;
}

export interface LocalSmtpServer {
  url: string;
  mails: ReceivedMail[];
  close(): Promise<void>;
}

/** Soft line breaks and =XX escapes undone (nodemailer encodes long or non-ASCII text that way). */
function decodeQuotedPrintable(text: string): string {
  const bytes = text.replace(/=\r?\n/g, "").replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
  return Buffer.from(bytes, "latin1").toString("utf8");
}

/** RFC 2047 encoded words ("=?UTF-8?Q?=5BWarmline=5D_Case?=") as the text they stand for. */
function decodeHeader(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, "?==?")
    .replace(/=\?UTF-8\?Q\?([^?]*)\?=/gi, (_, text: string) => decodeQuotedPrintable(text.replace(/_/g, " ")))
    .replace(/=\?UTF-8\?B\?([^?]*)\?=/gi, (_, text: string) => Buffer.from(text, "base64").toString("utf8"));
}

function parseMail(raw: string): Pick<ReceivedMail, "headers" | "text"> {
  const [head = "", ...rest] = raw.split(/\r?\n\r?\n/);
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\r?\n[ \t]+/g, " ").split(/\r?\n/)) {
    const colon = line.indexOf(":");
    const name = line.slice(0, colon).trim().toLowerCase();
    if (colon > 0 && !(name in headers)) headers[name] = decodeHeader(line.slice(colon + 1).trim());
  }
  const body = rest.join("\n\n");
  const plain = /Content-Type: text\/plain[\s\S]*?\r?\n\r?\n([\s\S]*?)\r?\n--/i.exec(body)?.[1] ?? body;
  return { headers, text: decodeQuotedPrintable(plain) };
}

export async function startLocalSmtpServer(): Promise<LocalSmtpServer> {
  const mails: ReceivedMail[] = [];
  const server = new SMTPServer({
    // A plain local server: no STARTTLS offered, no login needed.
    disabledCommands: ["STARTTLS", "AUTH"],
    authOptional: true,
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        const raw = Buffer.concat(chunks).toString("utf8");
        const envelope = session.envelope;
        mails.push({
          from: envelope.mailFrom ? envelope.mailFrom.address : "",
          to: envelope.rcptTo.map((r) => r.address),
          raw,
          ...parseMail(raw),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface ReceivedWebhook {
  event: string;
  idempotencyKey: string;
  /** Whether the signature matched this receiver's own HMAC of `<timestamp>.<raw body>`. */
  verified: boolean;
  body: Record<string, unknown>;
}

export interface LocalWebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  /** Answers this status to the next requests (default 200 with a ticket id). */
  failWith?: number;
  close(): Promise<void>;
}

export async function startWebhookReceiver(secret: string): Promise<LocalWebhookReceiver> {
  let tickets = 1000;
  const receiver: LocalWebhookReceiver = { url: "", received: [], close: async () => undefined };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      const timestamp = String(req.headers["x-warmline-timestamp"] ?? "");
      const given = Buffer.from(String(req.headers["x-warmline-signature"] ?? ""));
      const expected = Buffer.from(`sha256=${createHmac("sha256", secret).update(`${timestamp}.${raw}`).digest("hex")}`);
      const verified = given.length === expected.length && timingSafeEqual(given, expected);
      receiver.received.push({
        event: String(req.headers["x-warmline-event"] ?? ""),
        idempotencyKey: String(req.headers["idempotency-key"] ?? ""),
        verified,
        body: JSON.parse(raw) as Record<string, unknown>,
      });
      const status = !verified ? 401 : (receiver.failWith ?? 200);
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(status === 200 ? { id: ++tickets } : { error: verified ? "unavailable" : "bad signature" }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/warmline`;
  receiver.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return receiver;
}
