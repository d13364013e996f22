import { createHash } from "node:crypto";
import { decideRetry, type DeliveryFailureKind, type RetryPolicy } from "../../routing/retry-policy.js";
import { isWarmlineError, WarmlineError } from "../domain/errors.js";
import type { Clock } from "../ports/clock.js";
import type { InboxCompletion, InboxEntry, InboxStore, NewInboxEntry } from "../ports/inbox.js";
import type { Logger } from "../ports/logger.js";
import type { LaneLease, LaneLeaseStore, LaneTake } from "../ports/outbox.js";
import { LANE_LEASE_RENEW_MS, LANE_LEASE_TTL_MS, OUTBOX_POLL_INTERVAL_MS } from "./outbox-dispatcher.js";
import { createLaneWorkers } from "./lane-workers.js";

/**
 * What ops notices and `/warmline replay` call a parked entry. Its id can hold the customer's number
 * (a WhatsApp Web message id names the chat), which the masking gate rightly hides in Slack, leaving
 * nothing to type; this handle holds nothing personal and survives masking (src/domain/pii.ts).
 */
export function replayHandleOf(entryId: string): string {
  return `inbox_${createHash("sha256").update(entryId).digest("hex").slice(0, 16)}`;
}

/** How often a hold looks again at a lane a worker still has. */
const HOLD_RETRY_MS = 25;

/** How long the store remembers a processed message's id, so a late redelivery or an overlapping catch-up is a no-op. */
export const INBOX_REMEMBER_MS = 14 * 24 * 60 * 60 * 1000;

export interface InboxProcessorDeps {
  inbox: InboxStore & LaneLeaseStore;
  /** This instance's lease holder id (the outbox's). */
  instanceId: string;
  /**
   * Handles one entry; throws when it must be tried again (a WarmlineError's `delivery` says how). A processing
   * that records the entry in one commit may complete it there (`completion`, given to the commit).
   */
  process(entry: InboxEntry, completion: InboxCompletion): Promise<void>;
  /** The entry was parked after its retries: make it visible. */
  onParked(entry: InboxEntry, reason: string): Promise<void>;
  policy: RetryPolicy;
  clock: Clock;
  logger: Logger;
}

export interface InboxProcessor {
  /** Stores the entry (once: false when its id was received before) and starts its lane. */
  receive(entry: NewInboxEntry): Promise<boolean>;
  /** Processes what is due in every lane, what an earlier process left too, then keeps polling. */
  start(): Promise<void>;
  kick(lane?: string): Promise<void>;
  /** Resolves once the lane has nothing this instance can process right now. */
  settled(lane: string): Promise<void>;
  idle(): Promise<void>;
  /** Puts parked entries back in their lanes; returns how many. */
  replayFailed(id?: string): Promise<number>;
  /**
   * Runs `work` with the lanes held: it starts once no worker, here or on another instance, is
   * processing any of them, and none starts until it ends (erasure: a message being processed
   * would otherwise recreate what is being erased). Throws when a lane stays busy for a lease's life.
   */
  holdLanes<T>(lanes: string[], work: () => Promise<T>): Promise<T>;
  stop(): Promise<void>;
}

/**
 * Processes the inbox: each lane (a customer, a thread) strictly in order, lanes in parallel, one
 * instance at a time per lane (a lease, as for the outbox). An entry is marked processed only after
 * its processing committed; processing is idempotent (the engine recognises a message it has by
 * its id), so a crash in between processes it again to no effect.
 */
