/** Append-only record of who did what. Never rewritten; removed only by `forget`. */
export type AuditAction =
  | "escalated"
  | "claimed"
  | "released"
  | "relayed"
  | "internal_note"
  | "transferred"
  | "returned_to_bot"
  | "resolved"
  | "abandoned"
  | "survey_answered"
  /** Slack was unreachable: a case was opened by e-mail or webhook (src/engine/fallback.ts). */
  | "case_opened"
  | "forgotten";

export interface AuditEvent {
  at: number;
  conversationId: string;
  /** "customer", "bot", "system" or an agent id such as "slack:U123". */
  actor: string;
  action: AuditAction;
  detail?: Record<string, string | number | boolean>;
}
