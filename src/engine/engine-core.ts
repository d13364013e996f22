import { randomUUID } from "node:crypto";
import type { SignalLexicon } from "../../routing/signal-lexicon.js";
import { loadSignalLexicon } from "../languages/signal-lexicons.js";
import type { PolicyDecision } from "../../routing/escalation-policy.js";
import type { ControlKeyword } from "../../routing/customer-keywords.js";
import type { WarmlineConfig } from "../config/schema.js";
import type { AuditEvent } from "../domain/audit.js";
import type { ContextPackage } from "../domain/context-package.js";
import { currentEscalation, type Conversation, type TranscriptEntry } from "../domain/conversation.js";
import type { Escalation } from "../domain/escalation.js";
import { WarmlineError } from "../domain/errors.js";
import { nextState, type LifecycleEvent } from "../domain/lifecycle.js";
import { maskOptionsFor, maskPii } from "../domain/pii.js";
import type { AgentWorkspace, CardStatus, ThreadPost } from "../ports/agent-workspace.js";
import type { Assistant, AssistantTurn } from "../ports/assistant.js";
import type { Clock } from "../ports/clock.js";
import type { CustomerChannel, OutboundTemplate } from "../ports/customer-channel.js";
import type { Logger } from "../ports/logger.js";
import { type Completion, laneOf, type NewOutboxItem, type OutboxEffect, type WarmlineStore } from "../ports/outbox.js";
import type { Ticketing } from "../ports/ticketing.js";
import { buildContextPackage } from "./context-package.js";
import { draftOf, sealEntries } from "../domain/conversation-draft.js";
import { createKeyedSerializer, type KeyedSerializer } from "./keyed-serializer.js";
import { createDeliveryMarks, type DeliveryMarks } from "./delivery-marks.js";
import { createOutboxDispatcher, type OutboxDispatcher, type OutboxDispatcherDeps } from "./outbox-dispatcher.js";
import { fillTemplate } from "./templates.js";
import { createTimersDue, setTimersDueAt, type TimersDue } from "./timers-due.js";
import { agentsSpeaking, preferTeamSpeaking } from "../../routing/team-routing.js";
import type { CustomerLanguages } from "../ports/customer-languages.js";
import { loadCustomerLanguages } from "../languages/customer-replies.js";

/** Retries of a lost compare-and-set before giving up (another instance keeps winning). */
const MAX_CAS_ATTEMPTS = 8;
export const DAY_MS = 24 * 60 * 60 * 1000;
/** Whoever acts when nobody did: timers, overflow. */
export const SYSTEM_ACTOR = "system";

export interface EngineDeps {
  config: WarmlineConfig;
  /** Conversations, their outbox and the inbox, in one store (every store factory returns all three). */
  store: WarmlineStore;
  assistant: Assistant;
  customers: CustomerChannel;
  workspace: AgentWorkspace;
  clock: Clock;
  logger: Logger;
  /** Optional listener for what the engine decided (simulation, metrics). */
  observer?: EngineObserver;
  /** What Warmline says in each customer language and how a message's language is found; default: read from data/languages and the config. */
  languages?: CustomerLanguages;
  /**
   * This instance among those sharing the store (holds outbox lane leases). Stable across restarts, so a
   * restarted instance takes its lanes back at once; default: a new id per engine.
   */
  instanceId?: string;
  /** Every language's escalation signals, compiled at start-up; default: loaded from data/languages and config.policy. */
  signalLexicon?: SignalLexicon;
  /** Routes around the workspace for when it is down (config.fallback): e-mail, webhook. None: no fallback. */
  ticketing?: readonly Ticketing[];
}

export interface EngineObserver {
  onDecision?(conversationId: string, decision: PolicyDecision, turn: AssistantTurn): void;
}

/** Who did what, recorded by a change; mutate adds when and to which conversation. */
type AuditRecord = Pick<AuditEvent, "actor" | "action" | "detail">;

/**
 * What a state change sends and what it records in the audit trail, collected while the change is
 * computed and committed with it: a change that does not happen leaves neither behind.
 */
export class Outbound {
  readonly effects: OutboxEffect[] = [];
  readonly records: AuditRecord[] = [];
  add(effect: OutboxEffect): void {
    this.effects.push(effect);
  }
  audit(actor: string, action: AuditEvent["action"], detail?: AuditEvent["detail"]): void {
    this.records.push({ actor, action, detail });
  }
}

