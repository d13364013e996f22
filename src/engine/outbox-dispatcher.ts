import { decideRetry, type DeliveryFailureKind, type RetryPolicy } from "../../routing/retry-policy.js";
import type { AuditEvent } from "../domain/audit.js";
import type { Conversation } from "../domain/conversation.js";
import { isWarmlineError } from "../domain/errors.js";
import type { Clock } from "../ports/clock.js";
import type { DeliveryAttempt } from "../ports/customer-channel.js";
import type { Logger } from "../ports/logger.js";
import {
  type Completion,
  isIdempotentEffect,
  type LaneLease,
  type LaneTake,
  type NewOutboxItem,
  type OutboxItem,
  type OutboxStore,
  type ItemCompletion,
  type StartAttempt,
} from "../ports/outbox.js";
import { createLaneWorkers } from "./lane-workers.js";

/** A lane's lease lapses this long after its last renewal, so a crashed instance's lanes are taken over. */
export const LANE_LEASE_TTL_MS = 30_000;
/** Renewed this often while a lane is being delivered: two renewals can fail before the lease lapses. */
export const LANE_LEASE_RENEW_MS = 10_000;
/** How often every lane is looked at, so a lane another instance handed over (or left to retry) is picked up. */
export const OUTBOX_POLL_INTERVAL_MS = 1_000;

export interface OutboxDispatcherDeps {
  outbox: OutboxStore;
  /** This instance's lease holder id: unique among the instances sharing the store, stable across its restarts. */
  instanceId: string;
  /**
   * Performs the item's effect; throws (ideally a WarmlineError with `delivery` info) when it did not happen.
   * A delivery that records what it did in a commit may complete the item there (`completion`, given to the commit).
   */
  deliver(item: OutboxItem, attempt: DeliveryAttempt, completion: ItemCompletion): Promise<void>;
  /** Whether the item's channel can take it now; when not, it waits without using an attempt. */
  canDeliver?(item: OutboxItem): boolean;
  /** The item was parked as failed: make it visible. */
  onFailed(item: OutboxItem, reason: string): Promise<void>;
  /** Hears of items once they are stored (committed or enqueued), before any of them is delivered. */
  onQueued?(items: readonly NewOutboxItem[]): void;
  policy: RetryPolicy;
  /** The policy for one item, when some effects retry differently (a card gives up sooner when a fallback route exists). */
  policyFor?(item: OutboxItem): RetryPolicy;
  clock: Clock;
  logger: Logger;
}

export interface OutboxDispatcher {
  /**
   * OutboxStore.commit, then delivery of the items it queued. When no worker runs the first item's lane
   * here, the commit takes that lane for the worker it starts, in the same write (commitTakingLane): one
   * store operation less than committing, then taking. A worker already running holds the lane's lease,
   * so then it is a plain commit, and the worker runs again.
   */
  commitAndDeliver(
    next: Conversation,
    expectedVersion: number,
    items: NewOutboxItem[],
    audit: AuditEvent[],
    completing?: Completion,
  ): Promise<Conversation | undefined>;
  /** OutboxStore.enqueue (items no change of a conversation queues: notices, failure marks), then delivery of their lanes. */
  enqueueAndDeliver(items: NewOutboxItem[]): Promise<void>;
  /** Delivers what is due in every lane (in-flight items of an earlier run too), then keeps polling for lanes handed over. */
  start(): Promise<void>;
  /** Delivers what is due: in one lane, or (no lane) in every lane, picking up in-flight items after a restart. */
  kick(lane?: string): Promise<void>;
  /** Resolves once the lane has nothing it can deliver right now (empty, or waiting for a retry). */
  settled(lane: string): Promise<void>;
  /** Resolves once no lane is delivering. */
  idle(): Promise<void>;
  /** Stops new attempts and timers, then waits for attempts under way. */
  stop(): Promise<void>;
}

/**
 * Delivers each lane (conversation) strictly in order, lanes in parallel. An item is marked in
 * flight before its attempt, so after a crash the next attempt knows it is in doubt and the adapter
 * looks for the earlier copy instead of sending twice; an idempotent effect (isIdempotentEffect) is
 * simply done again, so it is not marked.
 *
 * Several instances may share the store: a lane is delivered only under its lease, so one instance
 * at a time works it. An instance hands a lane over (releases it without touching the item) when
 * its head needs a channel this instance cannot use, e.g. WhatsApp paired on another instance.
 */
