/**
 * Open-loop load: messages are fired on a fixed schedule whatever has completed, so a system that
 * falls behind shows it as latency and loss rather than slowing the generator down. Every time is
 * taken with the parent's one clock (performance.now): fired here, delivered when the fake Slack
 * receives the post or the child reports the WhatsApp send.
 */
import type { BenchInstance } from "./instance-client.js";
import { expectReply } from "./instance-client.js";
import { type BenchThread, benchToken } from "./protocol.js";
import type { BenchSlack, SlackDeliveryKind } from "./slack-side.js";

/** customer → Slack thread, agent → WhatsApp, or a customer's request → the card posted. */
export type Leg = "to-slack" | "to-whatsapp" | "handoff";

interface Flight {
  leg: Leg;
  firedAt: number;
  deliveredAt?: number;
  /** Agent replies: how long the receiver took to answer the signed POST, and whether it said 200. */
  ackMs?: number;
  ackOk?: boolean;
}

/** Warm-up waits (cards, claims) on a loaded machine with a slow store. */
const WARM_UP_TIMEOUT_MS = 180_000;
/** Claims in flight at once during warm-up. */
const CLAIM_CONCURRENCY = 16;
/** Slack retries an event its receiver has not answered within 3 s. */
const SLACK_ACK_DEADLINE_MS = 3000;
/** How often the end of a run looks for outstanding deliveries. */
const COMPLETION_POLL_MS = 20;

export class DeliveryTracker {
  private readonly flights = new Map<number, Flight>();
  private last = 0;
  /** Deliveries of a message already delivered: a relay that went out twice. */
  duplicates = 0;

  fire(leg: Leg): number {
    this.flights.set(++this.last, { leg, firedAt: performance.now() });
    return this.last;
  }

  get lastSeq(): number {
    return this.last;
  }

  delivered(leg: Leg, seq: number): void {
    const flight = this.flights.get(seq);
    if (!flight || flight.leg !== leg) return;
    if (flight.deliveredAt !== undefined) this.duplicates += 1;
    else flight.deliveredAt = performance.now();
  }

  acked(seq: number, ok: boolean): void {
    const flight = this.flights.get(seq);
    if (flight) Object.assign(flight, { ackMs: performance.now() - flight.firedAt, ackOk: ok });
  }

  /** The flights fired after `afterSeq`, up to the newest. */
  since(afterSeq: number): Flight[] {
    const flights: Flight[] = [];
    for (let seq = afterSeq + 1; seq <= this.last; seq++) flights.push(this.flights.get(seq)!);
    return flights;
  }

  /** Which leg a delivery the fake Slack saw completes. */
  static legOf(kind: SlackDeliveryKind): Leg {
    return kind === "card" ? "handoff" : "to-slack";
  }
}

/** One customer in the bench: their chat, card thread, the instance holding their WhatsApp chat and where agents' events go. */
export interface BenchConversation {
  thread: BenchThread;
  whatsapp: BenchInstance;
  slackReceiver: BenchInstance;
}

export interface LatencySummary {
  p50: number;
  p99: number;
}

export interface RelayFigures {
  sent: number;
  delivered: number;
  lost: number;
  /** Messages delivered more than once (a relay sent twice). */
  duplicates: number;
  toSlack: LatencySummary;
  toWhatsApp: LatencySummary;
  /** The HTTP response time of the agent's signed event: Slack wants it within 3 s. */
  ackP50: number;
  ackP99: number;
  /** Agent events not answered 200 within Slack's 3 s: Slack would send them again. */
  ackFailures: number;
  achievedRate: number;
  /** Wall time from the first message fired to the last delivery, ms. */
  elapsedMs: number;
}

/** A load is kept up with when its worse direction's p99 stays under this: the queue does not build up. */
export const KEPT_UP_P99_MS = 500;
/** ...and the delivered rate is at least this share of the offered one. */
const KEPT_UP_RATE_SHARE = 0.97;

/**
 * Whether a run kept up with its offered load: nothing lost, every agent event answered in time, the
 * delivered rate close to the offered, and no queue building up (p99 under KEPT_UP_P99_MS both ways).
 */
export function keptUp(relay: RelayFigures, offered: number): boolean {
  return (
    relay.lost === 0 &&
    relay.ackFailures === 0 &&
    relay.achievedRate >= KEPT_UP_RATE_SHARE * offered &&
    Math.max(relay.toSlack.p99, relay.toWhatsApp.p99) <= KEPT_UP_P99_MS
  );
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function summary(values: number[]): LatencySummary {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
}

const chatIdsOf = (threads: { chatId: string }[]) => threads.map((t) => t.chatId);

/** The customer's words around a token: a plain follow-up, no keyword or signal that would change the flow. */
const customerText = (seq: number) => `Any news on my parcel please ${benchToken(seq)}`;
const agentText = (seq: number) => `Checking with the courier now ${benchToken(seq)}`;

/**
 * Every chat asks for a person, and each card is claimed (the floor has no claims), so the relay
 * that follows is the assigned conversation's. Not measured.
 */
export async function escalateAndClaim(instance: BenchInstance, slack: BenchSlack, chatIds: string[]): Promise<BenchThread[]> {
  chatIds.forEach((chatId, n) => instance.customerSays(chatId, "HUMAN", `Bench Customer ${n}`));
  const { threads } = expectReply(
    await instance.request({ kind: "threads", chatIds, timeoutMs: WARM_UP_TIMEOUT_MS }),
    "threads",
    `Escalating ${chatIds.length} chats on ${instance.spec.target}`,
  );
  if (instance.spec.target !== "floor") {
    let next = 0;
    const claimer = async () => {
      while (next < threads.length) {
        const response = await slack.claim(instance.eventsUrl, threads[next++]!);
        if (response.status !== 200)
          throw new Error(`Claiming a card on ${instance.spec.target} got HTTP ${response.status}: ${response.text}`);
      }
    };
    await Promise.all(Array.from({ length: CLAIM_CONCURRENCY }, claimer));
    expectReply(
      await instance.request({ kind: "claimed", chatIds: chatIdsOf(threads), timeoutMs: WARM_UP_TIMEOUT_MS }),
      "ok",
      `Claiming ${threads.length} cards on ${instance.spec.target}`,
    );
  }
  return threads;
}

/** Fires `total` messages at `rate` per second, calling `fire(i)` for each on time (or as soon after as the loop runs). */
async function onSchedule(total: number, rate: number, fire: (i: number) => void): Promise<void> {
  const start = performance.now();
  let i = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - start) * rate) / 1000) + 1);
      while (i < due) fire(i++);
      if (i >= total) resolve();
      else setTimeout(tick, 1);
    };
    tick();
  });
}