/**
 * A change computed on a draft of the latest stored version (draftOf): it may edit the draft, but its
 * transcript entries are shared with the stored version and frozen, so it replaces them (replaceEntry)
 * rather than editing them. Undefined aborts it.
 */
export type Change = (c: Conversation, out: Outbound) => Conversation | undefined;

/** Records the inbound entry on a conversation inside a change; undefined when it is already there. */
export type RecordEntry = (c: Conversation) => Conversation | undefined;

/** Where a relayed agent reply lives: the fallback when a delivery update has no address. */
export interface DeliveryRef {
  conversationId: string;
  entryId: string;
}

/** What the dispatcher calls; the delivery module supplies them once the core exists. */
export type OutboxHandlers = Pick<OutboxDispatcherDeps, "deliver" | "onFailed">;

/**
 * The small shared core every engine module works through: the dependencies, loading, running in
 * a conversation's lane, mutate-and-record, and the effects a change sends out.
 */
export interface EngineCore {
  readonly config: WarmlineConfig;
  readonly store: WarmlineStore;
  readonly assistant: Assistant;
  readonly customers: CustomerChannel;
  readonly workspace: AgentWorkspace;
  readonly clock: Clock;
  readonly log: Logger;
  readonly observer?: EngineObserver;
  readonly languages: CustomerLanguages;
  /** Every language's escalation signals, compiled once for the engine's life. */
  readonly signalLexicon: SignalLexicon;
  /** Orders each customer's events inside this process. */
  readonly serializer: KeyedSerializer;
  readonly dispatcher: OutboxDispatcher;
  /** Relays sent by this process, by channel message id. */
  readonly deliveryRefs: Map<string, DeliveryRef>;
  /** The furthest delivery state queued per agent message, so a backlog of reactions shows only each one's last. */
  readonly deliveryMarks: DeliveryMarks;
  /** The stored conversation; throws a coded error when it does not exist. */
  load(conversationId: string): Promise<Conversation>;
  /**
   * Runs an agent action in the conversation's lane, so it is ordered with the customer's messages.
   * Returns once the change and its outbox items are stored: delivery goes on in the background, so
   * Slack's request is answered within its 3 seconds (drain() waits for delivery). The task gets the
   * conversation as read in the lane; a copy read before (`conversation`) only names the lane.
   */
  inLane<T>(conversation: string | Conversation, task: (c: Conversation) => Promise<T>): Promise<T>;
  /**
   * Applies `change` to the latest stored version with compare-and-set, retrying when another writer
   * got there first, and commits what it sends and records (`out`) in the same atomic write: a state
   * change, its messages and its audit events happen together or not at all, and a lost round leaves
   * nothing behind. `change` may return undefined to abort.
   */
  mutate(conversationId: string, change: Change): Promise<Conversation | undefined>;
  /**
   * mutate() of `known`, the conversation as the caller just read it from the store and left
   * untouched: the first round starts from it instead of reading it again. A stale copy changes
   * nothing: its compare-and-set fails and the next round reads, and an abort is decided again on
   * a fresh read unless that is still the same version. With `completing`, the write that records
   * the change also completes that outbox item or inbox entry (see ItemCompletion, InboxCompletion).
   */
  mutateFrom(known: Conversation, change: Change, completing?: Completion): Promise<Conversation | undefined>;
  newEntry(author: TranscriptEntry["author"], text: string, extra?: Partial<TranscriptEntry>): TranscriptEntry;
  transition(conversation: Conversation, event: LifecycleEvent): Conversation;
  /**
   * The customer is told `text`: it goes in the transcript and in the outbox together, with the
   * control words it offers (a channel may show them as buttons). `windowTemplate` goes instead
   * when the channel's reply window has closed.
   */
  tell(c: Conversation, out: Outbound, text: string, author?: "bot" | "system", options?: { windowTemplate?: OutboundTemplate }): void;
  postToThread(c: Conversation, out: Outbound, post: ThreadPost): void;
  refreshCard(c: Conversation, out: Outbound, escalation: Escalation, status: CardStatus, linkEscalationId?: string): void;
  postCard(c: Conversation, out: Outbound, escalation: Escalation): void;
  contextFor(conversation: Conversation, escalation: Escalation): ContextPackage;
  /** A customer-facing message in the customer's language (English when it has none), naming the control words in it. */
  message(c: Conversation, key: keyof WarmlineConfig["messages"], values?: Record<string, string | number>): string;
  /** The language Warmline answers the customer in: the one they write in, else that of the control word they typed. */
  replyLanguage(c: Conversation): { code: string; script?: string } | undefined;
  /** When the tick must next look at the conversation (src/engine/timers-due.ts); mutate stores it with every write. */
  timersDueAt: TimersDue;
  /** The configured team; throws a coded error naming the configured ones. */
  teamOf(key: string): WarmlineConfig["teams"][string];
  /** `usual`, or the alternate team (routing.alternateTeams) that speaks the language the customer writes in. */
  teamSpeaking(usual: string, c: Conversation): string;
  /** Masks personal data in a customer's text, reading national phone numbers in their own country. */
  maskText(text: string, conversation: Conversation): string;
}