export function createInboxProcessor(deps: InboxProcessorDeps): InboxProcessor {
  const { inbox, clock, policy, instanceId } = deps;
  const log = deps.logger.child({ component: "inbox", instanceId });
  const leaseName = (lane: string) => `inbox:${lane}`;
  const lanes = createLaneWorkers(
    clock,
    (lane) => runLane(lane),
    (lane, error) =>
      log.error({ lane, err: describe(error) }, "The inbox could not read or update its store; the lane waits for the next poll"),
  );
  const { startLane, wakeAt, looking } = lanes;

  /** This instance's lease on an inbox lane, named apart from the outbox's lane of the same name. */
  const leaseOf = (lane: string): LaneLease => ({ name: leaseName(lane), holder: instanceId });

  /**
   * Works a lane under its lease. Taking the lane reads its head and completing an entry reads the
   * next, each in one store operation that also lets go of the lease when the lane is empty: a lane
   * with one message costs two, or one more than its receive when the receive took the lane (`first`:
   * undefined when that failed, and the worker takes the lane itself), or none more when the commit
   * that records the message completes it. On any other way out the lease is released here.
   */
  async function runLane(lane: string, first?: Promise<LaneTake<InboxEntry> | undefined>): Promise<void> {
    const lease = leaseOf(lane);
    // looking() just before each operation that reads the head: a start before it is seen by that read.
    const take = async () => {
      looking(lane);
      return inbox.takeInboxLane(lane, lease, LANE_LEASE_TTL_MS);
    };
    const taken = (await first) ?? (await take());
    if (!taken.taken) return lanes.heldElsewhere(lane);
    /** Undefined once the lane is let go (found empty) or lost: then there is nothing to release. */
    let head = taken.head;
    let renewedAt = clock.now();
    try {
      while (head !== undefined && !lanes.stopped) {
        // Renewed between entries (each is quick); a lost lease means another instance has the lane now.
        if (clock.now() - renewedAt >= LANE_LEASE_RENEW_MS) {
          if (!(await inbox.renewLease(lease.name, instanceId, LANE_LEASE_TTL_MS))) return;
          renewedAt = clock.now();
        }
        if (head.notBefore > clock.now()) return wakeAt(lane, head.notBefore);
        const completion: InboxCompletion = { entry: head, lease };
        try {
          // Before processing: a commit that records the entry may complete it and read the lane's next head.
          looking(lane);
          await deps.process(head, completion);
        } catch (error) {
          // Its commit completed it: processing it again would find the message recorded and do nothing, so the
          // lane goes on. (The paths that complete in their commit do nothing after it that could throw.)
          if (completion.done) {
            log.warn(
              { lane, entry: head.id, err: describe(error) },
              "Processing failed after it was recorded and completed; the lane goes on",
            );
            head = completion.done.next;
            continue;
          }
          if (!(await failed(head, error))) return;
          // Parked: the lane moves on. Taking it again (the lease is ours) reads the next head.
          const again = await take();
          head = again.taken ? again.head : undefined;
          continue;
        }
        // Completed by the commit that recorded it, or now.
        if (completion.done) head = completion.done.next;
        else {
          looking(lane);
          head = await inbox.completeInboxEntry(head, lease);
        }
      }
    } finally {
      if (head !== undefined)
        await inbox.releaseLease(lease.name, instanceId).catch((error: unknown) => {
          log.warn({ lane, err: describe(error) }, "Could not release an inbox lane; it passes to another instance when its lease lapses");
        });
    }
  }

  /** Records a failed processing; true when the lane moves on (the entry was parked). */
  async function failed(entry: InboxEntry, error: unknown): Promise<boolean> {
    const kind: DeliveryFailureKind = isWarmlineError(error) && error.delivery ? error.delivery.retry : "transient";
    const attempts = entry.attempts + (kind === "transient" || kind === "permanent" ? 1 : 0);
    const now = clock.now();
    const reason = describe(error);
    const decision = decideRetry({ kind, attempts, createdAt: entry.receivedAt, now, policy, jitterKey: `${entry.id}#${attempts}` });
    const context = { lane: entry.lane, entry: entry.id, kind: entry.message.kind, attempts };
    if (decision.retry) {
      log.warn({ ...context, retryInMs: decision.at - now }, `Processing a received message failed; retrying: ${reason}`);
      await inbox.saveInboxEntry({ ...entry, attempts, notBefore: decision.at, lastError: reason });
      wakeAt(entry.lane, decision.at);
      return false;
    }
    const parked: InboxEntry = { ...entry, status: "failed", attempts, lastError: `${reason} (${decision.why})` };
    log.error(context, `Processing a received message failed for good (${decision.why}); kept for replay: ${reason}`);
    if (await inbox.saveInboxEntry(parked))
      await deps
        .onParked(parked, parked.lastError!)
        .catch((e: unknown) => log.error({ ...context, err: describe(e) }, "Could not report it"));
    return true;
  }

  async function kick(lane?: string): Promise<void> {
    if (lanes.stopped) return;
    if (lane !== undefined) return startLane(lane);
    try {
      const now = clock.now();
      const due = (await inbox.inboxHeads()).filter((head) => head.notBefore <= now).map((head) => head.lane);
      // Lanes another instance is working are its own (as in the outbox's poll); a dead holder's come back once their leases lapse.
      const held = await inbox.leasedByOthers(due.map(leaseName), instanceId);
      for (const lane of due) if (!held.has(leaseName(lane))) startLane(lane);
    } catch (error) {
      log.error({ err: describe(error) }, "The inbox could not list its lanes; retrying on the next poll");
    }
  }

  return {
    async receive(entry) {
      const { lane } = entry;
      // A worker already on the lane has (or is taking) its lease: the entry joins its lane, and the worker runs again.
      // So does a lane that must wait its turn (all workers busy): it takes its lease when it runs.
      if (lanes.stopped || lanes.running(lane) || lanes.full()) {
        const received = await inbox.receiveInbox(entry, INBOX_REMEMBER_MS);
        // A copy of an entry still waiting (a redelivery after a restart) is a reason to look at its lane too.
        startLane(lane);
        return received;
      }
      // Otherwise the worker starts now (so a receive after this one finds it running) from the lane as the
      // receive's own write took it: one store operation less than storing, then taking. A hold or another
      // instance's lease makes the take fail there as it would in the worker.
      const receipt = inbox.receiveInboxTakingLane(entry, INBOX_REMEMBER_MS, leaseOf(lane), LANE_LEASE_TTL_MS);
      startLane(lane, () =>
        runLane(
          lane,
          receipt.then(
            (r) => r.take,
            () => undefined,
          ),
        ),
      );
      return (await receipt).received;
    },
    async start() {
      await kick();
      lanes.poll(kick, OUTBOX_POLL_INTERVAL_MS);
    },
    kick,
    settled: lanes.settled,
    idle: lanes.idle,
    async replayFailed(id) {
      const wanted = (e: InboxEntry) => id === undefined || e.id === id || replayHandleOf(e.id) === id;
      const parked = (await inbox.listInbox()).filter((e) => e.status === "failed" && wanted(e));
      for (const entry of parked) {
        await inbox.saveInboxEntry({ ...entry, status: "pending", attempts: 0, notBefore: 0, receivedAt: clock.now() });
        startLane(entry.lane);
      }
      return parked.length;
    },
    async holdLanes(held, work) {
      // Not the workers' holder id: a lease is the holder's own to take again, so the hold must be someone else.
      const holder = `${instanceId}:hold`;
      const taken: string[] = [];
      try {
        for (const lane of new Set(held)) {
          for (let waited = 0; !(await inbox.acquireLease(leaseName(lane), holder, LANE_LEASE_TTL_MS)); waited += HOLD_RETRY_MS) {
            // A dead instance's lease lapses within its life; a live worker lets go once its lane is done.
            if (waited >= LANE_LEASE_TTL_MS)
              throw new WarmlineError(
                "store_conflict",
                `The inbox lane ${lane} stayed busy for ${LANE_LEASE_TTL_MS / 1000} s, so it could not be held: try again once its messages are processed.`,
              );
            await new Promise((resolve) => setTimeout(resolve, HOLD_RETRY_MS));
          }
          taken.push(lane);
        }
        return await work();
      } finally {
        for (const lane of taken) {
          await inbox.releaseLease(leaseName(lane), holder).catch((error: unknown) => {
            log.warn({ lane, err: describe(error) }, "Could not release a held inbox lane; it comes back when its lease lapses");
          });
          // What arrived while it was held waits for no poll.
          startLane(lane);
        }
      }
    },
    stop: lanes.stop,
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
