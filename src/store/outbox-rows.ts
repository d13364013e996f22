import type { ItemCompletion, OutboxItem, StartAttempt } from "../ports/outbox.js";
import type { CommitAppends, OutboxRow, OutboxWrite, StartRow } from "./store-backend.js";

/** An outbox item as a backend stores it: its lane and open flag beside its JSON (without seq, which the backend assigns). */
export function outboxWrite(item: OutboxItem): OutboxWrite {
  const { seq: _seq, ...document } = item;
  return { id: item.id, lane: item.lane, open: item.status !== "failed", document: JSON.stringify(document) };
}

/** A stored row as the item it holds. */
export function outboxItemOf(row: OutboxRow): OutboxItem {
  return { ...(JSON.parse(row.document) as Omit<OutboxItem, "seq">), seq: row.seq };
}

/** A take's `start` as the backend's StartRow, and the reading of its rows as items: the head's document is parsed once. */
export function startingRows(start: StartAttempt | undefined): { start?: StartRow; itemOf(row: OutboxRow): OutboxItem } {
  if (start === undefined) return { itemOf: outboxItemOf };
  let read: { row: OutboxRow; item: OutboxItem } | undefined;
  return {
    start(row) {
      read = { row, item: outboxItemOf(row) };
      const started = start(read.item);
      return started && outboxWrite(started);
    },
    itemOf: (row) => (read?.row === row ? read.item : outboxItemOf(row)),
  };
}

/**
 * A commit's ItemCompletion as the backend's `complete`: what the backend reports goes to the completion's
 * `done` only once the write is known to have landed (settle), as the item it holds.
 */
export function completionOf(
  completing: ItemCompletion | undefined,
): { complete: NonNullable<CommitAppends["complete"]>; settle(): void } | undefined {
  if (completing === undefined) return undefined;
  const rows = startingRows(completing.start);
  let next: OutboxRow | undefined;
  return {
    complete: {
      id: completing.item.id,
      lane: completing.item.lane,
      lease: completing.lease,
      start: rows.start,
      done: (row) => {
        next = row;
      },
    },
    settle() {
      completing.done = { next: next && rows.itemOf(next) };
    },
  };
}
