import { randomUUID } from "node:crypto";
import { decideEscalation, priorityFor, type PolicyDecision, type PolicySignals } from "../../routing/escalation-policy.js";
import type { SignalLexicon } from "../../routing/signal-lexicon.js";
import { loadSignalLexicon } from "../languages/signal-lexicons.js";
import { matchControlKeywordWithLanguage, type ControlKeyword } from "../../routing/customer-keywords.js";
import { routeTeam } from "../../routing/team-routing.js";
import { isWithinBusinessHours, nextOpening, openingPhrase } from "../../routing/business-hours.js";
import {
  acknowledgementDue,
  availability as decideAvailability,
  dueClaimActions,
  estimateWaitMinutes,
  pingTargets,
  type Availability,
  type ClaimTimerAction,
} from "../../routing/claim-timers.js";
import type { WarmlineConfig } from "../config/schema.js";
import type { AuditEvent } from "../domain/audit.js";
import { currentEscalation, type AgentRef, type Attachment, type Conversation, type TranscriptEntry } from "../domain/conversation.js";
import type { Escalation, EscalationReason } from "../domain/escalation.js";
import { WarmlineError } from "../domain/errors.js";
import { nextState, type LifecycleEvent } from "../domain/lifecycle.js";
import { maskPii } from "../domain/pii.js";
import type {
  ActionRefusal,
  ActionResult,
  AdminActions,
  AgentActions,
  AgentReplyResult,
  AgentWorkspace,
  CardStatus,
  ClaimResult,
  TeamStatus,
  ThreadPost,
} from "../ports/agent-workspace.js";
import type { Assistant, AssistantTurn } from "../ports/assistant.js";
import type { Clock } from "../ports/clock.js";
import type { ConversationStore } from "../ports/conversation-store.js";
import type {
  CustomerChannel,
  CustomerMessageChange,
  DeliveryAttempt,
  DeliveryUpdate,
  InboundCustomerMessage,
} from "../ports/customer-channel.js";
import type { Logger } from "../ports/logger.js";
import { OUTBOX_OPS_LANE, type NewOutboxItem, type OutboxEffect, type OutboxItem, type OutboxStore } from "../ports/outbox.js";
import { buildContextPackage, mainIntent } from "./context-package.js";
import { createKeyedSerializer } from "./keyed-serializer.js";
import { createOutboxDispatcher } from "./outbox-dispatcher.js";
import { fillTemplate } from "./templates.js";

/** Retries of a lost compare-and-set before giving up (another instance keeps winning). */
const MAX_CAS_ATTEMPTS = 8;
/** Recent claims per team that the wait estimate is taken from. */
const WAIT_ESTIMATE_WINDOW_MS = 24 * 60 * 60 * 1000;
/** Transcripts past their retention are purged at most this often (from tick). */
const PURGE_EVERY_MS = 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;
/** How often src/main.ts calls tick(): claim timers have minute resolution. */
export const ENGINE_TICK_INTERVAL_MS = 15_000;
/** Whoever acts when nobody did: timers, overflow. */
const SYSTEM_ACTOR = "system";
/** A survey waits this long for its answers; after that a "5" is an ordinary message, not a score. */
export const SURVEY_EXPIRES_AFTER_MS = DAY_MS;
/**
 * A final survey answer closes the conversation, so a redelivery cannot find it in an active
 * transcript; its message id is remembered this long instead (longer than the survey waits).
 */
const SURVEY_ANSWER_DEDUPE_TTL_MS = 7 * DAY_MS;
/** Only whole answers count: "no one told me…" is a message for the bot, not a "no". */
const SURVEY_SCORE = /^[1-5]$/;
const SURVEY_YES = /^(y|yes|yeah|yep|si|sí|oui|ja|sim)[.!]*$/i;
const SURVEY_NO = /^(n|no|nope|non|nein|não|nao)[.!]*$/i;

function isSurveyAnswer(text: string): boolean {
  const trimmed = text.trim();
  return SURVEY_SCORE.test(trimmed) || SURVEY_YES.test(trimmed) || SURVEY_NO.test(trimmed);
}

export interface EngineDeps {
  config: WarmlineConfig;
  /** Conversations and their outbox, in one store (every store factory returns both). */
  store: ConversationStore & OutboxStore;
  assistant: Assistant;
  customers: CustomerChannel;
  workspace: AgentWorkspace;
  clock: Clock;
  logger: Logger;
  /** Optional listener for what the engine decided (simulation, metrics). */
  observer?: EngineObserver;
  /**
   * This instance among those sharing the store (holds outbox lane leases). Stable across restarts, so a
   * restarted instance takes its lanes back at once; default: a new id per engine.
   */
  instanceId?: string;
  /** Every language's escalation signals, compiled at start-up; default: loaded from data/languages and config.policy. */
  signalLexicon?: SignalLexicon;
}

export interface EngineObserver {
  onDecision?(conversationId: string, decision: PolicyDecision, turn: AssistantTurn): void;
}

export interface Engine extends AgentActions, AdminActions {
  handleInboundMessage(message: InboundCustomerMessage): Promise<void>;
  handleMessageChange(change: CustomerMessageChange): Promise<void>;
  handleDelivery(update: DeliveryUpdate): Promise<void>;
  /** Starts delivering the outbox, including what an earlier process left in flight. */
  start(): Promise<void>;
  /** Claim timers, transcript retention, due retries. Call it periodically (src/main.ts does). */
  tick(): Promise<void>;
  /** Puts failed outbound messages back in their lanes; returns how many. All of them, or one by id. */
  replayFailed(id?: string): Promise<number>;
  /** Resolves once all work accepted so far has finished and the outbox has nothing due (graceful shutdown, tests). */
  drain(): Promise<void>;
  /** Drains, then stops delivering. */
  stop(): Promise<void>;
}

/** Who did what, recorded by a change; mutate adds when and to which conversation. */
type AuditRecord = Pick<AuditEvent, "actor" | "action" | "detail">;

/**
 * What a state change sends and what it records in the audit trail, collected while the change is
 * computed and committed with it: a change that does not happen leaves neither behind.
 */
class Outbound {
  readonly effects: OutboxEffect[] = [];
  readonly records: AuditRecord[] = [];
  add(effect: OutboxEffect): void {
    this.effects.push(effect);
  }
  audit(actor: string, action: AuditEvent["action"], detail?: AuditEvent["detail"]): void {
    this.records.push({ actor, action, detail });
  }
}

