import { randomUUID } from "node:crypto";
import { decideEscalation, type PolicySignals } from "../../routing/escalation-policy.js";
import { matchControlKeywordWithLanguage, type ControlKeyword } from "../../routing/customer-keywords.js";
import { currentEscalation, type Conversation, type CustomerLanguage, type TranscriptEntry } from "../domain/conversation.js";
import type { AssistantTurn } from "../ports/assistant.js";
import {
  type CustomerMessageChange,
  DELIVERY_STATE_RANK,
  type DeliveryUpdate,
  type InboundCustomerMessage,
} from "../ports/customer-channel.js";
import type { InboxCompletion } from "../ports/inbox.js";
import { keepMedia } from "./attachment-media.js";
import { bookCallback, queueCallback } from "./callbacks.js";
import { replaceEntry } from "../domain/conversation-draft.js";
import { type Change, describeError, digitsOf, type EngineCore, type RecordEntry } from "./engine-core.js";
import { acknowledgeWhileQueued, availabilityFor, escalateInto, greeted, relayToThread } from "./handoff.js";
import { answerSurvey, isSurveyAnswer, pendingSurveyFor, surveyAnswerKey } from "./surveys.js";

/** What the customer's channel reports: messages, their edits and deletions (taken from the inbox), delivery of relayed replies. */
export interface CustomerFlow {
  /**
   * One stored customer message and everything it causes; the conversation it went to, if any. Answered by the
   * assistant, escalated, or relayed into an escalation's thread, its inbox entry is completed by the commit that
   * records it (`completion`, when given).
   */
  processInbound(message: InboundCustomerMessage, completion?: InboxCompletion): Promise<string | undefined>;
  /** One stored edit or deletion; the conversation it changed, if any. */
  processChange(change: CustomerMessageChange): Promise<string | undefined>;
  handleDelivery(update: DeliveryUpdate): Promise<void>;
}

/** What the conversation keeps of an identification: not its confidence. */
function customerLanguage(identified: (CustomerLanguage & { confidence: number }) | undefined): CustomerLanguage | undefined {
  return identified && { code: identified.code, name: identified.name, script: identified.script };
}