export function createOutboxDispatcher(deps: OutboxDispatcherDeps): OutboxDispatcher {
  const { outbox, clock, policy, instanceId } = deps;
  const log = deps.logger.child({ component: "outbox", instanceId });
  const policyOf = (item: OutboxItem): RetryPolicy => deps.policyFor?.(item) ?? policy;
  /** An outbox lane's lease is named after the lane. */
  const leaseOf = (lane: string): LaneLease => ({ name: lane, holder: instanceId });
  const lanes = createLaneWorkers(
    clock,
    (lane) => runLane(lane),
    (lane, error) =>
      log.error({ lane, err: describe(error) }, "The outbox could not read or update its store; the lane waits for the next tick"),
  );
  const { startLane, wakeAt, looking } = lanes;

  /** A head this instance cannot send, still within its give-up time: it waits for whoever can. */
  function waitsForChannel(head: OutboxItem, now: number): boolean {
    if (!deps.canDeliver || deps.canDeliver(head)) return false;
    return decideRetry({ kind: "unavailable", attempts: head.attempts, createdAt: head.createdAt, now, policy: policyOf(head) }).retry;
  }

  /**
   * Works a lane under its lease. Taking the lane reads its head and completing an item reads the
   * next, each in one store operation that also lets go of the lease when the lane is empty and marks
   * the head in flight when its attempt starts at once (starting): a lane with one item costs two
   * (take, complete), and one when the commit that queued it took the lane (`first`). On any other way
   * out the lease is released here.
   */
  async function runLane(lane: string, first?: Head): Promise<void> {
    // Held elsewhere: that instance delivers the lane, or hands it over (see heldElsewhere).
    const taken = first ?? (await takeLane(lane));
    if (!taken.taken) return lanes.heldElsewhere(lane);
    if (taken.head === undefined) return;
    const hold = holdLease(lane);
    let letGo = false;
    try {
      letGo = await deliverLane(lane, { head: taken.head, start: taken.start }, hold);
    } finally {
      hold.stop();
      if (!letGo)
        await outbox.releaseLease(lane, instanceId).catch((error: unknown) => {
          log.warn({ lane, err: describe(error) }, "Could not release an outbox lane; it passes to another instance when its lease lapses");
        });
    }
  }

  /**
   * What a read of a lane's head saves with it (StartAttempt): the head in flight as of the read, when its attempt
   * starts at once (it is due and this instance can send it) and needs the mark (not idempotent). The answer
   * for an item is kept, so the worker's second ask agrees with the store's though the channel came or went.
   */
  function starting(): StartAttempt {
    let asked: { id: string; started: OutboxItem | undefined } | undefined;
    return (head) => {
      if (asked?.id !== head.id) {
        // Read now, as the store reads the head: after the item before it was done, as firstAttemptAt must be.
        const now = clock.now();
        const starts = head.notBefore <= now && !isIdempotentEffect(head.effect) && deps.canDeliver?.(head) !== false;
        asked = { id: head.id, started: starts ? inFlight(head, now) : undefined };
      }
      return asked.started;
    };
  }

  /** Takes the lane with its head. looking() comes first: a start before it is seen by this read. */
  async function takeLane(lane: string): Promise<Head> {
    looking(lane);
    const start = starting();
    return { ...(await outbox.takeOutboxLane(lane, leaseOf(lane), LANE_LEASE_TTL_MS, start)), start };
  }

  /** The head of a lane taken again mid-run (an item parked, or gone): no head when it was let go, or is another's now. */
  async function nextByTaking(lane: string): Promise<Next> {
    const taken = await takeLane(lane);
    return { head: taken.taken ? taken.head : undefined, start: taken.start };
  }

  /**
   * Keeps the lane's lease while its worker runs: renewed on a timer (a delivery can take long) and,
   * by the store's clock, before each item. Once a renewal fails the lease may be someone else's, so
   * the worker stops before its next item; an attempt already under way is left in flight, in doubt.
   */
  function holdLease(lane: string) {
    let renewedAt = clock.now();
    let lost = false;
    let done = false;
    let renewing: Promise<void> | undefined;
    const renew = (): Promise<void> =>
      (renewing ??= (async () => {
        const at = clock.now();
        const held = await outbox.renewLease(lane, instanceId, LANE_LEASE_TTL_MS).catch((error: unknown) => {
          log.warn({ lane, err: describe(error) }, "Could not renew an outbox lane's lease");
          return false;
        });
        if (held) renewedAt = at;
        else if (!done && !lost) log.warn({ lane }, "Lost an outbox lane's lease; this instance stops delivering the lane");
        lost ||= !held;
      })().finally(() => (renewing = undefined)));
    const timer = setInterval(() => void renew(), LANE_LEASE_RENEW_MS);
    timer.unref?.();
    return {
      /** Whether the next item may start: renews first when a renewal is due. */
      async held(): Promise<boolean> {
        if (!lost && clock.now() - renewedAt >= LANE_LEASE_RENEW_MS) await renew();
        return !lost;
      },
      stop(): void {
        done = true;
        clearInterval(timer);
      },
    };
  }

  /**
   * Delivers the lane from `first` on, in order. True when the lease is no longer to be released: a
   * complete or a take found the lane empty and let it go, or a take found it another holder's.
   */
  async function deliverLane(lane: string, first: Next & { head: OutboxItem }, hold: { held(): Promise<boolean> }): Promise<boolean> {
    let next: Next = first;
    while (next.head !== undefined) {
      const item: OutboxItem = next.head;
      // The in-flight copy the read that found the item saved with it, if it did (see starting).
      const started = next.start?.(item);
      if (lanes.stopped || !(await hold.held())) {
        // Stopping: the item waits unattempted, not in doubt. A lost lease may be another's now: leave it be.
        if (started && lanes.stopped) await outbox.saveOutboxItem(item);
        return false;
      }
      const now = clock.now();
      if (!started && item.notBefore > now) {
        wakeAt(lane, item.notBefore);
        return false;
      }
      if (deps.canDeliver && !deps.canDeliver(item)) {
        // Leave the item as it was (no backoff, no attempt) so the instance that can send it goes at once.
        if (waitsForChannel(item, now)) {
          if (started) await outbox.saveOutboxItem(item);
          return false;
        }
        if (!(await failed(item, { retry: "unavailable" }, "the channel is not connected", item.attempts))) return false;
        next = await nextByTaking(lane);
        continue;
      }
      const attempt = started ?? inFlight(item, now);
      // An idempotent effect needs no in-doubt look after a crash, so no in-flight write: one store transaction less.
      if (!started && !isIdempotentEffect(item.effect) && !(await outbox.saveOutboxItem(attempt))) {
        next = await nextByTaking(lane);
        continue;
      }
      const completion: ItemCompletion = { item, lease: leaseOf(lane), start: starting() };
      try {
        // Any earlier attempt may have got through (a crash mid-send, a timeout after Slack posted).
        const inDoubt = item.lastAttemptAt !== undefined;
        // Before the delivery: one that records what it did reads the lane's next head in that commit.
        looking(lane);
        await deps.deliver(attempt, { key: item.id, inDoubt, since: item.firstAttemptAt ?? item.createdAt }, completion);
        // Completed by the commit that recorded the delivery, or now.
        const head = completion.done ? completion.done.next : await outbox.completeOutboxItem(item, leaseOf(lane), completion.start);
        next = { head, start: completion.start };
      } catch (error) {
        // Its commit completed it: what failed after that changes nothing delivered.
        if (completion.done) {
          log.warn(
            { lane, item: item.id, err: describe(error) },
            "A delivery failed after it was recorded and completed; the lane goes on",
          );
          next = { head: completion.done.next, start: completion.start };
          continue;
        }
        const info = classify(error);
        const attempts = item.attempts + (info.retry === "transient" || info.retry === "permanent" ? 1 : 0);
        if (!(await failed(attempt, info, describe(error), attempts))) return false;
        next = await nextByTaking(lane);
      }
    }
    return true;
  }

  /** Records a failed attempt; returns true when the lane should move on (the item was parked). */
  async function failed(
    item: OutboxItem,
    info: { retry: DeliveryFailureKind; retryAfterMs?: number },
    reason: string,
    attempts: number,
  ): Promise<boolean> {
    const now = clock.now();
    const decision = decideRetry({
      kind: info.retry,
      attempts,
      retryAfterMs: info.retryAfterMs,
      createdAt: item.createdAt,
      now,
      policy: policyOf(item),
      jitterKey: `${item.id}#${attempts}`,
    });
    const context = { lane: item.lane, item: item.id, effect: item.effect.kind, attempts, failure: info.retry };
    if (decision.retry) {
      log.warn({ ...context, retryInMs: decision.at - now }, `Delivery failed; retrying: ${reason}`);
      await outbox.saveOutboxItem({ ...item, status: "pending", attempts, notBefore: decision.at, lastError: reason });
      wakeAt(item.lane, decision.at);
      return false;
    }
    const parked: OutboxItem = { ...item, status: "failed", attempts, lastError: `${reason} (${decision.why})` };
    log.error(context, `Delivery failed for good (${decision.why}); kept for replay: ${reason}`);
    if (await outbox.saveOutboxItem(parked)) {
      if (!item.quiet)
        await deps
          .onFailed(parked, parked.lastError!)
          .catch((error: unknown) => log.error({ ...context, err: describe(error) }, "Could not report a failed delivery"));
    }
    return true;
  }

  async function kick(lane?: string): Promise<void> {
    if (lanes.stopped) return;
    if (lane !== undefined) return startLane(lane);
    try {
      const now = clock.now();
      // Only lanes this instance can move now: the rest would take a lease just to give it back.
      const due = (await outbox.outboxHeads()).filter((head) => head.notBefore <= now && !waitsForChannel(head, now)).map((h) => h.lane);
      // Nor lanes another instance is working: trying each would fail, and with two instances polling
      // every lane those failed tries were most of the store's traffic. A dead holder's lanes come back
      // here once their leases lapse.
      const held = await outbox.leasedByOthers(due, instanceId);
      for (const lane of due) if (!held.has(lane)) startLane(lane);
    } catch (error) {
      log.error({ err: describe(error) }, "The outbox could not list its lanes; retrying on the next tick");
    }
  }

  /** What a commit's items need: their lanes' workers started, or run again. */
  function kickLanesOf(items: NewOutboxItem[], taken?: string): void {
    for (const lane of new Set(items.map((item) => item.lane))) if (lane !== taken) startLane(lane);
  }

  /** Stored items, before their lanes are started: onQueued is told first. */
  function queued(items: NewOutboxItem[]): void {
    deps.onQueued?.(items);
    kickLanesOf(items);
  }

  async function commitAndDeliver(
    next: Conversation,
    expectedVersion: number,
    items: NewOutboxItem[],
    audit: AuditEvent[],
    completing?: Completion,
  ): Promise<Conversation | undefined> {
    const lane = items[0]?.lane;
    if (lane === undefined || lanes.stopped || lanes.running(lane) || lanes.full()) {
      const written = await outbox.commit(next, expectedVersion, items, audit, completing);
      if (written) queued(items);
      return written;
    }
    const start = starting();
    const committed = outbox.commitTakingLane(
      next,
      expectedVersion,
      items,
      audit,
      { lane, lease: leaseOf(lane), ttlMs: LANE_LEASE_TTL_MS, start },
      completing,
    );
    // The worker starts now, so a commit meanwhile finds it running (and runs it again) instead of taking the lane too.
    startLane(lane, () =>
      committed.then(
        // A lost compare-and-set queued nothing and took nothing: the worker has nothing to do.
        (receipt) => {
          if (!receipt) return;
          deps.onQueued?.(items);
          return runLane(lane, { ...receipt.take, start });
        },
        // A failed write may still have landed (a timeout): the worker looks for itself.
        () => runLane(lane),
      ),
    );
    const receipt = await committed;
    if (receipt) kickLanesOf(items, lane);
    return receipt?.conversation;
  }

  return {
    commitAndDeliver,
    async enqueueAndDeliver(items) {
      await outbox.enqueue(items);
      queued(items);
    },
    async start() {
      await kick();
      lanes.poll(kick, OUTBOX_POLL_INTERVAL_MS);
    },
    kick,
    settled: lanes.settled,
    idle: lanes.idle,
    stop: lanes.stop,
  };
}

/** A lane's head as a read of it found it, with the `start` that read was given (to learn whether it saved the head in flight). */
interface Next {
  head: OutboxItem | undefined;
  start?: StartAttempt;
}

/** A take of a lane, with its `start`, as Next. */
type Head = LaneTake<OutboxItem> & { start?: StartAttempt };

/** The item as its attempt at `now` starts: in flight, so after a crash the next attempt knows it is in doubt. */
function inFlight(item: OutboxItem, now: number): OutboxItem {
  return { ...item, status: "in_flight", lastAttemptAt: now, firstAttemptAt: item.firstAttemptAt ?? now };
}

function classify(error: unknown): { retry: DeliveryFailureKind; retryAfterMs?: number } {
  if (isWarmlineError(error) && error.delivery) return error.delivery;
  if (isWarmlineError(error, "channel_unavailable")) return { retry: "unavailable" };
  if (isWarmlineError(error, "bad_id") || isWarmlineError(error, "input_invalid")) return { retry: "permanent" };
  return { retry: "transient" };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
