import type { ContextPackage } from "../domain/context-package.js";

/**
 * Port: a route to the team that does not go through the agent workspace, for when Slack itself is
 * down (src/engine/fallback.ts). Adapters: e-mail over SMTP (channels/email) and a signed JSON
 * webhook for helpdesks such as Zendesk, Freshdesk or Jira (channels/webhook).
 */
export interface Ticketing {
  /** Names the route for logs, the audit trail and the late card: "e-mail", "webhook". */
  readonly route: string;
  /**
   * Opens a case with everything an agent needs. `caseNumber` is Warmline's own and the same on every
   * attempt, so a receiver can de-duplicate a retry after a crash. Throws when the case was not taken.
   */
  openCase(request: CaseRequest): Promise<OpenedCase>;
  /** Tells the operators, through this same route, that Slack is unreachable and cases are being opened. */
  alertOps(alert: OpsAlert): Promise<void>;
}

export interface CaseRequest {
  /** Shown to the customer ("WL-7K3M9Q2X"); stable across retries: the receiver's idempotency key. */
  caseNumber: string;
  /** The team's display name. */
  team: string;
  /** Why the case exists, one sentence: the card could not be posted for so long. */
  reason: string;
  /** When the customer was told the team will contact them (epoch ms). */
  contactBy: number;
  /** The full context package the card carries (already masked as the card is). */
  context: ContextPackage;
}

export interface OpenedCase {
  /** The receiving system's own id, when it answers with one (a helpdesk ticket number). */
  externalId?: string;
}

export interface OpsAlert {
  /** Stable per alert, for de-duplication by the receiver. */
  key: string;
  subject: string;
  text: string;
}
