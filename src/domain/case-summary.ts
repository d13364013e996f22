import type { ContextPackage } from "./context-package.js";

/** What a fallback case says, whatever carries it (e-mail body, helpdesk ticket): the card's content as plain text. */
export interface CaseSummaryInput {
  caseNumber: string;
  team: string;
  reason: string;
  contactBy: number;
  context: ContextPackage;
}

/** Transcript lines a case's text carries; the attached context package has them all. */
export const CASE_TRANSCRIPT_LINES = 30;

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

/** "[Warmline] Case WL-7K3M9Q2X · Billing · Maria wants to cancel order 100311" */
export function caseSubject(input: CaseSummaryInput): string {
  const { context } = input;
  return `[Warmline] Case ${input.caseNumber} · ${input.team} · ${context.headline ?? context.customer.name}`;
}

/** The case as plain text: who, why, what they said, what the bot tried, and the promise made to the customer. */
export function caseText(input: CaseSummaryInput): string {
  const { context } = input;
  const { customer, escalation } = context;
  const transcript = context.transcript.slice(-CASE_TRANSCRIPT_LINES);
  const lines = [
    `Case ${input.caseNumber} for the ${input.team} team (${escalation.priority} priority).`,
    input.reason,
    `The customer was told the team will contact them by ${iso(input.contactBy)}.`,
    "",
    `Customer: ${customer.name}, ${customer.maskedPhone} (${customer.tier}, ${customer.pastConversations} past conversations)${customer.language ? `, writes in ${customer.language.name}` : ""}`,
    ...(customer.callbackPhone ? [`Call back requested on ${customer.callbackPhone}`] : []),
    `Why escalated: ${escalation.explanation}`,
    `Summary: ${context.summary}`,
    `Suggested next step: ${context.suggestedNextStep}`,
    `Suggested opening line: ${context.suggestedOpening}`,
    `Waiting since: ${iso(context.waitingSince)}`,
    `Conversation: ${context.conversationId}`,
    "",
    `Transcript${transcript.length < context.transcript.length ? ` (last ${transcript.length} lines)` : ""}:`,
    ...transcript.map((line) => `[${iso(line.at)}] ${line.author}: ${line.text}`),
    "",
    "The card is posted in Slack as soon as Slack answers again; reply to the customer from its thread.",
  ];
  return `${lines.join("\n")}\n`;
}
