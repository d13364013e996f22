/**
 * Copy-on-write for conversations. A new version shares its transcript entries with the version it
 * was made from, so a change costs the same at 10 entries as at 1,000: entries are frozen as they are
 * committed (sealEntries), and an edit replaces the entry in its slot (replaceEntry) instead of changing it. Stores rely on
 * it: an entry identical (===) to the previous version's is unchanged, so only new and replaced
 * entries need writing. The rest of a conversation (customer, escalations, survey) is small and is
 * copied whole, so a change may still edit it in place.
 */
import type { Conversation, TranscriptEntry } from "./conversation.js";

/**
 * A copy of `c` a change may edit: its own transcript array over the shared entries, last as before.
 * Copied key by key rather than through a rest pattern and spreads, which cost more than the copy
 * itself (every engine write makes one).
 */
export function draftOf(c: Conversation): Conversation {
  const copy: Record<string, unknown> = {};
  for (const key in c) if (key !== "transcript") copy[key] = cloneData(c[key as keyof Conversation]);
  copy.transcript = c.transcript.slice();
  return copy as unknown as Conversation;
}

/**
 * A deep copy of plain data (what a store keeps as JSON), several times faster than structuredClone on
 * small objects. for-in reads the same keys as Object.keys here (plain data inherits no enumerable keys)
 * without building an array of them for every object.
 */
function cloneData<T>(value: T): T {
  if (typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) {
    const copy: unknown[] = [];
    for (const item of value) copy.push(cloneData(item));
    return copy as T;
  }
  const copy: Record<string, unknown> = {};
  for (const key in value) copy[key] = cloneData((value as Record<string, unknown>)[key]);
  return copy as T;
}

/**
 * Freezes, nested parts included, the entries of `next` that `previous` did not have in that slot
 * (added or replaced): one identity check per entry, so it costs the same at any transcript length.
 * An entry a store hands back as it was committed is then frozen, and an edit in place throws
 * (modules are strict) instead of silently changing an earlier version.
 */
export function sealEntries(next: Conversation, previous: Conversation): void {
  const before = previous.transcript;
  next.transcript.forEach((entry, i) => {
    if (entry !== before[i] && !Object.isFrozen(entry)) deepFreeze(entry);
  });
}

/** Replaces the entry `id` (the latest with it) with a copy carrying `edit`; the new entry, or undefined when there is none. */
export function replaceEntry(c: Conversation, id: string, edit: Partial<Omit<TranscriptEntry, "id">>): TranscriptEntry | undefined {
  const index = c.transcript.findLastIndex((entry) => entry.id === id);
  if (index < 0) return undefined;
  const replaced = { ...c.transcript[index]!, ...edit };
  c.transcript[index] = replaced;
  return replaced;
}

function deepFreeze(value: object): void {
  Object.freeze(value);
  for (const inner of Object.values(value)) if (typeof inner === "object" && inner !== null && !Object.isFrozen(inner)) deepFreeze(inner);
}
