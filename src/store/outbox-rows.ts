import type { OutboxItem, StartAttempt } from "../ports/outbox.js";
import type { OutboxRow, OutboxWrite, StartRow } from "./store-backend.js";

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
