import type { Conversation } from "../domain/conversation.js";

export interface ExtractedEntities {
  orderNumber?: string;
  /** Money amount mentioned by the customer, in major units. */
  amount?: number;
  currency?: string;
}

export interface AttemptedAction {
  /** e.g. "order_lookup", "refund_policy_check". */
  action: string;
  ok: boolean;
  /** One line: what came of it ("Order 123 shipped on 3 May", "Order system timed out"). */
  result: string;
  /** Set when the action itself failed (timeout, error), as opposed to a negative answer. */
  failed?: boolean;
}

export interface AssistantTurn {
  reply: string;
  intent: string;
  /** 0..1 */
  confidence: number;
  entities: ExtractedEntities;
  /** -1 (very negative) .. 1 (very positive). */
  sentiment: number;
  actions: AttemptedAction[];
}

/** Port: the assistant that answers customers. The default is offline (NLP.js); an LLM could replace it. */
export interface Assistant {
  respond(conversation: Conversation, message: string): Promise<AssistantTurn>;
  /** Classify only, without tools or a reply; used by triage and evaluation. */
  classify(text: string): Promise<{ intent: string; confidence: number; sentiment: number; entities: ExtractedEntities }>;
}
