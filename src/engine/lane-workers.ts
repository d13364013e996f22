import type { Clock } from "../ports/clock.js";

/** A lane's wake-up is capped so a clock change or a long backoff is looked at again within a minute. */
const MAX_TIMER_MS = 60_000;
/** How soon a worker that found its lane held by another instance looks once more (see heldElsewhere). */
export const HANDOVER_LOOK_MS = 100;
/**
 * Lanes worked at once, per processor (the inbox's, the outbox's); past this a lane waits its turn, its work kept in the
 * store. With every lane worked at once, a relay past its capacity collapsed instead of saturating: at 500 @ 1,000 on
 * Redis 1,500 workers ran together, each store round trip waited behind all of them, the work in flight filled the
 * heap and GC took a quarter of the CPU (277–468 msg/s, thousands undelivered). 256 at once gave 500 msg/s with a
 * quarter undelivered; 128 and 64 gave 777 and 781 with none. Lanes waiting on Slack or WhatsApp (100–300 ms a
 * call) still carry 200–600 messages a second per processor, more than Slack or the Cloud API takes from one app; an
 * assistant waiting seconds on a model answers 64 conversations at once per instance.
 */
export const MAX_LANES_AT_ONCE = 64;

/**
 * The scheduling the outbox and the inbox share: one worker per lane at a time (a start while it runs
 * makes it run again, unless the worker looked at its lane after that start), wake-ups at a lane's
 * next due time, a poll, and a stop that waits for workers.
 */
export interface LaneWorkers {
  readonly stopped: boolean;
  /**
   * Starts the lane's worker, or makes the running one run again. `firstRun`, when given and no
   * worker runs, stands in for the worker's first run (one that starts from a take already under way).
   */
  startLane(lane: string, firstRun?: () => Promise<void>): void;
  /** Whether the lane's worker runs (or is about to): a start now only makes it run again. */
  running(lane: string): boolean;
  /**
   * Whether as many lanes as are worked at once (MAX_LANES_AT_ONCE) are: a caller then stores its work without taking
   * the lane, and starts the lane without a first run, so it waits its turn and takes its lease only when it runs.
   */
  full(): boolean;
  /**
   * Called by a worker just before the store operation that reads its lane's head (taking the lane,
   * completing an entry): a start before this (its work already committed) is seen by that read, so
   * it needs no second run. Under load most starts land while the lane's worker runs; without this
   * each would cost another take of the lane.
   */
  looking(lane: string): void;
  wakeAt(lane: string, at: number): void;
  /**
   * A worker found its lane's lease held by another instance. That one may be letting go without
   * looking again (it handed the lane over at a message it cannot send, or waits for a retry), never
   * to see what this instance has just stored for it: the lane is looked at once more shortly, rather
   * than at the next poll (up to a second later). A second miss in a row leaves the lane to its
   * holder, or to the poll. (A holder that finds its lane empty lets go in the same store operation,
   * so that one sees what was stored before it, and nothing stored after it finds the lane held.)
   */
  heldElsewhere(lane: string): void;
  /** Starts polling with `kick` every `everyMs`, once (after the caller's first kick). */
  poll(kick: () => Promise<void>, everyMs: number): void;
  settled(lane: string): Promise<void>;
  idle(): Promise<void>;
  stop(): Promise<void>;
}

export function createLaneWorkers(
  clock: Clock,
  runLane: (lane: string) => Promise<void>,
  onError: (lane: string, error: unknown) => void,
  maxAtOnce = MAX_LANES_AT_ONCE,
): LaneWorkers {
  const workers = new Map<string, Promise<void>>();
  /** Lanes started while full, in the order they were: each starts as a worker ends. */
  const waiting = new Set<string>();
  const rerun = new Set<string>();
  const full = () => workers.size >= maxAtOnce;
  const timers = new Map<string, ReturnType<typeof setTimeout>>();
  /** Lanes looked at again after a miss, for a few looks' time. */
  const relooking = new Set<string>();
  let poller: ReturnType<typeof setInterval> | undefined;
  let stopped = false;

  function startLane(lane: string, firstRun?: () => Promise<void>): void {
    if (stopped) return;
    if (workers.has(lane)) {
      rerun.add(lane);
      return;
    }
    // A first run holds its lane's lease already (its caller took it), so it never waits; callers only give one when not full.
    if (firstRun === undefined && full()) {
      waiting.add(lane);
      return;
    }
    waiting.delete(lane);
    let worker: Promise<void> | undefined;
    worker = (async () => {
      let run = firstRun ?? (() => runLane(lane));
      try {
        do {
          rerun.delete(lane);
          await run().catch((error: unknown) => onError(lane, error));
          run = () => runLane(lane);
        } while (rerun.has(lane) && !stopped);
      } finally {
        // In the same step as the last look at `rerun`: removed later (a .finally), a start landing between
        // would find this worker still registered, ask it to run again too late, and wait for the poll.
        if (workers.get(lane) === worker) workers.delete(lane);
        startWaiting();
      }
    })();
    workers.set(lane, worker);
  }

  /** The lanes waiting their turn, oldest first, while there is room. */
  function startWaiting(): void {
    for (const lane of waiting) {
      if (stopped || full()) return;
      startLane(lane);
    }
  }

  function wakeAt(lane: string, at: number): void {
    clearTimeout(timers.get(lane));
    const timer = setTimeout(
      () => {
        timers.delete(lane);
        startLane(lane);
      },
      Math.min(Math.max(at - clock.now(), 0), MAX_TIMER_MS),
    );
    timer.unref?.();
    timers.set(lane, timer);
  }

  return {
    get stopped() {
      return stopped;
    },
    startLane,
    running: (lane) => workers.has(lane) || waiting.has(lane),
    full,
    looking(lane) {
      rerun.delete(lane);
    },
    wakeAt,
    heldElsewhere(lane) {
      if (stopped) return;
      if (relooking.delete(lane)) return;
      relooking.add(lane);
      setTimeout(() => relooking.delete(lane), 3 * HANDOVER_LOOK_MS).unref?.();
      wakeAt(lane, clock.now() + HANDOVER_LOOK_MS);
    },
    poll(kick, everyMs) {
      if (stopped || poller) return;
      poller = setInterval(() => void kick(), everyMs);
      poller.unref?.();
    },
    async settled(lane) {
      // A waiting lane starts as some worker ends: there is one whenever a lane waits.
      while (workers.has(lane) || waiting.has(lane)) await (workers.get(lane) ?? Promise.race(workers.values()));
    },
    async idle() {
      while (workers.size > 0) await Promise.all([...workers.values()]);
    },
    async stop() {
      stopped = true;
      waiting.clear();
      clearInterval(poller);
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
      while (workers.size > 0) await Promise.all([...workers.values()]);
    },
  };
}
