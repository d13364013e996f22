import { currentEscalation, type Conversation, type ConversationState } from "../domain/conversation.js";

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
  state: ConversationState;
  /** Open only: the current escalation's team, for the per-team counts (teamCounts). */
  team?: string;
  /** Queued only: when the current escalation joined its team's queue, for the place in line (countQueued). */
  queuedAt?: number;
  /** Open only: when the tick should look at it next (Conversation.timersDueAt). */
  timersDueAt?: number;
  /** The latest claim of any of its escalations, for the wait estimate (recentClaimWaits). */
  lastClaim?: ClaimIndexEntry;
  /** Every escalation's thread, so replies in a thread left by a transfer still find the conversation. */
  threads: string[];
  updatedAt: number;
}

export interface ClaimIndexEntry {
  team: string;
  claimedAt: number;
  /** How long the escalation waited to be claimed. */
  waitedMs: number;
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

/** Whether the conversation is due for the tick at `now`: what listDue re-checks on the loaded document. */
export function isDueConversation(conversation: Conversation, now: number): boolean {
  return isOpenConversation(conversation) && conversation.timersDueAt !== undefined && conversation.timersDueAt <= now;
}

export function indexEntryOf(conversation: Conversation): ConversationIndexEntry {
  const open = isOpenConversation(conversation);
  const current = open ? currentEscalation(conversation) : undefined;
  const claimed = conversation.escalations.findLast((e) => e.claimedAt !== undefined);
  return {
    id: conversation.id,
    customer: conversation.customer.address,
    active: isActiveConversation(conversation),
    open,
    state: conversation.state,
    ...(current ? { team: current.team } : {}),
    ...(current && conversation.state === "queued" ? { queuedAt: current.createdAt } : {}),
    ...(open && conversation.timersDueAt !== undefined ? { timersDueAt: conversation.timersDueAt } : {}),
    ...(claimed
      ? { lastClaim: { team: claimed.team, claimedAt: claimed.claimedAt!, waitedMs: Math.max(0, claimed.claimedAt! - claimed.createdAt) } }
      : {}),
    threads: threadsOf(conversation),
    updatedAt: conversation.updatedAt,
  };
}

/** Query results, least recently updated first (ties by id, so the order is stable). */
export function oldestFirst(conversations: Conversation[]): Conversation[] {
  return conversations.sort((a, b) => a.updatedAt - b.updatedAt || a.id.localeCompare(b.id));
}

/** Most recently updated first. */
export function newestFirst(conversations: Conversation[]): Conversation[] {
  return conversations.sort((a, b) => b.updatedAt - a.updatedAt || a.id.localeCompare(b.id));
}