export function createCustomerFlow(core: EngineCore): CustomerFlow {
  const { config, store, clock, log, serializer, message, tell } = core;
  // The config is fixed for the engine's life: normalize the VIP list once, not per conversation.
  const vipNumbers = new Set(config.customers.vip.map(digitsOf));

  async function startConversation(inbound: InboundCustomerMessage): Promise<Conversation> {
    const now = clock.now();
    const conversation: Conversation = {
      id: `conv_${randomUUID()}`,
      version: 1,
      channel: inbound.channel,
      customer: {
        address: inbound.address,
        name: inbound.customerName,
        phone: inbound.phone,
        tier: inbound.phone && vipNumbers.has(digitsOf(inbound.phone)) ? "vip" : "standard",
        pastConversations: await store.countByCustomer(inbound.address),
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

  /**
   * A customer message and everything it causes (reply, escalation, relay) are committed in one
   * write, with the message's own id in the transcript: a redelivery, even after a crash, finds it
   * there and takes effect once.
   */
  async function processInbound(inbound: InboundCustomerMessage, completion?: InboxCompletion): Promise<string | undefined> {
    return serializer.run(inbound.address, () => recordInbound(inbound, completion));
  }

  async function recordInbound(inbound: InboundCustomerMessage, completion: InboxCompletion | undefined): Promise<string | undefined> {
    let conversation = await store.findActiveByCustomer(inbound.address);
    // Only an exact survey answer can have been recorded under its own key; other messages skip that read.
    if (
      conversation?.transcript.some((e) => e.id === inbound.messageId) ||
      (isSurveyAnswer(core, inbound.text) && (await store.isSeen(surveyAnswerKey(inbound))))
    ) {
      log.debug({ conversationId: conversation?.id }, "Duplicate inbound message ignored");
      return undefined;
    }
    if (conversation?.state === "resolved" && conversation.survey?.status === "pending") {
      if (await answerSurvey(core, conversation, inbound)) return conversation.id;
      conversation = undefined;
    }
    if (conversation === undefined || conversation.state === "bot") {
      // "Actually, one more thing" after Resolve starts a new conversation; a later "5" still answers the survey.
      const surveyed = await pendingSurveyFor(core, inbound);
      if (surveyed && (await answerSurvey(core, surveyed, inbound))) return surveyed.id;
    }
    conversation ??= await startConversation(inbound);
    // As the store has it, untouched: the write below starts from it instead of reading it again.
    const stored = conversation;

    // The latest confident identification is the conversation's language; a short message keeps the one it had.
    const language = customerLanguage(core.languages.identify(inbound.text, { previous: conversation.language?.code }));
    const entry = core.newEntry("customer", inbound.text, {
      id: inbound.messageId,
      at: inbound.receivedAt,
      attachments: await keepMedia(store, conversation.id, inbound.attachments),
      ...(language ? { language } : {}),
    });
    // A control word is matched in the language the conversation had: a lone "HUMANO" is too short to identify.
    const matched = matchControlKeywordWithLanguage(inbound.text, core.languages.replies.keywordsFor(conversation.language?.code));
    const keyword = matched?.kind;
    if (language) conversation = { ...conversation, language };
    const record = (c: Conversation): Conversation | undefined => {
      if (c.transcript.some((e) => e.id === entry.id)) return undefined;
      if (inbound.customerName && !c.customer.name) c.customer.name = inbound.customerName;
      if (matched) c.keywordLanguage = matched.language;
      if (language) c.language = language;
      c.transcript.push(entry);
      return c;
    };

    if (conversation.state === "bot") await onCustomerMessageToBot(conversation, entry, keyword, record, stored, completion);
    else await onCustomerMessageWhileEscalated(conversation, entry, keyword, record, stored, completion);
    return conversation.id;
  }

  async function onCustomerMessageToBot(
    conversation: Conversation,
    entry: TranscriptEntry,
    keyword: ControlKeyword | undefined,
    record: RecordEntry,
    stored: Conversation,
    completion: InboxCompletion | undefined,
  ) {
    if (keyword === "callback") return queueCallback(core, conversation, record);
    // A bare CANCEL with nothing waiting goes to the assistant like any message: "cancel" most likely means an order.
    if (keyword === "bot" || keyword === "wait") {
      await core.mutateFrom(stored, (c, out) => {
        if (!record(c)) return undefined;
        tell(c, out, message(c, "greeting"));
        return c;
      });
      return;
    }

    // The assistant sees the message as if it were already stored; nothing is written until the outcome is known.
    const seen: Conversation = { ...conversation, transcript: [...conversation.transcript, entry] };
    let turn: AssistantTurn;
    try {
      turn = await core.assistant.respond(seen, entry.text);
    } catch (error) {
      log.error({ conversationId: conversation.id, err: describeError(error) }, "The assistant failed; counting it as a tool failure");
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
      ...(turn.judgement ? { judgement: turn.judgement } : {}),
    };
    const decided = decideEscalation(signals, { ...config, lexicon: core.signalLexicon });
    const decision = { ...decided, team: core.teamSpeaking(decided.team, conversation) };
    core.observer?.onDecision?.(conversation.id, decision, turn);
    const escalating = decision.escalate && decision.reason !== undefined;
    const available = escalating ? await availabilityFor(core, decision.team) : "open";

    const answer: Change = (c, out) => {
      if (!record(c)) return undefined;
      replaceEntry(c, entry.id, { intent: signals.intent, confidence: signals.confidence, sentiment: turn.sentiment });
      c.botMisses = decision.miss ? c.botMisses + 1 : 0;
      c.toolFailures = turn.actions.some((a) => a.failed) ? c.toolFailures + 1 : 0;
      if (turn.actions.length > 0) {
        const tried = turn.actions.map((a) => `${a.action.replace(/_/g, " ")}: ${a.result}`).join("; ");
        c.transcript.push(core.newEntry("system", `Assistant tried ${tried}`, { actions: turn.actions }));
      }
      if (escalating)
        escalateInto(core, c, out, "bot", { ...decision, reason: decision.reason! }, available, {
          greet: signals.isFirstMessage,
          ...(turn.judgement?.summary ? { modelSummary: turn.judgement.summary } : {}),
        });
      // A first "hi" gets the configured greeting alone: it already invites the question.
      else if (signals.isFirstMessage && turn.intent === "greeting") tell(c, out, message(c, "greeting"), "bot");
      else tell(c, out, greeted(core, c, signals.isFirstMessage, decision.clarify ? message(c, "clarify") : turn.reply), "bot");
      return c;
    };
    // Its commit may complete the inbox entry: only a log line comes after it, so nothing after it can need a retry.
    const updated = await core.mutateFrom(stored, answer, completion);
    if (updated && escalating && updated.state === "queued") {
      log.info({ conversationId: conversation.id, team: decision.team, reason: decision.reason }, "Escalated to a human");
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
    record: RecordEntry,
    stored: Conversation,
    completion: InboxCompletion | undefined,
  ) {
    const escalation = currentEscalation(conversation)!;
    if (keyword === "cancel" && conversation.state === "queued") return withdraw(stored, "abandoned", record);
    if (keyword === "bot" && !escalation.mandatory) return withdraw(stored, "declined", record);
    const relay: Change = (c, out) => {
      if (!record(c)) return undefined;
      const e = currentEscalation(c)!;
      relayToThread(core, c, out, entry);
      if (keyword === "callback") bookCallback(core, c, out);
      else if (keyword === "bot" && c.state === "queued")
        tell(c, out, message(c, "cannotDecline", { team: core.teamOf(e.team).displayName }));
      else if (keyword === "bot")
        core.postToThread(c, out, {
          kind: "system_note",
          text: "The customer asked to go back to the assistant (BOT), but this needs a person: they were not moved, so answer them here.",
        });
      else if (c.state === "queued") acknowledgeWhileQueued(core, c, out, e);
      return c;
    };
    // Its commit may complete the inbox entry: it is the last thing done here, so nothing after it can need a retry.
    await core.mutateFrom(stored, relay, completion);
  }

  /** The customer withdrew (CANCEL: abandonment) or declined an optional escalation (BOT). */
  async function withdraw(stored: Conversation, why: "abandoned" | "declined", record: RecordEntry) {
    await core.mutateFrom(stored, (c, out) => {
      if (c.state !== "queued" && c.state !== "assigned") return undefined;
      if (!record(c)) return undefined;
      core.transition(c, c.state === "queued" && why === "abandoned" ? "abandon" : "return_to_bot");
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
      core.refreshCard(c, out, e, why === "declined" ? { kind: "customer_returned_to_bot" } : { kind: "abandoned" });
      tell(c, out, message(c, why === "abandoned" ? "escalationCancelled" : "returnedToBot"));
      out.audit("customer", outcome);
      return c;
    });
  }

  async function processChange(change: CustomerMessageChange): Promise<string | undefined> {
    return serializer.run(change.address, async () => {
      const conversation = await store.findActiveByCustomer(change.address);
      const original = conversation?.transcript.find((e) => e.id === change.messageId);
      if (!conversation || !original) return undefined;
      await core.mutate(conversation.id, (c, out) => {
        if (!replaceEntry(c, change.messageId, change.kind === "edited" ? { editedText: change.newText } : { deleted: true }))
          return undefined;
        core.postToThread(
          c,
          out,
          change.kind === "edited"
            ? { kind: "customer_edit", originalText: core.maskText(original.text, c), newText: core.maskText(change.newText ?? "", c) }
            : { kind: "customer_delete", originalText: core.maskText(original.text, c) },
        );
        return c;
      });
      return conversation.id;
    });
  }

  async function handleDelivery(update: DeliveryUpdate): Promise<void> {
    // Durable path: the customer's conversation holds the relayed entry with this channel id.
    const conversation = update.address
      ? await store.findActiveByCustomer(update.address)
      : await store.get(core.deliveryRefs.get(update.channelMessageId)?.conversationId ?? "");
    const entry = conversation?.transcript.find((e) => e.channelMessageId === update.channelMessageId);
    if (!conversation || !entry?.workspaceRef) return;
    const workspaceRef = entry.workspaceRef;
    await core.mutate(conversation.id, (c, out) => {
      const e = c.transcript.find((x) => x.id === entry.id);
      // Platforms don't promise order (a "read" may come before "delivered"): keep the furthest state.
      if (!e || (e.delivery !== undefined && DELIVERY_STATE_RANK[e.delivery] >= DELIVERY_STATE_RANK[update.state])) return undefined;
      replaceEntry(c, e.id, { delivery: update.state });
      out.add({ kind: "mark_delivery", messageRef: workspaceRef, state: update.state });
      if (update.state === "failed")
        core.postToThread(c, out, { kind: "delivery_failed", reason: update.error ?? "WhatsApp reported an error" });
      return c;
    });
  }

  return { processInbound, processChange, handleDelivery };
}
