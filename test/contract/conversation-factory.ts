import { randomUUID } from "node:crypto";
import type { Conversation, TranscriptEntry } from "../../src/domain/conversation.js";
import type { Escalation } from "../../src/domain/escalation.js";

/** Test data builders for valid Conversations. Ids are unique per call, so tests can share a store. */

export const BASE_TIME = Date.UTC(2025, 0, 6, 9, 0, 0);

export function uniqueId(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export function buildCustomerAddress(): string {
  return `whatsapp:${Math.floor(1e10 + Math.random() * 9e10)}@c.us`;
}

export function buildTranscriptEntry(overrides: Partial<TranscriptEntry> = {}): TranscriptEntry {
  return { id: uniqueId("msg"), author: "customer", text: "Where is my order 1042?", at: BASE_TIME, ...overrides };
}

export function buildEscalation(overrides: Partial<Escalation> = {}): Escalation {
  return {
    id: uniqueId("esc"),
    reason: "explicit_request",
    explanation: "The customer asked for a person.",
    team: "support",
    priority: "normal",
    level: 1,
    mandatory: true,
    createdAt: BASE_TIME,
    ...overrides,
  };
}

/** A conversation in state "bot", version 1, with a short transcript. Override anything. */
export function buildConversation(overrides: Partial<Conversation> = {}): Conversation {
  const at = overrides.createdAt ?? BASE_TIME;
  return {
    id: uniqueId("conv"),
    version: 1,
    channel: "whatsapp",
    customer: { address: buildCustomerAddress(), name: "Ada Lovelace", phone: "+447700900123", tier: "standard", pastConversations: 0 },
    state: "bot",
    transcript: [
      buildTranscriptEntry({ at, intent: "order_status", confidence: 0.91, sentiment: 0 }),
      buildTranscriptEntry({ author: "bot", text: "Order 1042 shipped on 3 May.", at: at + 1000 }),
    ],
    escalations: [],
    botMisses: 0,
    toolFailures: 0,
    declinedReasons: [],
    createdAt: at,
    updatedAt: at,
    ...overrides,
  };
}

/** The conversation escalated into `thread` and waiting in the queue. */
export function queuedIn(conversation: Conversation, thread: string, at = conversation.updatedAt + 1000): Conversation {
  return {
    ...conversation,
    state: "queued",
    escalations: [...conversation.escalations, buildEscalation({ thread, createdAt: at })],
    updatedAt: at,
  };
}

/** The current escalation handed to `toTeam` in a new thread, as a transfer does. */
export function transferredTo(
  conversation: Conversation,
  toTeam: string,
  thread: string,
  at = conversation.updatedAt + 1000,
): Conversation {
  const current = conversation.escalations.at(-1);
  const ended = conversation.escalations.map((e, i, all) =>
    i === all.length - 1 ? { ...e, outcome: "transferred" as const, endedAt: at } : e,
  );
  return {
    ...conversation,
    state: "queued",
    assignee: undefined,
    escalations: [
      ...ended,
      buildEscalation({
        team: toTeam,
        level: (current?.level ?? 0) + 1,
        thread,
        previousThread: current?.thread,
        transferNote: "Billing question",
        createdAt: at,
      }),
    ],
    updatedAt: at,
  };
}
