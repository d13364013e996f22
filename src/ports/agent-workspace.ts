import type { AgentRef, Attachment } from "../domain/conversation.js";
import type { ContextPackage } from "../domain/context-package.js";
import type { DeliveryAttempt, DeliveryState } from "./customer-channel.js";

/** How the card looks now; the workspace re-renders the card from it. */
export type CardStatus =
  | { kind: "waiting" }
  | { kind: "claimed"; by: AgentRef }
  | { kind: "transferred"; toTeam: string; newThread?: string }
  | { kind: "returned_to_bot"; by: AgentRef }
  /** The customer typed BOT on an optional escalation (claimed or not). */
  | { kind: "customer_returned_to_bot" }
  | { kind: "resolved"; by: AgentRef }
  | { kind: "abandoned" };

/** What the workspace may post into an escalation thread. */
export type ThreadPost =
  | { kind: "customer_message"; text: string; at: number; attachments?: Attachment[] }
  | { kind: "customer_edit"; originalText: string; newText: string }
  | { kind: "customer_delete"; originalText: string }
  | { kind: "system_note"; text: string }
  | { kind: "survey_result"; score?: number; handoverHelped?: boolean }
  | { kind: "delivery_failed"; reason: string }
  /**
   * An agent's reply was not sent because the channel's reply window has closed: the agent may send
   * one of `templates` (names of approved templates) instead.
   */
  | { kind: "window_closed"; reason: string; templates: string[] }
  /** Something Warmline meant to post in this thread (`what`) failed for good; the note says so where agents look. */
  | { kind: "post_failed"; what: string; reason: string }
  /**
   * Calls people into the thread: the team's user group or rota (claim deadline), or the assignee
   * (nudge). `anyone`: nobody is named, so everyone active in the team's channel is called (Slack:
   * @here, also shown in the channel).
   */
  | { kind: "ping"; text: string; userGroup?: string; rota?: string[]; agents?: AgentRef[]; anyone?: boolean };

/** Port: where agents work (Slack today). Ids such as thread refs are opaque outside the adapter. */
export interface AgentWorkspace {
  readonly name: string;
  /**
   * Posts the context card into the team's channel, then the full transcript in its thread. Returns
   * the thread ref. With an in-doubt `delivery`, resumes an earlier attempt instead of repeating it.
   */
  postEscalation(context: ContextPackage, delivery?: DeliveryAttempt): Promise<{ thread: string }>;
  updateCard(thread: string, context: ContextPackage, status: CardStatus): Promise<void>;
  postToThread(thread: string, post: ThreadPost, delivery?: DeliveryAttempt): Promise<void>;
  /** Marks an agent message (identified by the workspace's own message ref) with its delivery state. */
  markDelivery?(messageRef: string, state: DeliveryState): Promise<void>;
  /** Tells the agent, on their message, why it did not reach the customer (an internal note, not theirs to answer, no conversation). */
  noticeReply?(notice: ReplyNotice): Promise<void>;
  /** Human-readable permalink to a thread, for transfer cards. */
  permalink?(thread: string): Promise<string | undefined>;
  /** Posts to the operators' channel (connection problems, failed deliveries). Throws only when given a `delivery` (the outbox retries). */
  notifyOps?(text: string, delivery?: DeliveryAttempt): Promise<void>;
  /** Whether anyone on the team's rota can take a customer now (e.g. someone is active in Slack). Absent: assume yes. */
  agentsAvailable?(team: string, rota: readonly string[]): Promise<boolean>;
  /** Whether the workspace answers now; asked before cards held back by an outage are put back in line. Absent: try them. */
  reachable?(): Promise<boolean>;
  /**
   * Erases what the workspace holds of a thread (a customer asked to be forgotten): the card and
   * the app's own posts. What it cannot delete (agents' messages) it leaves, saying so on the card.
   */
  eraseThread?(thread: string): Promise<void>;
  /**
   * An agent reply's `workspaceFile` attachments with their bytes, each in place of its reference. One it
   * cannot fetch (over the customer channel's limit, no downloadable copy, a failed download) is left out,
   * and the agent is told why on their reply.
   */
  fetchFiles?(attachments: Attachment[], where: FileFetchTarget): Promise<Attachment[]>;
}

/** The agent's reply whose files are fetched: where to tell them about one that could not be. */
export interface FileFetchTarget {
  thread: string;
  messageRef: string;
  agentId: string;
}

/**
 * What agents can do; the workspace adapter calls these on the engine. `escalationId` is the
 * escalation the agent's card belongs to: given, the engine refuses to act when the conversation
 * has moved on to another escalation (a stale card). Each returns once the change is stored;
 * what it sends is delivered in the background.
 */
