import { DELIVERY_STATE_RANK, type DeliveryState } from "../ports/customer-channel.js";
import type { NewOutboxItem, OutboxEffect } from "../ports/outbox.js";

/** Agent messages whose furthest queued mark is remembered; the oldest are forgotten first (they are then shown step by step). */
const DELIVERY_MARKS_LIMIT = 10_000;

type DeliveryMark = Extract<OutboxEffect, { kind: "mark_delivery" }>;

export interface DeliveryMarks {
  /** Hears of items once they are stored: the delivery marks among them. */
  queued(items: readonly NewOutboxItem[]): void;
  /** Whether a further state of the same message was queued: this mark need not be shown, that one will be. */
  superseded(mark: DeliveryMark): boolean;
  /** The mark was shown (or skipped): once the furthest one is, the message is forgotten. */
  done(mark: DeliveryMark): void;
}

/**
 * The furthest delivery state queued in this process for each agent message. Slack's reactions methods
 * are rate limited per workspace (reactions.add Tier 3, reactions.remove Tier 2), so a busy team waits
 * out 429s with marks piling up in OUTBOX_REACTIONS_LANE; stepping each message through sent, delivered
 * and read then costs five calls where one shows where it ended. A mark is skipped only when a further
 * one of the same message is stored, so the message still ends on its furthest state. Marks another
 * instance queued are not known here, and are shown as they come.
 */
export function createDeliveryMarks(limit = DELIVERY_MARKS_LIMIT): DeliveryMarks {
  const furthest = new Map<string, DeliveryState>();
  const rank = (state: DeliveryState | undefined) => (state === undefined ? 0 : DELIVERY_STATE_RANK[state]);
  return {
    queued(items) {
      for (const { effect } of items) {
        if (effect.kind !== "mark_delivery" || rank(effect.state) <= rank(furthest.get(effect.messageRef))) continue;
        furthest.delete(effect.messageRef);
        furthest.set(effect.messageRef, effect.state);
        if (furthest.size > limit) furthest.delete(furthest.keys().next().value!);
      }
    },
    superseded: (mark) => rank(furthest.get(mark.messageRef)) > rank(mark.state),
    done(mark) {
      if (furthest.get(mark.messageRef) === mark.state) furthest.delete(mark.messageRef);
    },
  };
}
