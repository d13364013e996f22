import type { Completion, ItemCompletion } from "../ports/outbox.js";
import type { InboxSteps } from "./inbox-store.js";
import type { OutboxRows } from "./outbox-rows.js";
import type { CommitAppends, OutboxRow } from "./store-backend.js";

/** What a commit's completion adds to its compare-and-set, and the report to the completion once the write has landed. */
export interface CommitCompletion {
  appends: Pick<CommitAppends, "complete" | "inboxStep" | "inboxScript">;
  settle(): void;
}

/**
 * A commit's completion as the backend's appends: an outbox item's as `complete`, an inbox entry's as the store's
 * inbox makes it (`inboxSteps`: a step or a script's part). Undefined when there is nothing to complete, or the inbox
 * cannot join the write: the completion's `done` then stays unset, and its worker completes it apart.
 */
export function completionOf(
  completing: Completion | undefined,
  inboxSteps: InboxSteps | undefined,
  outboxRows: OutboxRows,
): CommitCompletion | undefined {
  if (completing === undefined) return undefined;
  if ("item" in completing) return itemCompletionOf(completing, outboxRows);
  return inboxSteps?.(completing);
}

/** What the backend reports goes to the item's `done` as the item it holds, read once. */
function itemCompletionOf(completing: ItemCompletion, outboxRows: OutboxRows): CommitCompletion {
  const rows = outboxRows.starting(completing.start);
  let next: OutboxRow | undefined;
  return {
    appends: {
      complete: {
        id: completing.item.id,
        lane: completing.item.lane,
        lease: completing.lease,
        start: rows.start,
        done: (row) => {
          next = row;
        },
      },
    },
    settle() {
      completing.done = { next: next && rows.itemOf(next) };
    },
  };
}
