import type { Escalation, EscalationReason, Priority } from "./escalation.js";

/** Lifecycle: bot -> queued -> assigned -> resolved, plus back-to-bot, release and transfer. */
export type ConversationState = "bot" | "queued" | "assigned" | "resolved";

export type Author = "customer" | "bot" | "agent" | "system";

export type AttachmentKind = "image" | "audio" | "video" | "document" | "location" | "contact" | "sticker";

export interface Attachment {
  kind: AttachmentKind;
  mimeType?: string;
  filename?: string;
  /**
   * Base64 payload for media small enough to carry, as a channel hands it over or takes it; absent for
   * location/contact. A recorded attachment has `mediaId` instead: its bytes stay in the store.
   */
  dataBase64?: string;
  /**
   * Where a recorded attachment's bytes are kept (ConversationStore.loadMedia): transcripts and outbox items
   * carry this id, not the bytes, so a photo costs its conversation a few bytes in every read and cached copy.
   */
  mediaId?: string;
  /**
   * Shared in the agents' workspace and not downloaded yet (a Slack file): the workspace fetches the bytes
   * (AgentWorkspace.fetchFiles) when the reply is relayed, so storing the reply never waits on a download.
   */
  workspaceFile?: { id: string; url?: string; bytes: number };
  /** Human-readable description (caption, "Location: 52.1,4.3", contact vCard name). */
  description?: string;
}

/** The language a customer writes in, as identified from their messages (src/languages/identify-language.ts). */
export interface CustomerLanguage {
  /** Catalog code (ISO 639-1), e.g. "pt"; a variant keeps its parent's ("hi" for Hinglish). */
  code: string;
  /** For agents: "Portuguese", "Hinglish (romanized Hindi)". */
  name: string;
  /** ISO 15924, e.g. "Latn": a romanized variant gets the romanized replies. */
  script: string;
}

export interface TranscriptEntry {
  /** Unique within the conversation: the channel's message id for inbound messages, generated otherwise. */
  id: string;
  author: Author;
  text: string;
  /** Epoch milliseconds. */
  at: number;
  /** Agent id ("slack:U123") for agent entries. */
  agentId?: string;
  agentName?: string;
  /** Internal notes are visible to agents only and never reach the customer. */
  internal?: boolean;
  attachments?: Attachment[];
  /** Assistant analysis of a customer entry. */
  intent?: string;
  confidence?: number;
  /** -1 (very negative) .. 1 (very positive). */
  sentiment?: number;
  /** Customer entries: the language the message was confidently identified as (absent when too short to tell). */
  language?: CustomerLanguage;
  /** Set when the customer edited or deleted the message on their side. */
  editedText?: string;
  deleted?: boolean;
  /** What the assistant tried on this turn (bot entries). */
  actions?: { action: string; ok: boolean; result: string; failed?: boolean }[];
  /** Agent entries: the workspace's ref of the agent's message and the channel's id of the relayed copy. */
  workspaceRef?: string;
  channelMessageId?: string;
  delivery?: "sent" | "delivered" | "read" | "failed";
}

export type CustomerTier = "standard" | "vip";

export interface Customer {
  /** Opaque channel address, e.g. "whatsapp:15551234567@c.us". Only the channel adapter decodes it. */
  address: string;
  name?: string;
  /** Raw phone number in international form; always masked before display. */
  phone?: string;
  tier: CustomerTier;
  /** Conversations this customer had before the current one. */
  pastConversations: number;
}

export interface AgentRef {
  /** Opaque agent id, e.g. "slack:U123ABC". */
  id: string;
  name: string;
}

export interface SurveyState {
  status: "pending" | "answered";
  sentAt: number;
  score?: number;
  handoverHelped?: boolean;
  answeredAt?: number;
}

/**
 * What an agent said about a handoff once it was resolved: counted by analytics; only
 * bot_should_have_handled is exported as training data.
 */
export type AgentFeedbackKind = "right_call" | "bot_should_have_handled" | "escalated_too_late";

/** One answer per agent and escalation: a later answer replaces the agent's earlier one. */
export interface AgentFeedback {
  kind: AgentFeedbackKind;
  escalationId: string;
  /** Opaque agent id, e.g. "slack:U123". */
  agentId: string;
  at: number;
  /** bot_should_have_handled: the intent the bot should have answered (the agent's pick, else the detected one). */
  intent?: string;
}

/** An agent opened the full transcript of an escalation from its card. */
export interface ContextView {
  escalationId: string;
  agentId: string;
  at: number;
}

/**
 * An optional escalation that stayed with the bot (team closed, nobody free): the customer was offered
 * a call back, and CALLBACK queues it with these details.
 */
export interface EscalationOffer {
  reason: EscalationReason;
  explanation: string;
  team: string;
  priority: Priority;
  offeredAt: number;
}

/**
 * A send to the customer that the channel confirmed, kept with the conversation so it survives a
 * crash. An in-doubt retry of the conversation's next send looks for its copy only after this one
 * (a channel with no message metadata, like WhatsApp Web, can tell two identical texts apart only by position).
 */
export interface ConfirmedSend {
  /** The outbox item it delivered. */
  key: string;
  /** The channel's id of its (first) message: what `send` returned. */
  channelMessageId: string;
  /** The channel's id of the last message it became (a long text or several files go as several), and when (epoch ms). */
  lastMessageId: string;
  at: number;
}

export interface Conversation {
  id: string;
  /** Incremented on every write; the store's compare-and-set compares it. */
  version: number;
  /** Customer channel name, e.g. "whatsapp". */
  channel: string;
  customer: Customer;
  state: ConversationState;
  transcript: TranscriptEntry[];
  /** Every escalation of this conversation, oldest first; the last one is current while queued/assigned. */
  escalations: Escalation[];
  assignee?: AgentRef;
  /** Consecutive assistant misses (low confidence / noise), reset by a confident answer. */
  botMisses: number;
  /** Consecutive tool failures. */
  toolFailures: number;
  /** The customer declined an optional escalation; don't offer again for the same reason. */
  declinedReasons: string[];
  offer?: EscalationOffer;
  survey?: SurveyState;
  /** The customer asked to be called back (after hours, or nobody available). */
  callbackRequestedAt?: number;
  /** Language (a `keywords` key) of the last control word the customer typed: the words Warmline's messages name. */
  keywordLanguage?: string;
  /** The language the customer writes in: the latest confident identification (short messages keep it). */
  language?: CustomerLanguage;
  /** The last send to the customer the channel confirmed (see ConfirmedSend). */
  lastCustomerSend?: ConfirmedSend;
  /** Analytics (written through AnalyticsActions, never by the engine). */
  contextViews?: ContextView[];
  feedback?: AgentFeedback[];
  /**
   * The earliest moment a claim timer or fallback step may fall due (src/engine/timers-due.ts), set on
   * every engine write; absent when none is pending. The store indexes it, so the tick loads only these.
   */
  timersDueAt?: number;
  createdAt: number;
  updatedAt: number;
}

export function currentEscalation(conversation: Conversation): Escalation | undefined {
  return conversation.escalations.at(-1);
}

export function customerEntries(conversation: Conversation): TranscriptEntry[] {
  return conversation.transcript.filter((entry) => entry.author === "customer");
}
