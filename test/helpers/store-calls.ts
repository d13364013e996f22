import type { Completion, OutboxItem, StartAttempt, WarmlineStore } from "../../src/ports/outbox.js";

/**
 * Records each call of the named store methods, in order, by name: which way a component used the store.
 * The stores take a method assigned to them in place of their own (see withInbox).
 */
export function recordStoreCalls(store: WarmlineStore, names: readonly (keyof WarmlineStore)[]): string[] {
  const calls: string[] = [];
  const methods = store as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  for (const name of names) {
    const original = methods[name]!.bind(store);
    methods[name] = (...args: unknown[]) => {
      calls.push(name);
      return original(...args);
    };
  }
  return calls;
}

/**
 * The effect kinds of the outbox items marked in flight from now on, in order, whichever way the mark was
 * written: saved on its own (saveOutboxItem), or with the read that found the item (a take's StartAttempt).
 */
export function recordInFlightMarks(store: WarmlineStore): () => string[] {
  const marks = new Map<string, string>();
  const mark = (item: OutboxItem | undefined) => {
    if (item?.status === "in_flight") marks.set(`${item.id}@${item.lastAttemptAt}`, item.effect.kind);
  };
  // The worker asks a start again to learn what the store saved: the same mark, recorded once.
  const watched = (start: StartAttempt | undefined): StartAttempt | undefined =>
    start &&
    ((head) => {
      const started = start(head);
      mark(started);
      return started;
    });
  const save = store.saveOutboxItem.bind(store);
  store.saveOutboxItem = (item) => {
    mark(item);
    return save(item);
  };
  const take = store.takeOutboxLane.bind(store);
  store.takeOutboxLane = (lane, lease, ttlMs, start) => take(lane, lease, ttlMs, watched(start));
  const complete = store.completeOutboxItem.bind(store);
  store.completeOutboxItem = (item, lease, start) => complete(item, lease, watched(start));
  // An item's completion is the dispatcher's own object (the commit reports back in it): watched in place.
  const watchCompletion = (completing: Completion | undefined) => {
    if (completing && "item" in completing) completing.start = watched(completing.start);
  };
  const commitTakingLane = store.commitTakingLane.bind(store);
  store.commitTakingLane = (next, expectedVersion, items, audit, lane, completing) => {
    watchCompletion(completing);
    return commitTakingLane(next, expectedVersion, items, audit, { ...lane, start: watched(lane.start) }, completing);
  };
  const commit = store.commit.bind(store);
  store.commit = (next, expectedVersion, items, audit, completing) => {
    watchCompletion(completing);
    return commit(next, expectedVersion, items, audit, completing);
  };
  return () => [...marks.values()];
}
