import { type ConfirmedSend, currentEscalation, type Conversation } from "../domain/conversation.js";
import { isWarmlineError, WarmlineError } from "../domain/errors.js";
import type { CardStatus, ThreadPost } from "../ports/agent-workspace.js";
import type { DeliveryAttempt, OutboundCustomerMessage, OutboundTemplate, SentCustomerMessage } from "../ports/customer-channel.js";
import type { WarmlineConfig } from "../config/schema.js";
import {
  type ItemCompletion,
  isConversationLane,
  laneOf,
  OUTBOX_OPS_LANE,
  type NewOutboxItem,
  type OutboxEffect,
  type OutboxItem,
} from "../ports/outbox.js";
import { replaceEntry } from "../domain/conversation-draft.js";
import { withMediaBytes } from "./attachment-media.js";
import type { EngineCore } from "./engine-core.js";

/**
 * Relays whose delivery updates may come without the customer's address: the latest this many are
 * remembered (updates follow a send within minutes), so memory stays bounded however many were sent.
 */
const DELIVERY_REFS_LIMIT = 10_000;

/**
 * A delivery reaction Slack has not taken within this long is dropped when its turn comes: the conversation has moved
 * on, and Slack's limits (about 50 reactions.add a minute) would otherwise let a busy team's backlog grow all shift,
 * each reaction later than the one before. A "failed" mark is always shown: the agent must know.
 */
const DELIVERY_MARK_STALE_MS = 10 * 60_000;

/** Sending what changes committed (called by the outbox dispatcher, in lane order), failures made visible, replay. */
export interface Delivery {
  deliver(item: OutboxItem, attempt: DeliveryAttempt, completion?: ItemCompletion): Promise<void>;
  /** A message that could not be delivered becomes visible: in its thread and in the ops channel. */
  reportFailure(item: OutboxItem, reason: string): Promise<void>;
  replayFailed(id?: string): Promise<number>;
  drain(): Promise<void>;
}

