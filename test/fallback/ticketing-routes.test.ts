import { afterEach, describe, expect, it } from "vitest";
import { createEmailTicketing, createSmtpTransport } from "../../channels/email/email-ticketing.js";
import { signWebhookBody, verifyWebhookSignature, WEBHOOK_TOLERANCE_SECONDS } from "../../channels/webhook/webhook-signature.js";
import { createWebhookTicketing } from "../../channels/webhook/webhook-ticketing.js";
import { isWarmlineError } from "../../src/domain/errors.js";
import type { CaseRequest } from "../../src/ports/ticketing.js";
import {
  type LocalSmtpServer,
  type LocalWebhookReceiver,
  startLocalSmtpServer,
  startWebhookReceiver,
} from "../helpers/fallback-receivers.js";
import { cancellationContext, T0 } from "../slack/context-fixture.js";

const SECRET = "webhook-secret-0123456789abcdef";
const request: CaseRequest = {
  caseNumber: "WL-7K3M9Q2X",
  team: "Retention",
  reason: "Slack could not be reached: the card has not been posted for 12 minutes.",
  contactBy: T0 + 2 * 60 * 60_000,
  context: cancellationContext(),
};

let smtp: LocalSmtpServer | undefined;
let hook: LocalWebhookReceiver | undefined;
afterEach(async () => {
  await smtp?.close();
  await hook?.close();
  smtp = hook = undefined;
});

describe("e-mail route (nodemailer against a local SMTP server)", () => {
  it("e-mails the case to the support inbox with the context package attached, and the ops alert to ops", async () => {
    smtp = await startLocalSmtpServer();
    const email = createEmailTicketing({
      transport: createSmtpTransport(smtp.url),
      from: "warmline@shop.example",
      to: ["support@shop.example"],
      opsTo: ["ops@shop.example"],
    });
    await email.openCase(request);
    await email.alertOps({ key: "WL-7K3M9Q2X-ops", subject: "Slack unreachable", text: "Cards are waiting for Slack." });

    expect(smtp.mails).toHaveLength(2);
    const [mail, alert] = smtp.mails;
    expect(mail!.from).toBe("warmline@shop.example");
    expect(mail!.to).toEqual(["support@shop.example"]);
    expect(mail!.headers.subject).toBe("[Warmline] Case WL-7K3M9Q2X · Retention · Maria Lopez wants to cancel order 1042");
    expect(mail!.headers["message-id"]).toBe("<case-WL-7K3M9Q2X@shop.example>");
    expect(mail!.headers["x-warmline-case"]).toBe("WL-7K3M9Q2X");
    expect(mail!.text).toContain("Case WL-7K3M9Q2X for the Retention team (high priority).");
    expect(mail!.text).toContain("Suggested next step: Offer a return label or intercept the parcel.");
    expect(mail!.text).toContain("Maria Lopez: It hasn't arrived and I don't need it any more");
    expect(mail!.text).toContain("+44 •••• ••• 123");
    expect(mail!.raw).toMatch(/filename=context-WL-7K3M9Q2X\.json/);
    expect(alert!.to).toEqual(["ops@shop.example"]);
    expect(alert!.headers.subject).toBe("[Warmline] Slack unreachable");
  });

  it("a server that is not there is a coded error that says what to check", async () => {
    smtp = await startLocalSmtpServer();
    const url = smtp.url;
    await smtp.close();
    smtp = undefined;
    const email = createEmailTicketing({
      transport: createSmtpTransport(url),
      from: "warmline@shop.example",
      to: ["support@shop.example"],
    });
    const error = await email.openCase(request).catch((e: unknown) => e);
    expect(isWarmlineError(error, "delivery_failed")).toBe(true);
    expect((error as Error).message).toMatch(/Could not e-mail case WL-7K3M9Q2X .*fallback\.email\.smtpUrl/);
  });
});

describe("webhook route (signed JSON to a local receiver)", () => {
  it("posts case.opened and ops.alert, signed so the receiver's own HMAC matches, and keeps the helpdesk's ticket id", async () => {
    hook = await startWebhookReceiver(SECRET);
    const webhook = createWebhookTicketing({ url: hook.url, secret: SECRET, clock: { now: () => Date.now() } });
    const opened = await webhook.openCase(request);
    await webhook.alertOps({ key: "WL-7K3M9Q2X-ops", subject: "Slack unreachable", text: "Cards are waiting." });

    expect(opened).toEqual({ externalId: "1001" });
    expect(hook.received.map((r) => [r.event, r.idempotencyKey, r.verified])).toEqual([
      ["case.opened", "WL-7K3M9Q2X", true],
      ["ops.alert", "WL-7K3M9Q2X-ops", true],
    ]);
    const body = hook.received[0]!.body;
    expect(body).toMatchObject({ event: "case.opened", caseNumber: "WL-7K3M9Q2X", team: "Retention" });
    expect((body.context as { escalation: { id: string } }).escalation.id).toBe("esc-1");
    expect(body.text).toContain("Why escalated: The customer wants to cancel order 1042");
  });

  it("a receiver with another secret refuses it, and the route says so", async () => {
    hook = await startWebhookReceiver("another-secret-0123456789abcdef");
    const webhook = createWebhookTicketing({ url: hook.url, secret: SECRET, clock: { now: () => Date.now() } });
    const error = await webhook.openCase(request).catch((e: unknown) => e);
    expect(hook.received[0]!.verified).toBe(false);
    expect((error as Error).message).toMatch(/answered 401 to case\.opened.*same FALLBACK_WEBHOOK_SECRET/);
  });

  it("verifyWebhookSignature accepts the body as signed and refuses a changed body, a wrong secret or a stale timestamp", () => {
    const now = T0;
    const timestamp = Math.floor(now / 1000);
    const body = JSON.stringify({ event: "case.opened", caseNumber: "WL-1" });
    const headers = { signature: signWebhookBody(SECRET, timestamp, body), timestamp: String(timestamp) };
    expect(verifyWebhookSignature(SECRET, headers, body, now)).toBe(true);
    expect(verifyWebhookSignature(SECRET, headers, body.replace("WL-1", "WL-2"), now)).toBe(false);
    expect(verifyWebhookSignature("not-the-secret-0123456789", headers, body, now)).toBe(false);
    expect(verifyWebhookSignature(SECRET, headers, body, now + (WEBHOOK_TOLERANCE_SECONDS + 1) * 1000)).toBe(false);
  });
});