export function createEngine(deps: EngineDeps): Engine {
  const { config, store, assistant, customers, workspace, clock } = deps;
  const signalLexicon = deps.signalLexicon ?? loadSignalLexicon(config.policy);
  const log = deps.logger.child({ component: "engine" });
  const serializer = createKeyedSerializer();
  // The config is fixed for the engine's life: normalize the VIP list once, not per conversation.
  const vipNumbers = new Set(config.customers.vip.map(digitsOf));
  // Relays sent by this process, by channel message id: the fallback when a delivery update has no address.
  const deliveryRefs = new Map<string, { conversationId: string; entryId: string }>();
  let lastPurgeAt = 0;

  /** The word to type for `kind`, in the language of the customer's last control word (else the first configured). */
  const keywordFor = (kind: ControlKeyword, language: string | undefined): string => {
    const words = (language !== undefined ? config.keywords[language] : undefined) ?? Object.values(config.keywords)[0];
    return words?.[kind][0] ?? kind.toUpperCase();
  };
  /** A customer-facing message, naming the control words in the customer's language. */
  const message = (c: Conversation, key: keyof WarmlineConfig["messages"], values: Record<string, string | number> = {}): string =>
    fillTemplate(config.messages[key], {
      business: config.business.name,
      human: keywordFor("human", c.keywordLanguage),
      bot: keywordFor("bot", c.keywordLanguage),
      cancel: keywordFor("cancel", c.keywordLanguage),
      callback: keywordFor("callback", c.keywordLanguage),
      wait: keywordFor("wait", c.keywordLanguage),
      ...values,
    });
  const teamOf = (key: string) => {
    const team = config.teams[key];
    if (!team) {
      throw new WarmlineError("unknown_team", `Team "${key}" is not configured: use one of ${Object.keys(config.teams).join(", ")}.`);
    }
    return team;
  };

  const dispatcher = createOutboxDispatcher({
    outbox: store,
    instanceId: deps.instanceId ?? `instance_${randomUUID()}`,
    deliver,
    canDeliver: (item) => item.effect.kind !== "send_customer" || customers.isReady(),
    onFailed: reportFailure,
    policy: {
      maxAttempts: config.outbox.maxAttempts,
      baseDelayMs: config.outbox.baseDelayMs,
      maxDelayMs: config.outbox.maxDelayMs,
      giveUpAfterMs: config.outbox.giveUpAfterMinutes * 60_000,
    },
    clock,
    logger: deps.logger,
  });

  // ---------- persistence helpers ----------

  /**
   * Applies `change` to the latest stored version with compare-and-set, retrying when another writer
   * got there first, and commits what it sends and records (`out`) in the same atomic write: a state
   * change, its messages and its audit events happen together or not at all, and a lost round leaves
   * nothing behind. `change` may return undefined to abort.
   */
  async function mutate(
    conversationId: string,
    change: (c: Conversation, out: Outbound) => Conversation | undefined,
  ): Promise<Conversation | undefined> {
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      const current = await store.get(conversationId);
      if (!current)
        throw new WarmlineError("conversation_not_found", `Conversation ${conversationId} does not exist (it may have been forgotten).`);
      const out = new Outbound();
      const next = change(structuredClone(current), out);
      if (!next) return undefined;
      next.updatedAt = clock.now();
      const items: NewOutboxItem[] = out.effects.map((effect) => ({ lane: conversationId, effect }));
      const audit: AuditEvent[] = out.records.map((record) => ({ at: next.updatedAt, conversationId, ...record }));
      const written = await store.commit(next, current.version, items, audit);
      if (written) {
        if (items.length > 0) void dispatcher.kick(conversationId);
        return written;
      }
    }
    throw new WarmlineError("store_conflict", `Conversation ${conversationId} kept changing under us: retry the action.`);
  }

  function newEntry(author: TranscriptEntry["author"], text: string, extra: Partial<TranscriptEntry> = {}): TranscriptEntry {
    return { id: randomUUID(), author, text, at: clock.now(), ...extra };
  }

  function transition(conversation: Conversation, event: LifecycleEvent): Conversation {
    conversation.state = nextState(conversation.state, event);
    return conversation;
  }

  // ---------- effects, recorded inside a change ----------

  /** The customer is told `text`: it goes in the transcript and in the outbox together. */
  function tell(c: Conversation, out: Outbound, text: string, author: "bot" | "system" = "system"): void {
    c.transcript.push(newEntry(author, text));
    out.add({ kind: "send_customer", address: c.customer.address, text });
  }

  function postToThread(c: Conversation, out: Outbound, post: ThreadPost): void {
    const escalation = currentEscalation(c);
    if (escalation && c.state !== "bot") out.add({ kind: "thread_post", escalationId: escalation.id, post });
  }

  function refreshCard(c: Conversation, out: Outbound, escalation: Escalation, status: CardStatus, linkEscalationId?: string): void {
    out.add({
      kind: "update_card",
      escalationId: escalation.id,
      context: contextFor(c, escalation),
      status,
      ...(linkEscalationId ? { linkEscalationId } : {}),
    });
  }

  function postCard(c: Conversation, out: Outbound, escalation: Escalation): void {
    out.add({ kind: "post_card", escalationId: escalation.id, context: contextFor(c, escalation) });
  }

  function contextFor(conversation: Conversation, escalation: Escalation) {
    return buildContextPackage({
      conversation,
      escalation,
      claimWithinMinutes: teamOf(escalation.team).claimWithinMinutes,
      mask: config.privacy,
      policy: config.policy,
    });
  }

  const maskText = (text: string): string => maskPii(text, config.privacy);

  // ---------- delivery (called by the outbox dispatcher, in lane order) ----------

  async function deliver(item: OutboxItem, attempt: DeliveryAttempt): Promise<void> {
    const effect = item.effect;
    if (effect.kind === "notify_ops") return workspace.notifyOps?.(effect.text, attempt);
    if (effect.kind === "mark_delivery") return workspace.markDelivery?.(effect.messageRef, effect.state);
    const conversation = await store.get(item.lane);
    // Forgotten meanwhile: nothing of theirs may go out any more.
    if (!conversation) return;
    switch (effect.kind) {
      case "send_customer": {
        const { channelMessageId } = await customers.send(
          { address: effect.address, text: effect.text, attachments: effect.attachments },
          attempt,
        );
        if (effect.relay) await recordRelay(conversation.id, effect.relay, channelMessageId);
        return;
      }
      case "post_card": {
        const { thread } = await workspace.postEscalation(effect.context, attempt);
        await mutate(conversation.id, (c) => {
          const e = c.escalations.find((x) => x.id === effect.escalationId);
          if (!e || e.thread === thread) return undefined;
          e.thread = thread;
          return c;
        });
        return;
      }
      case "update_card": {
        const thread = threadOf(conversation, effect.escalationId);
        const status: CardStatus =
          effect.status.kind === "transferred" && effect.linkEscalationId
            ? { ...effect.status, newThread: conversation.escalations.find((e) => e.id === effect.linkEscalationId)?.thread }
            : effect.status;
        return workspace.updateCard(thread, effect.context, status);
      }
      case "thread_post":
        return workspace.postToThread(threadOf(conversation, effect.escalationId), effect.post, attempt);
    }
  }

  /** The escalation's thread; a card that never got posted makes its thread posts fail visibly, not vanish. */
  function threadOf(conversation: Conversation, escalationId: string): string {
    const thread = conversation.escalations.find((e) => e.id === escalationId)?.thread;
    if (thread === undefined) {
      throw new WarmlineError(
        "delivery_failed",
        `The card of escalation ${escalationId} was never posted, so its thread cannot be written to: replay the card with /warmline replay.`,
        undefined,
        {
          retry: "permanent",
        },
      );
    }
    return thread;
  }

  async function recordRelay(
    conversationId: string,
    relay: NonNullable<Extract<OutboxEffect, { kind: "send_customer" }>["relay"]>,
    channelMessageId: string,
  ) {
    deliveryRefs.set(channelMessageId, { conversationId, entryId: relay.entryId });
    await mutate(conversationId, (c, out) => {
      const entry = c.transcript.find((x) => x.id === relay.entryId);
      if (!entry || entry.channelMessageId === channelMessageId) return undefined;
      Object.assign(entry, { channelMessageId, delivery: "sent" });
      out.add({ kind: "mark_delivery", messageRef: relay.workspaceRef, state: "sent" });
      return c;
    });
  }

  /** A message that could not be delivered becomes visible: in its thread and in the ops channel. */
  async function reportFailure(item: OutboxItem, reason: string): Promise<void> {
    const items: NewOutboxItem[] = [
      {
        lane: OUTBOX_OPS_LANE,
        quiet: true,
        effect: {
          kind: "notify_ops",
          text: `Could not deliver ${describeEffect(item.effect)} for conversation ${item.lane} after ${item.attempts} attempts: ${reason}. It is kept: replay it with /warmline replay ${item.id}.`,
        },
      },
    ];
    const conversation = item.lane === OUTBOX_OPS_LANE ? undefined : await store.get(item.lane);
    const escalationId = escalationOf(item.effect) ?? (conversation ? currentEscalation(conversation)?.id : undefined);
    const hasThread = conversation?.escalations.some((e) => e.id === escalationId && e.thread !== undefined);
    // Also in the thread, where agents look. A card update is noted there by the workspace as it fails; a failed
    // note is quiet, so it cannot loop. If the thread is unreachable the note fails too, and the ops note stands.
    const note: ThreadPost | undefined =
      item.effect.kind === "send_customer"
        ? { kind: "delivery_failed", reason }
        : item.effect.kind === "thread_post"
          ? { kind: "post_failed", what: describeEffect(item.effect), reason }
          : undefined;
    if (conversation && escalationId && hasThread && note) {
      items.push({ lane: conversation.id, quiet: true, effect: { kind: "thread_post", escalationId, post: note } });
    }
    if (item.effect.kind === "send_customer" && item.effect.relay) {
      items.push({
        lane: item.lane,
        quiet: true,
        effect: { kind: "mark_delivery", messageRef: item.effect.relay.workspaceRef, state: "failed" },
      });
    }
    await store.enqueue(items);
    for (const lane of new Set(items.map((i) => i.lane))) void dispatcher.kick(lane);
  }

  // ---------- customer side ----------

  async function startConversation(message: InboundCustomerMessage): Promise<Conversation> {
    const now = clock.now();
    const conversation: Conversation = {
      id: `conv_${randomUUID()}`,
      version: 1,
      channel: message.channel,
      customer: {
        address: message.address,
        name: message.customerName,
        phone: message.phone,
        tier: message.phone && vipNumbers.has(digitsOf(message.phone)) ? "vip" : "standard",
        pastConversations: await store.countByCustomer(message.address),
      },
      state: "bot",
      transcript: [],
      escalations: [],
      botMisses: 0,
      toolFailures: 0,
      declinedReasons: [],
      createdAt: now,
      updatedAt: now,
    };
    await store.create(conversation);
    return conversation;
  }

  async function handleInboundMessage(message: InboundCustomerMessage): Promise<void> {
    const conversationId = await serializer.run(message.address, () => processInbound(message));
    if (conversationId) await dispatcher.settled(conversationId);
  }

  /**
   * A customer message and everything it causes (reply, escalation, relay) are committed in one
   * write, with the message's own id in the transcript: a redelivery, even after a crash, finds it
   * there and takes effect once.
   */
  async function processInbound(message: InboundCustomerMessage): Promise<string | undefined> {
    let conversation = await store.findActiveByCustomer(message.address);
    // Only an exact survey answer can have been recorded under its own key; other messages skip that read.
    if (
      conversation?.transcript.some((e) => e.id === message.messageId) ||
      (isSurveyAnswer(message.text) && (await store.isSeen(surveyAnswerKey(message))))
    ) {
      log.debug({ conversationId: conversation?.id }, "Duplicate inbound message ignored");
      return undefined;
    }
    if (conversation?.state === "resolved" && conversation.survey?.status === "pending") {
      if (await answerSurvey(conversation, message)) return conversation.id;
      conversation = undefined;
    }
    if (conversation === undefined || conversation.state === "bot") {
      // "Actually, one more thing" after Resolve starts a new conversation; a later "5" still answers the survey.
      const surveyed = await pendingSurveyFor(message);
      if (surveyed && (await answerSurvey(surveyed, message))) return surveyed.id;
    }
    conversation ??= await startConversation(message);

    const entry = newEntry("customer", message.text, { id: message.messageId, at: message.receivedAt, attachments: message.attachments });
    const matched = matchControlKeywordWithLanguage(message.text, config.keywords);
    const keyword = matched?.kind;
    const record = (c: Conversation): Conversation | undefined => {
      if (c.transcript.some((e) => e.id === entry.id)) return undefined;
      if (message.customerName && !c.customer.name) c.customer.name = message.customerName;
      if (matched) c.keywordLanguage = matched.language;
      c.transcript.push(entry);
      return c;
    };

    if (conversation.state === "bot") await onCustomerMessageToBot(conversation, entry, keyword, record);
    else await onCustomerMessageWhileEscalated(conversation, entry, keyword, record);
    return conversation.id;
  }

  type Record_ = (c: Conversation) => Conversation | undefined;
  /** Where and why a conversation goes to a person. */
  type Handoff = Pick<PolicyDecision, "team" | "priority" | "mandatory" | "explanation"> & { reason: EscalationReason };

  async function onCustomerMessageToBot(
    conversation: Conversation,
    entry: TranscriptEntry,
    keyword: ControlKeyword | undefined,
    record: Record_,
  ) {
    if (keyword === "callback") return queueCallback(conversation, record);
    // A bare CANCEL with nothing waiting goes to the assistant like any message: "cancel" most likely means an order.
    if (keyword === "bot" || keyword === "wait") {
      await mutate(conversation.id, (c, out) => {
        if (!record(c)) return undefined;
        tell(c, out, message(c, "greeting"));
        return c;
      });
      return;
    }

    // The assistant sees the message as if it were already stored; nothing is written until the outcome is known.
    const seen = structuredClone(conversation);
    seen.transcript.push(entry);
    let turn: AssistantTurn;
    try {
      turn = await assistant.respond(seen, entry.text);
    } catch (error) {
      log.error({ conversationId: conversation.id, err: describe(error) }, "The assistant failed; counting it as a tool failure");
      turn = {
        reply: message(conversation, "clarify"),
        intent: "none",
        confidence: 0,
        entities: {},
        sentiment: 0,
        actions: [{ action: "assistant", ok: false, failed: true, result: "The assistant itself failed" }],
      };
    }

    const customerTexts = conversation.transcript.filter((e) => e.author === "customer" && e.id !== entry.id);
    const lastHandback = Math.max(0, ...conversation.escalations.map((e) => e.endedAt ?? 0));
    const signals: PolicySignals = {
      text: entry.text,
      isFirstMessage: customerTexts.length === 0,
      intent: keyword === "human" ? "contact_human_agent" : turn.intent,
      confidence: keyword === "human" ? 1 : turn.confidence,
      sentiment: turn.sentiment,
      entities: turn.entities,
      actions: turn.actions,
      previousCustomerTexts: customerTexts.filter((e) => e.at >= lastHandback).map((e) => e.text),
      botMisses: conversation.botMisses,
      toolFailures: conversation.toolFailures,
      customerTurns: customerTexts.filter((e) => e.at >= lastHandback).length + 1,
      declinedReasons: conversation.declinedReasons,
      tier: conversation.customer.tier,
    };
    const decision = decideEscalation(signals, { ...config, lexicon: signalLexicon });
    deps.observer?.onDecision?.(conversation.id, decision, turn);
    const escalating = decision.escalate && decision.reason !== undefined;
    const available = escalating ? await availabilityFor(decision.team) : "open";

    const updated = await mutate(conversation.id, (c, out) => {
      if (!record(c)) return undefined;
      const mine = c.transcript.find((e) => e.id === entry.id)!;
      Object.assign(mine, { intent: signals.intent, confidence: signals.confidence, sentiment: turn.sentiment });
      c.botMisses = decision.miss ? c.botMisses + 1 : 0;
      c.toolFailures = turn.actions.some((a) => a.failed) ? c.toolFailures + 1 : 0;
      if (turn.actions.length > 0) {
        const tried = turn.actions.map((a) => `${a.action.replace(/_/g, " ")}: ${a.result}`).join("; ");
        c.transcript.push(newEntry("system", `Assistant tried ${tried}`, { actions: turn.actions }));
      }
      if (escalating) escalateInto(c, out, "bot", { ...decision, reason: decision.reason! }, available, { greet: signals.isFirstMessage });
      // A first "hi" gets the configured greeting alone: it already invites the question.
      else if (signals.isFirstMessage && turn.intent === "greeting") tell(c, out, message(c, "greeting"), "bot");
      else tell(c, out, greeted(c, signals.isFirstMessage, decision.clarify ? message(c, "clarify") : turn.reply), "bot");
      return c;
    });
    if (updated && escalating && updated.state === "queued") {
      log.info({ conversationId: conversation.id, team: decision.team, reason: decision.reason }, "Escalated to a human");
    }
  }

  /** Open, after hours, or nobody on the rota around (asked of the workspace when it can tell). */
  async function availabilityFor(teamKey: string): Promise<Availability> {
    const team = teamOf(teamKey);
    const now = clock.now();
    if (!isWithinBusinessHours(team.businessHours, now)) return "after_hours";
    let agentsAvailable = true;
    try {
      agentsAvailable = (await workspace.agentsAvailable?.(teamKey, team.rota)) ?? true;
    } catch (error) {
      log.warn({ team: teamKey, err: describe(error) }, "Could not tell whether anyone is available; assuming someone is");
    }
    return decideAvailability({ hours: team.businessHours, now, agentsAvailable });
  }

  /** The first reply of a conversation opens with the greeting (which names the word for a person), in one message. */
  function greeted(c: Conversation, first: boolean, text: string): string {
    return first ? `${message(c, "greeting")}\n\n${text}` : text;
  }

  /**
   * Hands the conversation to a team, inside a change. Nobody to take it now (team closed, nobody
   * available): an escalation the bot started and the customer may decline stays with the bot, which
   * keeps answering, and the customer is offered a call back (CALLBACK then queues it); a mandatory
   * one, or the customer's own request for a person, is queued, honestly.
   */
  function escalateInto(
    c: Conversation,
    out: Outbound,
    actor: string,
    handoff: Handoff,
    available: Availability,
    options: { greet?: boolean; callback?: boolean } = {},
  ): void {
    const team = teamOf(handoff.team);
    const now = clock.now();
    const opens = available === "after_hours" ? describeOpening(team.businessHours, now) : "";
    // They asked for a person: keeping them with the bot they asked to leave would be no answer. They may still decline (BOT).
    const customerAsked = handoff.reason === "explicit_request";
    c.botMisses = 0;
    if (available !== "open" && !handoff.mandatory && !customerAsked) {
      c.offer = {
        reason: handoff.reason,
        explanation: handoff.explanation,
        team: handoff.team,
        priority: handoff.priority,
        offeredAt: now,
      };
      const offer =
        available === "after_hours"
          ? message(c, "afterHoursWithBot", { team: team.displayName, opens })
          : message(c, "noAgents", { team: team.displayName });
      tell(c, out, greeted(c, options.greet ?? false, offer));
      return;
    }
    // A return to the bot ended the last one: the new card links its thread and says how it ended.
    const previousThread = c.escalations.at(-1)?.thread;
    const escalation: Escalation = {
      id: `esc_${randomUUID()}`,
      reason: handoff.reason,
      explanation: handoff.explanation,
      team: handoff.team,
      priority: handoff.priority,
      level: 1,
      mandatory: handoff.mandatory,
      createdAt: now,
      ...(previousThread ? { previousThread } : {}),
      ...(available === "after_hours" ? { afterHours: true } : {}),
      ...(available === "nobody_available" ? { nobodyAvailable: true } : {}),
      ...(options.callback ? { callback: true } : {}),
    };
    transition(c, "escalate");
    c.escalations.push(escalation);
    c.offer = undefined;
    out.audit(actor, "escalated", {
      reason: handoff.reason,
      team: handoff.team,
      mandatory: handoff.mandatory,
      ...(options.callback ? { callback: true } : {}),
    });
    const customerText = options.callback
      ? available === "after_hours"
        ? message(c, "callbackQueuedAfterHours", { team: team.displayName, opens })
        : message(c, "callbackQueued", { team: team.displayName })
      : available === "after_hours"
        ? message(c, "afterHours", { team: team.displayName, opens })
        : available === "nobody_available"
          ? message(c, "noAgentsQueued", { team: team.displayName })
          : handoff.mandatory || customerAsked
            ? message(c, "handoff", { team: team.displayName })
            : message(c, "handoffOptional", { team: team.displayName });
    tell(c, out, customerText);
    postCard(c, out, escalation);
    if (available === "nobody_available") {
      const text = options.callback
        ? "Nobody on the rota was available when this call back request was queued; the customer was told it comes as soon as someone is free."
        : "Nobody on the rota was available when this was queued; the customer was told it may take a while and offered a call back.";
      out.add({ kind: "thread_post", escalationId: escalation.id, post: { kind: "system_note", text } });
    }
  }

  /**
   * CALLBACK while with the bot: a call back request is queued for the team of the pending offer (or,
   * without one, the team the conversation is about), mandatory, flagged on the card, after hours included.
   */
  async function queueCallback(conversation: Conversation, record: Record_): Promise<void> {
    const offer = conversation.offer;
    const tier = conversation.customer.tier;
    const reason: EscalationReason = offer?.reason ?? "explicit_request";
    const team =
      offer?.team ?? routeTeam({ intent: mainIntent(conversation, 0, config.policy) ?? "unknown", reason, tier, text: "" }, config.routing);
    const handoff: Handoff = {
      reason,
      team,
      priority: offer?.priority ?? priorityFor(reason, tier, config.policy),
      mandatory: true,
      explanation: offer ? `${offer.explanation} The customer then asked for a call back.` : "The customer asked for a call back.",
    };
    const available = await availabilityFor(team);
    const updated = await mutate(conversation.id, (c, out) => {
      if (c.state !== "bot" || !record(c)) return undefined;
      c.callbackRequestedAt = clock.now();
      escalateInto(c, out, "customer", handoff, available, { callback: true });
      return c;
    });
    if (updated?.state === "queued") {
      log.info({ conversationId: conversation.id, team, reason }, "Call back requested");
    }
  }

  /**
   * While a person has it or it waits for one. Only a bare control word is one ("cancel my order" is
   * a message for the team, relayed like any other): CANCEL while waiting withdraws the request, BOT
   * declines an optional escalation. Everything else goes into the thread; while nobody has claimed
   * it the customer hears it arrived (rate-limited), once claimed the agent answers.
   */
  async function onCustomerMessageWhileEscalated(
    conversation: Conversation,
    entry: TranscriptEntry,
    keyword: ControlKeyword | undefined,
    record: Record_,
  ) {
    const escalation = currentEscalation(conversation)!;
    if (keyword === "cancel" && conversation.state === "queued") return withdraw(conversation.id, "abandoned", record);
    if (keyword === "bot" && !escalation.mandatory) return withdraw(conversation.id, "declined", record);
    await mutate(conversation.id, (c, out) => {
      if (!record(c)) return undefined;
      const e = currentEscalation(c)!;
      relayToThread(c, out, entry);
      if (keyword === "callback") bookCallback(c, out);
      else if (keyword === "bot" && c.state === "queued") tell(c, out, message(c, "cannotDecline", { team: teamOf(e.team).displayName }));
      else if (keyword === "bot")
        postToThread(c, out, {
          kind: "system_note",
          text: "The customer asked to go back to the assistant (BOT), but this needs a person: they were not moved, so answer them here.",
        });
      else if (c.state === "queued") acknowledgeWhileQueued(c, out, e);
      return c;
    });
  }

  /** "Got it, I've added that…": at most once per policy.stillQueuedEveryMinutes per escalation, kept on it across restarts and instances. */
  function acknowledgeWhileQueued(c: Conversation, out: Outbound, e: Escalation): void {
    const now = clock.now();
    if (!acknowledgementDue({ lastAcknowledgedAt: e.acknowledgedAt, everyMinutes: config.policy.stillQueuedEveryMinutes, now })) return;
    e.acknowledgedAt = now;
    const team = teamOf(e.team);
    const text = e.callback
      ? message(c, "stillQueuedCallback", { team: team.displayName })
      : isWithinBusinessHours(team.businessHours, now)
        ? message(c, "stillQueued", { team: team.displayName })
        : message(c, "stillQueuedAfterHours", { team: team.displayName, opens: describeOpening(team.businessHours, now) });
    tell(c, out, text);
  }

  /** Into the current escalation's thread; it waits in the lane behind the card if that is not posted yet. */
  function relayToThread(c: Conversation, out: Outbound, entry: TranscriptEntry): void {
    postToThread(c, out, { kind: "customer_message", text: maskText(entry.text), at: entry.at, attachments: entry.attachments });
  }

  /** "tomorrow at 09:00 GMT": reads after "opens" in the after-hours messages. */
  function describeOpening(hours: WarmlineConfig["teams"][string]["businessHours"], now: number): string {
    return openingPhrase(nextOpening(hours, now), now, hours.timezone);
  }

  /** CALLBACK while waiting for or talking to a person: a note in the thread, and the card shows it. */
  function bookCallback(c: Conversation, out: Outbound): void {
    c.callbackRequestedAt = clock.now();
    const e = currentEscalation(c)!;
    if (!e.callback) {
      e.callback = true;
      refreshCard(c, out, e, c.state === "assigned" && c.assignee ? { kind: "claimed", by: c.assignee } : { kind: "waiting" });
    }
    postToThread(c, out, { kind: "system_note", text: "The customer asked for a call back." });
    // Name who will call, or when the team opens: "as soon as the team is available" promises nothing checkable.
    const team = teamOf(e.team);
    const now = clock.now();
    if (c.state === "assigned" && c.assignee) tell(c, out, message(c, "callbackBookedByAgent", { agent: c.assignee.name }));
    else if (isWithinBusinessHours(team.businessHours, now)) tell(c, out, message(c, "callbackBooked", { team: team.displayName }));
    else tell(c, out, message(c, "callbackQueuedAfterHours", { team: team.displayName, opens: describeOpening(team.businessHours, now) }));
  }

  /** The customer withdrew (CANCEL: abandonment) or declined an optional escalation (BOT). */
  async function withdraw(conversationId: string, why: "abandoned" | "declined", record: Record_) {
    await mutate(conversationId, (c, out) => {
      if (c.state !== "queued" && c.state !== "assigned") return undefined;
      if (!record(c)) return undefined;
      transition(c, c.state === "queued" && why === "abandoned" ? "abandon" : "return_to_bot");
      const e = currentEscalation(c)!;
      const outcome = why === "abandoned" ? "abandoned" : "returned_to_bot";
      e.outcome = outcome;
      e.endedAt = clock.now();
      c.assignee = undefined;
      if (why === "declined" && !c.declinedReasons.includes(e.reason)) c.declinedReasons.push(e.reason);
      if (why === "declined") {
        out.add({
          kind: "thread_post",
          escalationId: e.id,
          post: { kind: "system_note", text: "The customer went back to the assistant (BOT): replies here no longer reach them." },
        });
      }
      refreshCard(c, out, e, why === "declined" ? { kind: "customer_returned_to_bot" } : { kind: "abandoned" });
      tell(c, out, message(c, why === "abandoned" ? "escalationCancelled" : "returnedToBot"));
      out.audit("customer", outcome);
      return c;
    });
  }

  /**
   * For an exact survey answer only: the customer's most recently resolved conversation whose survey
   * still waits and is fresh (the customer may have started a new conversation since).
   */
  async function pendingSurveyFor(inbound: InboundCustomerMessage): Promise<Conversation | undefined> {
    if (!isSurveyAnswer(inbound.text)) return undefined;
    const now = clock.now();
    return (await store.listByCustomer(inbound.address))
      .filter((c) => c.state === "resolved" && c.survey?.status === "pending" && now - c.survey.sentAt <= SURVEY_EXPIRES_AFTER_MS)
      .sort((a, b) => b.survey!.sentAt - a.survey!.sentAt)[0];
  }

  function surveyAnswerKey(inbound: InboundCustomerMessage): string {
    return `survey-answer:${inbound.address}:${inbound.messageId}`;
  }

  /**
   * The survey takes exact answers only, while it is fresh: a score (1-5), then yes or no. Anything
   * else is an ordinary message (the caller starts a conversation with the bot). An answer goes in
   * the transcript with its message id, so a redelivery takes effect once.
   */
  async function answerSurvey(conversation: Conversation, inbound: InboundCustomerMessage): Promise<boolean> {
    const survey = conversation.survey!;
    if (clock.now() - survey.sentAt > SURVEY_EXPIRES_AFTER_MS) return false;
    const trimmed = inbound.text.trim();
    const entry = newEntry("customer", inbound.text, { id: inbound.messageId, at: inbound.receivedAt });
    if (survey.score === undefined) {
      if (!SURVEY_SCORE.test(trimmed)) return false;
      const score = Number(trimmed);
      await mutate(conversation.id, (c, out) => {
        if (c.survey?.status !== "pending" || c.survey.score !== undefined || c.transcript.some((e) => e.id === entry.id)) return undefined;
        c.transcript.push(entry);
        c.survey.score = score;
        tell(c, out, message(c, "surveyHelped"));
        return c;
      });
      return true;
    }
    const helped = SURVEY_YES.test(trimmed) ? true : SURVEY_NO.test(trimmed) ? false : undefined;
    if (helped === undefined) return false;
    await mutate(conversation.id, (c, out) => {
      if (c.survey?.status !== "pending" || c.transcript.some((e) => e.id === entry.id)) return undefined;
      c.transcript.push(entry);
      Object.assign(c.survey, { handoverHelped: helped, status: "answered", answeredAt: clock.now() });
      const escalation = c.escalations.findLast((e) => e.thread);
      if (escalation)
        out.add({
          kind: "thread_post",
          escalationId: escalation.id,
          post: { kind: "survey_result", score: survey.score, handoverHelped: helped },
        });
      tell(c, out, message(c, "surveyThanks"));
      out.audit("customer", "survey_answered", { score: survey.score!, handoverHelped: helped });
      return c;
    });
    // Recorded after the write: a crash in between lets a redelivery through once more, never loses the answer.
    await store.markSeen(surveyAnswerKey(inbound), SURVEY_ANSWER_DEDUPE_TTL_MS);
    return true;
  }

  async function handleMessageChange(change: CustomerMessageChange): Promise<void> {
    const conversationId = await serializer.run(change.address, async () => {
      const conversation = await store.findActiveByCustomer(change.address);
      const original = conversation?.transcript.find((e) => e.id === change.messageId);
      if (!conversation || !original) return undefined;
      await mutate(conversation.id, (c, out) => {
        const e = c.transcript.find((x) => x.id === change.messageId)!;
        if (change.kind === "edited") e.editedText = change.newText;
        else e.deleted = true;
        postToThread(
          c,
          out,
          change.kind === "edited"
            ? { kind: "customer_edit", originalText: maskText(original.text), newText: maskText(change.newText ?? "") }
            : { kind: "customer_delete", originalText: maskText(original.text) },
        );
        return c;
      });
      return conversation.id;
    });
    if (conversationId) await dispatcher.settled(conversationId);
  }

  async function handleDelivery(update: DeliveryUpdate): Promise<void> {
    // Durable path: the customer's conversation holds the relayed entry with this channel id.
    const conversation = update.address
      ? await store.findActiveByCustomer(update.address)
      : await store.get(deliveryRefs.get(update.channelMessageId)?.conversationId ?? "");
    const entry = conversation?.transcript.find((e) => e.channelMessageId === update.channelMessageId);
    if (!conversation || !entry?.workspaceRef) return;
    const workspaceRef = entry.workspaceRef;
    await mutate(conversation.id, (c, out) => {
      const e = c.transcript.find((x) => x.id === entry.id);
      if (!e || e.delivery === update.state) return undefined;
      e.delivery = update.state;
      out.add({ kind: "mark_delivery", messageRef: workspaceRef, state: update.state });
      if (update.state === "failed")
        postToThread(c, out, { kind: "delivery_failed", reason: update.error ?? "WhatsApp reported an error" });
      return c;
    });
  }

  // ---------- agent side ----------

  /**
   * Runs an agent action in the conversation's lane, so it is ordered with the customer's messages.
   * Returns once the change and its outbox items are stored: delivery goes on in the background, so
   * Slack's request is answered within its 3 seconds (drain() waits for delivery).
   */
  async function inLane<T>(conversationId: string, task: (c: Conversation) => Promise<T>): Promise<T> {
    const conversation = await load(conversationId);
    return serializer.run(conversation.customer.address, async () => task((await store.get(conversationId))!));
  }

  async function load(conversationId: string): Promise<Conversation> {
    const conversation = await store.get(conversationId);
    if (!conversation)
      throw new WarmlineError("conversation_not_found", `Conversation ${conversationId} does not exist (it may have been forgotten).`);
    return conversation;
  }

  /** Config lists the workspace's raw user ids; agent ids are "<workspace>:<user id>". */
  function isAmong(agent: AgentRef, userIds: readonly string[]): boolean {
    return userIds.some((member) => agent.id === member || agent.id.endsWith(`:${member}`));
  }

  function onRota(teamKey: string, agent: AgentRef): boolean {
    const rota = teamOf(teamKey).rota;
    return rota.length === 0 || isAmong(agent, rota);
  }

  /** A card of an earlier escalation (before a transfer, or one that ended) acts on nothing. */
  function staleCard(c: Conversation, escalationId: string | undefined): ActionRefusal | undefined {
    const current = currentEscalation(c);
    if (escalationId === undefined || current?.id === escalationId) return undefined;
    return current && (c.state === "queued" || c.state === "assigned")
      ? { ok: false, reason: "stale_card", team: current.team }
      : { ok: false, reason: "not_open" };
  }

  /**
   * Who may resolve, return, transfer or release: on a claimed conversation its claimant, on a queued
   * one the team's rota (anyone when the rota is empty); an admin always.
   */
  function refusal(c: Conversation, agent: AgentRef, escalationId: string | undefined): ActionRefusal | undefined {
    const stale = staleCard(c, escalationId);
    if (stale) return stale;
    const escalation = currentEscalation(c);
    if (!escalation || (c.state !== "queued" && c.state !== "assigned")) return { ok: false, reason: "not_open" };
    if (isAmong(agent, config.slack.admins)) return undefined;
    if (c.state === "assigned" && c.assignee)
      return c.assignee.id === agent.id ? undefined : { ok: false, reason: "not_claimant", claimant: c.assignee };
    return onRota(escalation.team, agent) ? undefined : { ok: false, reason: "not_on_rota", team: escalation.team };
  }

  /**
   * An agent's action, in the lane: checked (refusal) and applied in the same compare-and-set, so a
   * change by another instance in between is checked again. `apply` may still decline (undefined).
   */
  async function agentAction(
    conversationId: string,
    agent: AgentRef,
    escalationId: string | undefined,
    apply: (c: Conversation, out: Outbound, e: Escalation) => Conversation | undefined,
  ): Promise<ActionResult> {
    let refused: ActionRefusal | undefined;
    const written = await mutate(conversationId, (c, out) => {
      refused = refusal(c, agent, escalationId);
      return refused ? undefined : apply(c, out, currentEscalation(c)!);
    });
    return refused ?? (written ? { ok: true } : { ok: false, reason: "not_open" });
  }

  async function claim(conversationId: string, agent: AgentRef, escalationId?: string): Promise<ClaimResult> {
    return inLane(conversationId, async (conversation) => {
      const escalation = currentEscalation(conversation);
      const stale = staleCard(conversation, escalationId);
      if (stale) return stale;
      if (conversation.state === "assigned" && conversation.assignee)
        return { ok: false, reason: "already_claimed", claimant: conversation.assignee };
      if (conversation.state !== "queued" || !escalation) return { ok: false, reason: "not_open" };
      if (!onRota(escalation.team, agent) && !isAmong(agent, config.slack.admins))
        return { ok: false, reason: "not_on_rota", team: escalation.team };

      // One write decides: of N concurrent claims exactly one finds the conversation still queued.
      const written = await mutate(conversationId, (c, out) => {
        const e = currentEscalation(c);
        if (c.state !== "queued" || e?.id !== escalation.id) return undefined;
        transition(c, "claim");
        c.assignee = agent;
        Object.assign(e, { claimedBy: agent, claimedAt: clock.now() });
        refreshCard(c, out, e, { kind: "claimed", by: agent });
        tell(c, out, message(c, "agentJoined", { agent: agent.name, team: teamOf(escalation.team).displayName }));
        out.audit(agent.id, "claimed", { team: e.team });
        return c;
      });
      if (!written) {
        const winner = await store.get(conversationId);
        return winner?.assignee ? { ok: false, reason: "already_claimed", claimant: winner.assignee } : { ok: false, reason: "not_open" };
      }
      log.info({ conversationId, team: escalation.team }, "Escalation claimed");
      return { ok: true };
    });
  }

  async function release(conversationId: string, agent: AgentRef, escalationId?: string): Promise<ActionResult> {
    return inLane(conversationId, () =>
      agentAction(conversationId, agent, escalationId, (c, out, e) => {
        if (c.state !== "assigned") return undefined;
        // An admin may release for the claimant: the customer hears who stepped away.
        const leaving = c.assignee ?? agent;
        transition(c, "release");
        c.assignee = undefined;
        Object.assign(e, { claimedBy: undefined, claimedAt: undefined });
        refreshCard(c, out, e, { kind: "waiting" });
        tell(c, out, message(c, "agentLeft", { agent: leaving.name, team: teamOf(e.team).displayName }));
        out.audit(agent.id, "released");
        return c;
      }),
    );
  }

  async function agentReply(
    thread: string,
    agent: AgentRef,
    text: string,
    messageRef: string,
    attachments?: Attachment[],
  ): Promise<AgentReplyResult> {
    const found = await store.findByThread(thread);
    if (!found) return { relayed: false, reason: "unknown_thread" };
    return inLane(found.id, async (conversation) => {
      const escalation = currentEscalation(conversation);
      const isCurrentThread = escalation?.thread === thread && (conversation.state === "queued" || conversation.state === "assigned");
      const isClaimant = conversation.state === "assigned" && conversation.assignee?.id === agent.id;
      const internal = !isCurrentThread || !isClaimant || text.trimStart().startsWith("//");
      const result: AgentReplyResult = !internal
        ? { relayed: true }
        : !isCurrentThread
          ? { relayed: false, reason: "not_open" }
          : { relayed: false, reason: isClaimant ? "internal_note" : "not_claimant" };
      const entry = newEntry("agent", text, { agentId: agent.id, agentName: agent.name, internal, workspaceRef: messageRef, attachments });

      // The agent's Slack message is the idempotency key: a redelivered event (Slack retry, restart) finds it and sends nothing.
      let duplicate = false;
      const written = await mutate(conversation.id, (c, out) => {
        const earlier = c.transcript.find((e) => e.workspaceRef === messageRef && e.author === "agent");
        if (earlier) {
          duplicate = true;
          return undefined;
        }
        c.transcript.push(entry);
        if (!internal) {
          currentEscalation(c)!.firstAgentReplyAt ??= clock.now();
          out.add({
            kind: "send_customer",
            address: c.customer.address,
            text,
            attachments,
            relay: { entryId: entry.id, workspaceRef: messageRef, escalationId: escalation!.id },
          });
        }
        out.audit(agent.id, internal ? "internal_note" : "relayed");
        return c;
      });
      if (duplicate || !written) log.debug({ conversationId: conversation.id }, "Duplicate agent reply ignored");
      return result;
    });
  }

  /**
   * Why `agent` may not transfer `c` to `toTeam` (undefined: they may). The one decision behind
   * mayTransfer and transfer, which checks it again inside its write. Throws for a team not in config.
   */
  function transferRefusal(c: Conversation, agent: AgentRef, toTeam: string, escalationId: string | undefined): ActionRefusal | undefined {
    const refused = refusal(c, agent, escalationId);
    if (refused) return refused;
    if (currentEscalation(c)?.team === toTeam) return { ok: false, reason: "same_team", team: toTeam };
    teamOf(toTeam);
    return undefined;
  }

  /** Reads only, outside the lane: the workspace asks before a note dialog, and Slack's trigger expires in 3 seconds. */
  async function mayTransfer(conversationId: string, agent: AgentRef, toTeam: string, escalationId?: string): Promise<ActionResult> {
    return transferRefusal(await load(conversationId), agent, toTeam, escalationId) ?? { ok: true };
  }

  async function transfer(
    conversationId: string,
    agent: AgentRef,
    toTeam: string,
    note: string,
    escalationId?: string,
  ): Promise<ActionResult> {
    return inLane(conversationId, async (conversation) => {
      const refused = (c: Conversation): ActionRefusal | undefined => transferRefusal(c, agent, toTeam, escalationId);
      const before = refused(conversation);
      if (before) return before;
      // Checked again inside the write: another instance may have changed who holds it meanwhile.
      const moved = await transferInLane(conversation, agent.id, toTeam, note, (c) => refused(c) === undefined);
      return moved ? { ok: true } : (refused((await store.get(conversationId)) ?? conversation) ?? { ok: false, reason: "not_open" });
    });
  }

  async function transferInLane(
    conversation: Conversation,
    actor: string,
    toTeam: string,
    note: string,
    allowed: (c: Conversation) => boolean = () => true,
  ): Promise<boolean> {
    teamOf(toTeam);
    const conversationId = conversation.id;
    const old = currentEscalation(conversation);
    if (!old || (conversation.state !== "queued" && conversation.state !== "assigned")) {
      throw new WarmlineError(
        "invalid_transition",
        `Cannot transfer conversation ${conversationId}: it is ${conversation.state}, not waiting for or with an agent.`,
      );
    }
    const now = clock.now();
    const hours = teamOf(toTeam).businessHours;
    const closed = !isWithinBusinessHours(hours, now);
    const next: Escalation = {
      id: `esc_${randomUUID()}`,
      reason: old.reason,
      explanation: old.explanation,
      team: toTeam,
      priority: old.priority,
      level: old.level + 1,
      mandatory: old.mandatory,
      createdAt: now,
      transferNote: note.trim() || undefined,
      previousThread: old.thread,
      ...(closed ? { afterHours: true } : {}),
      ...(old.callback ? { callback: true } : {}),
    };
    const updated = await mutate(conversationId, (c, out) => {
      const current = currentEscalation(c);
      // A second submit of the same transfer (double click) finds it done.
      if (current?.id !== old.id || (c.state !== "queued" && c.state !== "assigned") || !allowed(c)) return undefined;
      transition(c, "transfer");
      Object.assign(current, { outcome: "transferred", endedAt: now, ...(actor === SYSTEM_ACTOR ? { overflowedAt: now } : {}) });
      c.escalations.push(next);
      c.assignee = undefined;
      const team = teamOf(toTeam).displayName;
      tell(c, out, closed ? message(c, "afterHours", { team, opens: describeOpening(hours, now) }) : message(c, "transferred", { team }));
      postCard(c, out, next);
      refreshCard(c, out, current, { kind: "transferred", toTeam: teamOf(toTeam).displayName }, next.id);
      out.audit(actor, "transferred", { from: old.team, to: toTeam, level: next.level });
      return c;
    });
    return updated !== undefined;
  }

  async function returnToBot(conversationId: string, agent: AgentRef, escalationId?: string): Promise<ActionResult> {
    return inLane(conversationId, () =>
      agentAction(conversationId, agent, escalationId, (c, out, e) => {
        transition(c, "return_to_bot");
        Object.assign(e, { outcome: "returned_to_bot", endedAt: clock.now(), returnedBy: agent });
        c.assignee = undefined;
        c.botMisses = 0;
        c.toolFailures = 0;
        refreshCard(c, out, e, { kind: "returned_to_bot", by: agent });
        tell(c, out, message(c, "returnedToBot"));
        out.audit(agent.id, "returned_to_bot");
        return c;
      }),
    );
  }

  async function resolve(conversationId: string, agent: AgentRef, escalationId?: string): Promise<ActionResult> {
    return inLane(conversationId, () => {
      const now = clock.now();
      return agentAction(conversationId, agent, escalationId, (c, out, e) => {
        transition(c, "resolve");
        Object.assign(e, { outcome: "resolved", endedAt: now });
        c.survey = { status: "pending", sentAt: now };
        refreshCard(c, out, e, { kind: "resolved", by: agent });
        tell(c, out, message(c, "survey"));
        out.audit(agent.id, "resolved");
        return c;
      });
    });
  }

  // ---------- timers (claim deadlines, overflow, honest updates, nudges) ----------

  async function tick(): Promise<void> {
    const now = clock.now();
    const open = await store.listOpen();
    for (const conversation of open) {
      const escalation = currentEscalation(conversation);
      if (!escalation) continue;
      const due = dueTimers(conversation, escalation, now);
      if (due.length > 0)
        await inLane(conversation.id, (c) => applyTimers(c, escalation.id, due)).catch((error: unknown) =>
          log.error({ conversationId: conversation.id, err: describe(error) }, "A claim timer failed; it runs again on the next tick"),
        );
    }
    if (now - lastPurgeAt >= PURGE_EVERY_MS) {
      lastPurgeAt = now;
      const purged = await store.purgeOlderThan(now - config.privacy.transcriptRetentionDays * DAY_MS);
      if (purged > 0) log.info({ purged }, "Transcripts past their retention purged");
    }
    await dispatcher.kick();
  }

  /** The claim timers due now; an overflow waits while its team is closed (no "passing you to…" a team that is not there). */
  function dueTimers(c: Conversation, e: Escalation, now: number): ClaimTimerAction[] {
    return dueClaimActions(timerInput(c, e, now)).filter(
      (a) => a.kind !== "overflow" || isWithinBusinessHours(teamOf(a.toTeam).businessHours, now),
    );
  }

  function timerInput(c: Conversation, e: Escalation, now: number) {
    const since = e.claimedAt ?? e.createdAt;
    const lastOf = (author: "customer" | "agent") =>
      c.transcript.filter((t) => t.author === author && !t.internal && t.at >= since).at(-1)?.at;
    return {
      createdAt: e.createdAt,
      claimedAt: c.state === "assigned" ? e.claimedAt : undefined,
      lastAgentMessageAt: lastOf("agent"),
      lastCustomerMessageAt: lastOf("customer"),
      lastCustomerUpdateAt: e.lastCustomerUpdateAt,
      customerUpdatesSent: e.customerUpdatesSent,
      pingedAt: e.pingedAt,
      overflowedAt: e.overflowedAt,
      nudgedAt: e.nudgedAt,
      team: teamOf(e.team),
      now,
    };
  }

  async function applyTimers(conversation: Conversation, escalationId: string, due: ClaimTimerAction[]): Promise<void> {
    const overflow = due.find((a) => a.kind === "overflow");
    if (overflow?.kind === "overflow") {
      const team = teamOf(currentEscalation(conversation)!.team);
      const moved = await transferInLane(
        conversation,
        SYSTEM_ACTOR,
        overflow.toTeam,
        `Nobody in ${team.displayName} claimed this within ${2 * team.claimWithinMinutes} minutes.`,
      );
      if (moved) return;
    }
    const estimate = due.some((a) => a.kind === "customer_update") ? await queueEstimate(conversation) : undefined;
    await mutate(conversation.id, (c, out) => {
      const e = currentEscalation(c);
      if (!e || e.id !== escalationId || (c.state !== "queued" && c.state !== "assigned")) return undefined;
      const now = clock.now();
      const team = teamOf(e.team);
      for (const action of dueTimers(c, e, now)) {
        switch (action.kind) {
          case "ping_rota":
            e.pingedAt = now;
            out.add({
              kind: "thread_post",
              escalationId: e.id,
              // The user group, else the rota, else (anyone may claim) everyone active in the channel: never nobody.
              post: {
                kind: "ping",
                text: `Nobody has claimed this in ${team.claimWithinMinutes} minutes: can someone take it?`,
                ...pingTargets(team),
              },
            });
            break;
          case "customer_update":
            // Due only while the team is open (claim-timers), so the estimate is an honest one even after an after-hours start.
            e.lastCustomerUpdateAt = now;
            // A call back request waits for the call, not in line: no "you're number 2, reply CALLBACK".
            if (estimate && !e.callback) {
              tell(c, out, message(c, e.mandatory ? "queuePositionMandatory" : "queuePosition", estimate));
              e.customerUpdatesSent = (e.customerUpdatesSent ?? 0) + 1;
            }
            break;
          case "nudge_assignee":
            e.nudgedAt = now;
            out.add({
              kind: "thread_post",
              escalationId: e.id,
              post: { kind: "ping", text: "The customer is waiting for your reply.", ...(c.assignee ? { agents: [c.assignee] } : {}) },
            });
            break;
          case "overflow":
            // Reached only when the transfer above did not happen (the state moved on meanwhile).
            e.overflowedAt = now;
            break;
        }
      }
      return c;
    });
  }

  /** Place in the team's queue and the wait, from how long recent claims took in that team. */
  async function queueEstimate(conversation: Conversation): Promise<{ position: number; minutes: number }> {
    const escalation = currentEscalation(conversation)!;
    const now = clock.now();
    const queued = (await store.listOpen())
      .filter((c) => c.state === "queued" && currentEscalation(c)?.team === escalation.team)
      .map((c) => currentEscalation(c)!.createdAt)
      .sort((a, b) => a - b);
    const position = Math.max(1, queued.filter((at) => at <= escalation.createdAt).length);
    const durations = (await store.listSince(now - WAIT_ESTIMATE_WINDOW_MS)).flatMap((c) =>
      c.escalations.filter((e) => e.team === escalation.team && e.claimedAt !== undefined).map((e) => e.claimedAt! - e.createdAt),
    );
    return { position, minutes: estimateWaitMinutes(durations, position, teamOf(escalation.team).claimWithinMinutes) };
  }

  // ---------- admin ----------

  async function status(): Promise<TeamStatus[]> {
    const open = await store.listOpen();
    const now = clock.now();
    return Object.entries(config.teams).map(([key, team]) => {
      const mine = open.filter((c) => currentEscalation(c)?.team === key);
      const waiting = mine.filter((c) => c.state === "queued").map((c) => currentEscalation(c)!.createdAt);
      return {
        team: key,
        displayName: team.displayName,
        queued: waiting.length,
        assigned: mine.filter((c) => c.state === "assigned").length,
        oldestWaitMs: waiting.length > 0 ? now - Math.min(...waiting) : undefined,
      };
    });
  }

  async function forgetCustomer(phoneOrAddress: string, by: AgentRef): Promise<{ conversations: number; threadsNotErased?: number }> {
    const wanted = phoneOrAddress.trim();
    // An address ("whatsapp:…@lid", a chat with no known phone) is found through the store's customer index.
    let matching = await store.listByCustomer(wanted);
    if (matching.length === 0 && !wanted.includes(":")) {
      const digits = digitsOf(wanted);
      if (digits.length < 6) {
        throw new WarmlineError(
          "input_invalid",
          `"${phoneOrAddress}" is neither a phone number nor a customer address: give the number in international form (+447700900123) or the WhatsApp address from the card (whatsapp:…).`,
        );
      }
      // The channel knows which address a phone number has; only a channel that can't say falls back to a scan.
      const address = customers.addressForPhone?.(digits);
      matching = address
        ? await store.listByCustomer(address)
        : (await store.listSince(0)).filter((c) => c.customer.phone && digitsOf(c.customer.phone) === digits);
    }
    // Slack first: the threads are only known from the conversations about to be deleted.
    let threadsNotErased = 0;
    for (const thread of new Set(matching.flatMap((c) => c.escalations.flatMap((e) => (e.thread ? [e.thread] : []))))) {
      try {
        await workspace.eraseThread?.(thread);
      } catch (error) {
        threadsNotErased++;
        log.error({ err: describe(error) }, "Could not erase a forgotten customer's thread in the workspace; delete it by hand");
      }
    }
    const addresses = new Set(matching.map((c) => c.customer.address));
    let conversations = 0;
    // The store removes each conversation with its audit trail and its outbox lane.
    for (const address of addresses) conversations += await store.forgetCustomer(address);
    for (const [id, ref] of deliveryRefs) if (matching.some((c) => c.id === ref.conversationId)) deliveryRefs.delete(id);
    log.info({ by: by.id, conversations, threadsNotErased }, "Customer forgotten");
    return { conversations, ...(threadsNotErased > 0 ? { threadsNotErased } : {}) };
  }

  async function replayFailed(id?: string): Promise<number> {
    const failed = (await store.listOutbox()).filter((item) => item.status === "failed" && (id === undefined || item.id === id));
    for (const item of failed) {
      await store.saveOutboxItem({ ...item, status: "pending", attempts: 0, notBefore: clock.now(), createdAt: clock.now() });
      void dispatcher.kick(item.lane);
    }
    if (failed.length > 0) log.info({ items: failed.length }, "Failed outbound messages replayed");
    return failed.length;
  }

  async function drain(): Promise<void> {
    // Lane workers start synchronously when work is committed, so once the events are done, waiting for the workers is enough.
    await serializer.idle();
    await dispatcher.idle();
  }

  return {
    handleInboundMessage,
    handleMessageChange,
    handleDelivery,
    claim,
    release,
    agentReply,
    mayTransfer,
    transfer,
    returnToBot,
    resolve,
    status,
    forgetCustomer,
    start: () => dispatcher.start(),
    tick,
    replayFailed,
    drain,
    async stop() {
      await drain();
      await dispatcher.stop();
    },
  };
}

function describeEffect(effect: OutboxEffect): string {
  switch (effect.kind) {
    case "send_customer":
      return effect.relay ? "an agent's reply to the customer" : "a message to the customer";
    case "post_card":
      return "the escalation card";
    case "update_card":
      return "a card update";
    case "thread_post":
      return `a thread post (${effect.post.kind.replace(/_/g, " ")})`;
    case "mark_delivery":
      return "a delivery reaction";
    case "notify_ops":
      return "an ops notice";
  }
}

function escalationOf(effect: OutboxEffect): string | undefined {
  if (effect.kind === "send_customer") return effect.relay?.escalationId;
  return "escalationId" in effect ? effect.escalationId : undefined;
}

function digitsOf(phone: string): string {
  return phone.replace(/\D/g, "");
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
