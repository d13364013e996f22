import { caseSubject, caseText } from "../../src/domain/case-summary.js";
import { WarmlineError } from "../../src/domain/errors.js";
import type { Clock } from "../../src/ports/clock.js";
import type { CaseRequest, OpenedCase, OpsAlert, Ticketing } from "../../src/ports/ticketing.js";
import {
  signWebhookBody,
  WEBHOOK_EVENT_HEADER,
  WEBHOOK_IDEMPOTENCY_HEADER,
  WEBHOOK_SIGNATURE_HEADER,
  WEBHOOK_TIMESTAMP_HEADER,
} from "./webhook-signature.js";

/** A receiver that does not answer within this is treated as down (the engine retries later). */
const WEBHOOK_TIMEOUT_MS = 15_000;

export interface WebhookTicketingOptions {
  url: string;
  /** Where the ops alert goes; default `url`. */
  opsUrl?: string;
  /** FALLBACK_WEBHOOK_SECRET. */
  secret: string;
  clock: Clock;
}

/**
 * Cases as signed JSON for a helpdesk (Zendesk, Freshdesk, Jira… through their webhook or
 * automation endpoints, or a small relay): `case.opened` carries the case's subject and text and the
 * full context package; `ops.alert` tells the operators. Any 2xx is taken; a JSON answer with an `id`
 * (the helpdesk's ticket id) is kept on the case.
 */
export function createWebhookTicketing(options: WebhookTicketingOptions): Ticketing {
  async function post(url: string, event: string, key: string, payload: Record<string, unknown>): Promise<unknown> {
    const body = JSON.stringify({ event, ...payload });
    const timestamp = Math.floor(options.clock.now() / 1000);
    let response: Response;
    try {
      response = await fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          [WEBHOOK_EVENT_HEADER]: event,
          [WEBHOOK_IDEMPOTENCY_HEADER]: key,
          [WEBHOOK_TIMESTAMP_HEADER]: String(timestamp),
          [WEBHOOK_SIGNATURE_HEADER]: signWebhookBody(options.secret, timestamp, body),
        },
        body,
        signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
      });
    } catch (error) {
      throw new WarmlineError(
        "delivery_failed",
        `The fallback webhook ${url} could not be reached for ${event} (${error instanceof Error ? error.message : String(error)}): check fallback.webhook.url and that the receiver is up.`,
        error,
      );
    }
    const text = await response.text().catch(() => "");
    if (!response.ok)
      throw new WarmlineError(
        "delivery_failed",
        `The fallback webhook ${url} answered ${response.status} to ${event}${text ? ` (${text.slice(0, 200)})` : ""}: check that the receiver verifies with the same FALLBACK_WEBHOOK_SECRET.`,
      );
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return undefined;
    }
  }

  return {
    route: "webhook",
    async openCase(request: CaseRequest): Promise<OpenedCase> {
      const answer = await post(options.url, "case.opened", request.caseNumber, {
        caseNumber: request.caseNumber,
        team: request.team,
        reason: request.reason,
        contactBy: new Date(request.contactBy).toISOString(),
        subject: caseSubject(request),
        text: caseText(request),
        context: request.context,
      });
      const id = typeof answer === "object" && answer !== null ? (answer as { id?: unknown }).id : undefined;
      return typeof id === "string" || typeof id === "number" ? { externalId: String(id) } : {};
    },
    async alertOps(alert: OpsAlert): Promise<void> {
      await post(options.opsUrl ?? options.url, "ops.alert", alert.key, { subject: alert.subject, text: alert.text });
    },
  };
}