/** Resolves when every flight after `afterSeq` is delivered, or `graceMs` after `from`. */
async function settled(tracker: DeliveryTracker, afterSeq: number, from: number, graceMs: number): Promise<void> {
  const deadline = from + graceMs;
  while (performance.now() < deadline && tracker.since(afterSeq).some((f) => f.deliveredAt === undefined))
    await new Promise((resolve) => setTimeout(resolve, COMPLETION_POLL_MS));
}

export interface RelayPlan {
  conversations: BenchConversation[];
  /** Messages per second, both directions together. */
  rate: number;
  seconds: number;
  /** How long after the last message is fired a delivery still counts. */
  graceMs: number;
}

/**
 * Alternates customer → Slack thread and agent reply → WhatsApp: message i goes to conversation
 * ⌊i/2⌋ mod n, so each conversation gets a customer message and then an agent reply.
 */
export async function runRelay(plan: RelayPlan, slack: BenchSlack, tracker: DeliveryTracker): Promise<RelayFigures> {
  const { conversations, rate } = plan;
  const first = tracker.lastSeq;
  const duplicatesBefore = tracker.duplicates;
  const total = Math.max(2, Math.round(rate * plan.seconds));
  const startedAt = performance.now();
  await onSchedule(total, rate, (i) => {
    const conversation = conversations[Math.floor(i / 2) % conversations.length]!;
    if (i % 2 === 0) {
      conversation.whatsapp.customerSays(conversation.thread.chatId, customerText(tracker.fire("to-slack")));
      return;
    }
    const seq = tracker.fire("to-whatsapp");
    slack.agentSays(conversation.slackReceiver.eventsUrl, conversation.thread, agentText(seq)).then(
      (response) => tracker.acked(seq, response.status === 200),
      () => tracker.acked(seq, false),
    );
  });
  await settled(tracker, first, performance.now(), plan.graceMs);
  const flights = tracker.since(first);
  const delivered = flights.filter((f) => f.deliveredAt !== undefined);
  const latencies = (leg: Leg) => delivered.filter((f) => f.leg === leg).map((f) => f.deliveredAt! - f.firedAt);
  const acks = flights.filter((f) => f.leg === "to-whatsapp");
  // A POST still unanswered counts with the time it has waited so far: a lower bound, not a gap in the figures.
  const now = performance.now();
  const ackTimes = acks.map((f) => f.ackMs ?? now - f.firedAt);
  const ack = summary(ackTimes);
  const lastDelivery = delivered.reduce((last, f) => Math.max(last, f.deliveredAt!), startedAt);
  const elapsedMs = lastDelivery - startedAt;
  return {
    sent: flights.length,
    delivered: delivered.length,
    lost: flights.length - delivered.length,
    duplicates: tracker.duplicates - duplicatesBefore,
    toSlack: summary(latencies("to-slack")),
    toWhatsApp: summary(latencies("to-whatsapp")),
    ackP50: ack.p50,
    ackP99: ack.p99,
    ackFailures: acks.filter((f, k) => f.ackOk !== true || ackTimes[k]! > SLACK_ACK_DEADLINE_MS).length,
    achievedRate: elapsedMs > 0 ? (delivered.length * 1000) / elapsedMs : 0,
    elapsedMs,
  };
}

export interface HandoffFigures {
  handoffs: number;
  cardsPosted: number;
  latency: LatencySummary;
}

/** `chatIds.length` customers ask for a person at the same moment; each is timed to its card. */
export async function runHandoffs(
  instance: BenchInstance,
  chatIds: string[],
  graceMs: number,
  tracker: DeliveryTracker,
): Promise<HandoffFigures> {
  const first = tracker.lastSeq;
  for (const chatId of chatIds) instance.customerSays(chatId, "HUMAN", `Bench Customer ${benchToken(tracker.fire("handoff"))}`);
  await settled(tracker, first, performance.now(), graceMs);
  const posted = tracker.since(first).filter((f) => f.deliveredAt !== undefined);
  return { handoffs: chatIds.length, cardsPosted: posted.length, latency: summary(posted.map((f) => f.deliveredAt! - f.firedAt)) };
}