export function createEngineCore(deps: EngineDeps, outbox: OutboxHandlers): EngineCore {
  const { config, store, customers, clock } = deps;
  const serializer = createKeyedSerializer();
  const signalLexicon = deps.signalLexicon ?? loadSignalLexicon(config.policy);
  const policy = {
    maxAttempts: config.outbox.maxAttempts,
    baseDelayMs: config.outbox.baseDelayMs,
    maxDelayMs: config.outbox.maxDelayMs,
    giveUpAfterMs: config.outbox.giveUpAfterMinutes * 60_000,
  };
  // With a fallback route, a card stuck behind rate limits is parked by fallback.afterMinutes, so the
  // customer's messages behind it (the case number among them) are not held up; it is posted late.
  const cardPolicy =
    config.fallback && (deps.ticketing?.length ?? 0) > 0
      ? { ...policy, giveUpAfterMs: Math.min(policy.giveUpAfterMs, config.fallback.afterMinutes * 60_000) }
      : undefined;

  // With a fallback route (cardPolicy is set then), its steps fall due like claim timers.
  const timersDueAt = createTimersDue(config.teams, cardPolicy ? config.fallback!.afterMinutes * 60_000 : undefined);

  const deliveryMarks = createDeliveryMarks();
  const dispatcher = createOutboxDispatcher({
    outbox: store,
    instanceId: deps.instanceId ?? `instance_${randomUUID()}`,
    deliver: outbox.deliver,
    canDeliver: (item) => item.effect.kind !== "send_customer" || customers.isReady(),
    onFailed: outbox.onFailed,
    onQueued: deliveryMarks.queued,
    policy,
    policyFor: (item) => (item.effect.kind === "post_card" && cardPolicy ? cardPolicy : policy),
    clock,
    logger: deps.logger,
  });

  const languages = deps.languages ?? loadCustomerLanguages(config);
  const replyLanguage: EngineCore["replyLanguage"] = (c) =>
    c.language ?? (c.keywordLanguage !== undefined ? { code: c.keywordLanguage } : undefined);

  const teamOf: EngineCore["teamOf"] = (key) => {
    const team = config.teams[key];
    if (!team) {
      throw new WarmlineError("unknown_team", `Team "${key}" is not configured: use one of ${Object.keys(config.teams).join(", ")}.`);
    }
    return team;
  };

  async function load(conversationId: string): Promise<Conversation> {
    const conversation = await store.get(conversationId);
    if (!conversation)
      throw new WarmlineError("conversation_not_found", `Conversation ${conversationId} does not exist (it may have been forgotten).`);
    return conversation;
  }

  async function mutate(
    conversationId: string,
    change: Change,
    known?: Conversation,
    completing?: Completion,
  ): Promise<Conversation | undefined> {
    // A read the caller just made saves this one; `known` is never edited (the change gets a draft).
    let unverified = known?.id === conversationId ? known : undefined;
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      const current = unverified ?? (await load(conversationId));
      const out = new Outbound();
      const next = change(draftOf(current), out);
      if (!next) {
        // An abort decided on the caller's copy stands only if that copy is still the stored version.
        if (unverified === undefined) return undefined;
        const fresh = await load(conversationId);
        if (fresh.version === unverified.version) return undefined;
        unverified = undefined;
        continue;
      }
      sealEntries(next, current);
      next.updatedAt = clock.now();
      setTimersDueAt(next, timersDueAt(next, next.updatedAt));
      const items: NewOutboxItem[] = out.effects.map((effect) => ({ lane: laneOf(effect, conversationId), effect }));
      const audit: AuditEvent[] = out.records.map((record) => ({ at: next.updatedAt, conversationId, ...record }));
      // The dispatcher delivers what it queued, taking the lane with this write when no worker has it.
      const written = await dispatcher.commitAndDeliver(next, current.version, items, audit, completing);
      if (written) return written;
      unverified = undefined;
    }
    throw new WarmlineError("store_conflict", `Conversation ${conversationId} kept changing under us: retry the action.`);
  }

  function newEntry(author: TranscriptEntry["author"], text: string, extra: Partial<TranscriptEntry> = {}): TranscriptEntry {
    return { id: randomUUID(), author, text, at: clock.now(), ...extra };
  }

  function contextFor(conversation: Conversation, escalation: Escalation): ContextPackage {
    const team = teamOf(escalation.team);
    return buildContextPackage({
      conversation,
      escalation,
      claimWithinMinutes: team.claimWithinMinutes,
      mask: maskOptionsFor(config.privacy, conversation.customer.phone),
      policy: config.policy,
      speakersOfLanguage: agentsSpeaking(team, conversation.language?.code),
    });
  }

  return {
    config,
    store,
    assistant: deps.assistant,
    customers,
    workspace: deps.workspace,
    clock,
    log: deps.logger.child({ component: "engine" }),
    observer: deps.observer,
    languages,
    signalLexicon,
    serializer,
    dispatcher,
    deliveryRefs: new Map(),
    deliveryMarks,
    load,
    async inLane(conversation, task) {
      const known = typeof conversation === "string" ? await load(conversation) : conversation;
      return serializer.run(known.customer.address, async () => task((await store.get(known.id))!));
    },
    mutate: (conversationId, change) => mutate(conversationId, change),
    mutateFrom: (known, change, completing) => mutate(known.id, change, known, completing),
    newEntry,
    transition(conversation, event) {
      conversation.state = nextState(conversation.state, event);
      return conversation;
    },
    tell(c, out, text, author = "system", options = {}) {
      c.transcript.push(newEntry(author, text));
      const code = replyLanguage(c)?.code;
      const replyChoices = CHOICE_KEYWORDS.map((kind) => languages.replies.keyword(kind, code)).filter((word) => offersWord(text, word));
      out.add({
        kind: "send_customer",
        address: c.customer.address,
        text,
        ...(replyChoices.length > 0 ? { replyChoices } : {}),
        ...(options.windowTemplate ? { windowTemplate: options.windowTemplate } : {}),
      });
    },
    postToThread(c, out, post) {
      const escalation = currentEscalation(c);
      if (escalation && c.state !== "bot") out.add({ kind: "thread_post", escalationId: escalation.id, post });
    },
    refreshCard(c, out, escalation, status, linkEscalationId) {
      out.add({
        kind: "update_card",
        escalationId: escalation.id,
        context: contextFor(c, escalation),
        status,
        ...(linkEscalationId ? { linkEscalationId } : {}),
      });
    },
    postCard(c, out, escalation) {
      out.add({ kind: "post_card", escalationId: escalation.id, context: contextFor(c, escalation) });
    },
    contextFor,
    message(c, key, values = {}) {
      const language = replyLanguage(c);
      const word = (kind: ControlKeyword) => languages.replies.keyword(kind, language?.code);
      return fillTemplate(languages.replies.template(key, language), {
        business: config.business.name,
        human: word("human"),
        bot: word("bot"),
        cancel: word("cancel"),
        callback: word("callback"),
        wait: word("wait"),
        ...values,
      });
    },
    replyLanguage,
    timersDueAt,
    teamOf,
    teamSpeaking: (usual, c) => preferTeamSpeaking(usual, c.language?.code, config.teams, config.routing.alternateTeams),
    maskText: (text, c) => maskPii(text, maskOptionsFor(config.privacy, c.customer.phone)),
  };
}

/** The control words a message may offer as choices (reply buttons on channels that have them). */
const CHOICE_KEYWORDS: readonly ControlKeyword[] = ["bot", "callback", "cancel"];

/** Each control word's pattern, compiled once: every message told to a customer tests three of them. */
const wordPatterns = new Map<string, RegExp>();

/** Whether `text` names `word` as a word of its own (as a {placeholder} fills it), not inside another word. */
function offersWord(text: string, word: string): boolean {
  let pattern = wordPatterns.get(word);
  if (!pattern) {
    const escaped = word.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    // Not global or sticky: test() keeps no lastIndex, so the shared pattern is safe to reuse.
    pattern = new RegExp(`(?:^|[^\\p{L}\\p{N}])${escaped}(?=$|[^\\p{L}\\p{N}])`, "u");
    wordPatterns.set(word, pattern);
  }
  return pattern.test(text);
}

/** A phone number's digits: how numbers are compared, whatever their formatting. */
export function digitsOf(phone: string): string {
  return phone.replace(/\D/g, "");
}

/** An error's message for a log line. */
export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
