import type { Conversation } from "../domain/conversation.js";

/**
 * What the store indexes about one conversation. Derived from the conversation alone, in one
 * place, so every backend indexes the same things; each backend only decides how to store them.
 */
export interface ConversationIndexEntry {
  id: string;
  customer: string;
  /** The customer's current conversation: see isActiveConversation. */
  active: boolean;
  /** Queued or assigned: waiting for, or with, a human. */
  open: boolean;
  /** Every escalation's thread, so replies in a thread left by a transfer still find the conversation. */
  threads: string[];
  updatedAt: number;
}

export function isOpenConversation(conversation: Conversation): boolean {
  return conversation.state === "queued" || conversation.state === "assigned";
}

/** Not resolved, or resolved with the satisfaction survey still waiting for an answer. */
export function isActiveConversation(conversation: Conversation): boolean {
  return conversation.state !== "resolved" || conversation.survey?.status === "pending";
}

export function threadsOf(conversation: Conversation): string[] {
  const threads = new Set<string>();
  for (const escalation of conversation.escalations) {
    if (escalation.thread !== undefined) threads.add(escalation.thread);
    if (escalation.previousThread !== undefined) threads.add(escalation.previousThread);
  }
  return [...threads];
}

export function indexEntryOf(conversation: Conversation): ConversationIndexEntry {
  return {
    id: conversation.id,
    customer: conversation.customer.address,
    active: isActiveConversation(conversation),
    open: isOpenConversation(conversation),
    threads: threadsOf(conversation),
    updatedAt: conversation.updatedAt,
  };
}