export interface AgentActions {
  claim(conversationId: string, agent: AgentRef, escalationId?: string): Promise<ClaimResult>;
  release(conversationId: string, agent: AgentRef, escalationId?: string): Promise<ActionResult>;
  /**
   * An agent's reply in an escalation thread, stored: resolves once it is durably stored, before it is
   * processed, so the workspace can answer its platform at once (Slack retries an event after 3 s). The
   * agent hears the outcome where they wrote when it is not relayed (a notice, see `noticeReply`), and
   * sees the delivery reactions when it is. `messageRef` identifies the agent's message in the workspace.
   */
  receiveAgentReply(thread: string, agent: AgentRef, text: string, messageRef: string, attachments?: Attachment[]): Promise<void>;
  /**
   * Stores an agent's reply, then waits for it to be processed and returns what it came to: for a
   * workspace that answers the agent itself (e.g. "Send to customer"). `send`: the agent chose "Send
   * to customer" (with notesByDefault, the way to relay a reply without ">>").
   */
  agentReply(
    thread: string,
    agent: AgentRef,
    text: string,
    messageRef: string,
    attachments?: Attachment[],
    options?: { send?: boolean },
  ): Promise<AgentReplyResult>;
  /**
   * Whether `agent` may transfer the conversation to `toTeam` now, changing nothing: asked before the
   * workspace asks for a note, with the same checks and refusals as `transfer` (which checks again).
   */
  mayTransfer(conversationId: string, agent: AgentRef, toTeam: string, escalationId?: string): Promise<ActionResult>;
  transfer(conversationId: string, agent: AgentRef, toTeam: string, note: string, escalationId?: string): Promise<ActionResult>;
  returnToBot(conversationId: string, agent: AgentRef, escalationId?: string): Promise<ActionResult>;
  resolve(conversationId: string, agent: AgentRef, escalationId?: string): Promise<ActionResult>;
  /**
   * Sends an approved template (by name, from the config) to the customer of `thread`, with its body
   * parameters in order: how the claimant reaches a customer once the reply window has closed.
   */
  sendTemplate?(thread: string, agent: AgentRef, name: string, parameters: string[]): Promise<AgentReplyResult>;
}

/** Why an agent action was refused; the workspace tells the agent, naming who can act. */
export type ActionRefusal =
  | { ok: false; reason: "already_claimed"; claimant: AgentRef }
  /** Only the claimant (or an admin) may act on a claimed conversation. */
  | { ok: false; reason: "not_claimant"; claimant: AgentRef }
  /** `team` is the team key; its rota (or an admin) may act. */
  | { ok: false; reason: "not_on_rota"; team: string }
  /** The card is for an earlier escalation; `team` (a key) holds the current one. */
  | { ok: false; reason: "stale_card"; team: string }
  /** A transfer to the team (a key) that already has the conversation. */
  | { ok: false; reason: "same_team"; team: string }
  | { ok: false; reason: "not_open" };

export type ActionResult = { ok: true } | ActionRefusal;

export type ClaimResult = ActionResult;

/** Why an agent's message did not go to the customer. */
/** no_content: files alone, none of which the workspace could fetch (see fetchFiles). */
export type UnrelayedReason = "internal_note" | "not_claimant" | "not_open" | "unknown_thread" | "no_content";

export type AgentReplyResult =
  | { relayed: true }
  | { relayed: false; reason: UnrelayedReason }
  /** Stored, not handled yet (its thread's card is not recorded yet, or another instance has it): the agent hears the outcome if it is not relayed. */
  | { relayed: false; reason: "pending" };

/** Told to the agent where they wrote, when their message did not reach the customer. */
export interface ReplyNotice {
  thread: string;
  /** The agent's message. */
  messageRef: string;
  agentId: string;
  reason: UnrelayedReason;
}

export interface TeamStatus {
  team: string;
  displayName: string;
  queued: number;
  assigned: number;
  /** Milliseconds the longest-waiting unclaimed customer has waited. */
  oldestWaitMs?: number;
}

/** Operator commands (the /warmline slash command). */
export interface AdminActions {
  status(): Promise<TeamStatus[]>;
  /** Deletes everything about the customer with this phone number or channel address (e.g. "whatsapp:123@lid"). */
  forgetCustomer(
    phoneOrAddress: string,
    by: AgentRef,
  ): Promise<{ conversations: number /** Threads the workspace could not erase (delete them by hand). */; threadsNotErased?: number }>;
  /** Puts outbound messages that failed for good back in line: all of them, or the one with this id. */
  replayFailed?(id?: string): Promise<number>;
}
