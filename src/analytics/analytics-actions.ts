import type { WarmlineConfig } from "../config/schema.js";
import { currentEscalation, type AgentFeedback, type AgentFeedbackKind, type AgentRef, type Conversation } from "../domain/conversation.js";
import type { Escalation } from "../domain/escalation.js";
import { WarmlineError } from "../domain/errors.js";
import { maskOptionsFor } from "../domain/pii.js";
import { buildContextPackage, mainIntent } from "../engine/context-package.js";
import { draftOf, sealEntries } from "../domain/conversation-draft.js";
import type { AnalyticsActions, FeedbackResult, TranscriptView } from "../ports/analytics.js";
import type { Clock } from "../ports/clock.js";
import type { ConversationStore } from "../ports/conversation-store.js";
import type { Logger } from "../ports/logger.js";

/** Retries of a lost compare-and-set: the engine may be writing the same conversation. */
const MAX_CAS_ATTEMPTS = 8;

export interface AnalyticsActionsDeps {
  store: ConversationStore;
  clock: Clock;
  config: Pick<WarmlineConfig, "privacy" | "teams" | "policy">;
  logger: Logger;
}

/** AnalyticsActions over the store's compare-and-set, beside the engine rather than inside it. */
export function createAnalyticsActions({ store, clock, config, logger }: AnalyticsActionsDeps): AnalyticsActions {
  const log = logger.child({ component: "analytics" });

  /** Writes `change` to the latest version; `change` returns undefined to write nothing. */
  async function update<T>(
    conversationId: string,
    change: (c: Conversation) => T | undefined,
  ): Promise<{ conversation: Conversation; result: T } | undefined> {
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      const current = await store.get(conversationId);
      if (!current) return undefined;
      const next = draftOf(current);
      const result = change(next);
      if (result === undefined) return { conversation: current, result: undefined as T };
      sealEntries(next, current);
      next.updatedAt = Math.max(current.updatedAt, clock.now());
      const written = await store.compareAndSet(next, current.version);
      if (written) return { conversation: written, result };
    }
    throw new WarmlineError("store_conflict", `Conversation ${conversationId} kept changing while recording analytics: try again.`);
  }

  /**
   * What a card's team may read: the conversation up to the end of its escalation (what they were
   * handed, and what happened while they held it), without another team's internal notes.
   */
  const heldBy = (c: Conversation, escalation: Escalation) =>
    c.transcript.filter(
      (entry) =>
        (escalation.endedAt === undefined || entry.at <= escalation.endedAt) && (!entry.internal || entry.at >= escalation.createdAt),
    );

  const escalationFor = (c: Conversation, thread: string | undefined): Escalation | undefined =>
    (thread ? c.escalations.find((e) => e.thread === thread) : undefined) ?? currentEscalation(c);

  return {
    async viewTranscript(conversationId: string, agent: AgentRef, thread?: string): Promise<TranscriptView | undefined> {
      const written = await update(conversationId, (c) => {
        const escalation = escalationFor(c, thread);
        if (!escalation) return undefined;
        (c.contextViews ??= []).push({ escalationId: escalation.id, agentId: agent.id, at: clock.now() });
        return escalation;
      });
      if (!written) return undefined;
      const { conversation } = written;
      const escalation = escalationFor(conversation, thread);
      if (!escalation) return undefined;
      log.info({ conversationId, team: escalation.team }, "Full transcript viewed");
      const context = buildContextPackage({
        conversation: { ...conversation, transcript: heldBy(conversation, escalation) },
        escalation,
        claimWithinMinutes: config.teams[escalation.team]?.claimWithinMinutes ?? 0,
        mask: maskOptionsFor(config.privacy, conversation.customer.phone),
        policy: config.policy,
      });
      return { conversationId, customerName: context.customer.name, lines: context.transcript };
    },

    async recordFeedback(
      conversationId: string,
      agent: AgentRef,
      kind: AgentFeedbackKind,
      options: { intent?: string; thread?: string } = {},
    ): Promise<FeedbackResult> {
      let refusal: Exclude<FeedbackResult, { recorded: true }> | undefined;
      const written = await update(conversationId, (c) => {
        const escalation = escalationFor(c, options.thread);
        if (escalation?.outcome !== "resolved") {
          refusal = { recorded: false, reason: "not_resolved" };
          return undefined;
        }
        const intent = kind === "bot_should_have_handled" ? (options.intent ?? mainIntent(c, 0, config.policy)) : undefined;
        // One answer per agent and escalation: the same one again is a repeat click, another one replaces it.
        const mine = (f: AgentFeedback) => f.agentId === agent.id && f.escalationId === escalation.id;
        const previous = (c.feedback ?? []).findLast(mine);
        if (previous && previous.kind === kind && previous.intent === intent) {
          refusal = { recorded: false, reason: "already_recorded" };
          return undefined;
        }
        c.feedback = [
          ...(c.feedback ?? []).filter((f) => !mine(f)),
          { kind, escalationId: escalation.id, agentId: agent.id, at: clock.now(), ...(intent ? { intent } : {}) },
        ];
        return { team: escalation.team, replaced: previous?.kind };
      });
      if (!written) return { recorded: false, reason: "unknown_conversation" };
      if (refusal) return refusal;
      const { team, replaced } = written.result;
      log.info(
        { conversationId, team, kind, ...(replaced ? { replaced } : {}) },
        replaced ? "Agent feedback changed" : "Agent feedback recorded",
      );
      return { recorded: true, ...(replaced ? { replaced } : {}) };
    },

    async detectedIntent(conversationId: string): Promise<string | undefined> {
      const conversation = await store.get(conversationId);
      return conversation ? mainIntent(conversation, 0, config.policy) : undefined;
    },
  };
}