export function createDelivery(core: EngineCore): Delivery {
  const { store, customers, workspace, clock, dispatcher, config } = core;

  /** A send and a card each record what they did with their conversation, and complete their item in that write. */
  async function deliver(item: OutboxItem, attempt: DeliveryAttempt, completion?: ItemCompletion): Promise<void> {
    const effect = item.effect;
    if (effect.kind === "notify_ops") return workspace.notifyOps?.(effect.text, attempt);
    if (effect.kind === "mark_delivery") {
      if (effect.state !== "failed" && clock.now() - item.createdAt > DELIVERY_MARK_STALE_MS) {
        core.log.debug({ messageRef: effect.messageRef, state: effect.state }, "Delivery reaction dropped: Slack held it too long");
      } else if (!core.deliveryMarks.superseded(effect)) {
        // Shown unless a further state of the same message is queued behind this one: only that one is.
        await workspace.markDelivery?.(effect.messageRef, effect.state);
      }
      core.deliveryMarks.done(effect);
      return;
    }
    if (effect.kind === "reply_notice") return workspace.noticeReply?.(effect.notice);
    const conversation = await store.get(item.lane);
    // Forgotten meanwhile: nothing of theirs may go out any more.
    if (!conversation) return;
    switch (effect.kind) {
      case "send_customer": {
        const confirmed = conversation.lastCustomerSend;
        // Sent and recorded, but the process stopped before the item was done: only the recording is left to finish.
        let send: ConfirmedSend;
        if (confirmed?.key === item.id) send = confirmed;
        else {
          const sent = await sendToCustomer(conversation, effect, { ...attempt, ...(confirmed ? { after: confirmed } : {}) });
          if (!sent) return;
          send = confirmedSend(item.id, sent);
        }
        await recordSend(conversation, send, effect.relay, completion);
        return;
      }
      case "post_card": {
        const { thread } = await workspace.postEscalation(effect.context, attempt);
        // Read just above and left untouched: the write starts from it (a stale copy only costs a retry).
        await core.mutateFrom(
          conversation,
          (c) => {
            const e = c.escalations.find((x) => x.id === effect.escalationId);
            if (!e || e.thread === thread) return undefined;
            e.thread = thread;
            return c;
          },
          completion,
        );
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
      case "thread_post": {
        const { post } = effect;
        const withBytes =
          post.kind === "customer_message" && post.attachments
            ? { ...post, attachments: await withMediaBytes(store, conversation.id, post.attachments) }
            : post;
        return workspace.postToThread(threadOf(conversation, effect.escalationId), withBytes, attempt);
      }
    }
  }

  /**
   * Sends a customer message. Once the channel's reply window has closed (WhatsApp: 24 hours after
   * the customer last wrote), free text is not sent: the survey goes as its template, and an agent's
   * reply becomes a note in the thread offering the approved templates. Undefined: not sent.
   */
  async function sendToCustomer(
    conversation: Conversation,
    effect: Extract<OutboxEffect, { kind: "send_customer" }>,
    attempt: DeliveryAttempt,
  ): Promise<SentCustomerMessage | undefined> {
    const customerLastWroteAt = conversation.transcript.findLast((e) => e.author === "customer")?.at;
    const message: OutboundCustomerMessage = {
      address: effect.address,
      text: effect.text,
      ...(effect.attachments ? { attachments: await withMediaBytes(store, conversation.id, effect.attachments) } : {}),
      ...(effect.template ? { template: effect.template } : {}),
      ...(effect.replyChoices ? { replyChoices: effect.replyChoices } : {}),
      ...(customerLastWroteAt !== undefined ? { customerLastWroteAt } : {}),
    };
    try {
      return await customers.send(message, attempt);
    } catch (error) {
      if (!isWarmlineError(error, "window_closed") || effect.template) throw error;
      if (effect.windowTemplate) {
        const text = templateText(config, effect.windowTemplate) ?? effect.text;
        return customers.send({ address: effect.address, text, template: effect.windowTemplate }, attempt);
      }
      await offerTemplates(conversation, effect, error.message);
      return undefined;
    }
  }

  async function offerTemplates(conversation: Conversation, effect: Extract<OutboxEffect, { kind: "send_customer" }>, reason: string) {
    core.log.info({ conversationId: conversation.id, relay: effect.relay !== undefined }, "Not sent: the reply window has closed");
    const escalationId = effect.relay?.escalationId ?? currentEscalation(conversation)?.id;
    const items: NewOutboxItem[] = [];
    if (escalationId && conversation.escalations.some((e) => e.id === escalationId && e.thread !== undefined)) {
      const templates = config.whatsapp.templates.map((t) => t.name);
      items.push({
        lane: conversation.id,
        quiet: true,
        effect: { kind: "thread_post", escalationId, post: { kind: "window_closed", reason, templates } },
      });
    }
    if (effect.relay) items.push(failedMark(effect.relay, conversation.id));
    if (items.length > 0) await dispatcher.enqueueAndDeliver(items);
  }

  function confirmedSend(key: string, sent: SentCustomerMessage): ConfirmedSend {
    return {
      key,
      channelMessageId: sent.channelMessageId,
      lastMessageId: sent.lastMessageId ?? sent.channelMessageId,
      at: sent.sentAt ?? clock.now(),
    };
  }

  /**
   * Records the send with its conversation before the item is done (the next in-doubt send of the lane
   * looks only after it), and for a relayed reply, its channel message id and the "sent" reaction.
   */
  async function recordSend(
    conversation: Conversation,
    send: ConfirmedSend,
    relay: Extract<OutboxEffect, { kind: "send_customer" }>["relay"],
    completion: ItemCompletion | undefined,
  ): Promise<void> {
    const conversationId = conversation.id;
    if (relay) {
      core.deliveryRefs.set(send.channelMessageId, { conversationId, entryId: relay.entryId });
      if (core.deliveryRefs.size > DELIVERY_REFS_LIMIT) core.deliveryRefs.delete(core.deliveryRefs.keys().next().value!);
    }
    // In the conversation's lane, like the agent's replies: outside it, a burst of them wins every
    // compare-and-set against this write, and a relay that went out looks unsent.
    await core.serializer.run(conversation.customer.address, () => recordSendChange(conversation, send, relay, completion));
  }

  /** From the conversation as deliver() read it (a stale copy only costs a retry of the compare-and-set). */
  function recordSendChange(
    conversation: Conversation,
    send: ConfirmedSend,
    relay: Extract<OutboxEffect, { kind: "send_customer" }>["relay"],
    completion: ItemCompletion | undefined,
  ): Promise<Conversation | undefined> {
    return core.mutateFrom(
      conversation,
      (c, out) => {
        const entry = relay ? c.transcript.find((x) => x.id === relay.entryId) : undefined;
        const relayed = entry !== undefined && entry.channelMessageId !== send.channelMessageId;
        if (c.lastCustomerSend?.key === send.key && !relayed) return undefined;
        c.lastCustomerSend = send;
        if (relayed && relay) {
          replaceEntry(c, entry.id, { channelMessageId: send.channelMessageId, delivery: "sent" });
          out.add({ kind: "mark_delivery", messageRef: relay.workspaceRef, state: "sent" });
        }
        return c;
      },
      completion,
    );
  }

  async function reportFailure(item: OutboxItem, reason: string): Promise<void> {
    const items: NewOutboxItem[] = [
      {
        lane: OUTBOX_OPS_LANE,
        quiet: true,
        effect: {
          kind: "notify_ops",
          text: `Could not deliver ${describeEffect(item.effect)} ${isConversationLane(item.lane) ? `for conversation ${item.lane}` : `(${item.lane} lane)`} after ${item.attempts} attempts: ${reason}. It is kept: replay it with /warmline replay ${item.id}.`,
        },
      },
    ];
    const conversation = isConversationLane(item.lane) ? await store.get(item.lane) : undefined;
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
    if (item.effect.kind === "send_customer" && item.effect.relay) items.push(failedMark(item.effect.relay, item.lane));
    await dispatcher.enqueueAndDeliver(items);
  }

  async function replayFailed(id?: string): Promise<number> {
    const failed = (await store.listOutbox()).filter((item) => item.status === "failed" && (id === undefined || item.id === id));
    for (const item of failed) {
      await store.saveOutboxItem({ ...item, status: "pending", attempts: 0, notBefore: clock.now(), createdAt: clock.now() });
      void dispatcher.kick(item.lane);
    }
    if (failed.length > 0) core.log.info({ items: failed.length }, "Failed outbound messages replayed");
    return failed.length;
  }

  async function drain(): Promise<void> {
    // Lane workers start synchronously when work is committed, so once the events are done, waiting for the workers is enough.
    await core.serializer.idle();
    await dispatcher.idle();
  }

  return { deliver, reportFailure, replayFailed, drain };
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

/** A template's body with its parameters filled in ({{1}} → the first): what the customer reads. */
export function templateText(config: WarmlineConfig, template: OutboundTemplate): string | undefined {
  const body = config.whatsapp.templates.find((t) => t.name === template.name && t.language === template.language)?.body;
  return body?.replace(/\{\{(\d+)\}\}/g, (whole, n: string) => template.parameters[Number(n) - 1] ?? whole);
}

/** The "not delivered" mark on the agent's message of a relay that failed (quiet: a failing mark reports nothing). */
function failedMark(relay: { workspaceRef: string }, conversationId: string): NewOutboxItem {
  const effect: OutboxEffect = { kind: "mark_delivery", messageRef: relay.workspaceRef, state: "failed" };
  return { lane: laneOf(effect, conversationId), quiet: true, effect };
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
    case "reply_notice":
      return "a notice to an agent";
    case "notify_ops":
      return "an ops notice";
  }
}

function escalationOf(effect: OutboxEffect): string | undefined {
  if (effect.kind === "send_customer") return effect.relay?.escalationId;
  return "escalationId" in effect ? effect.escalationId : undefined;
}
