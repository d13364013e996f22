import type { OutboxEffect, OutboxItem, StartAttempt } from "../ports/outbox.js";
import type { OutboxRow, OutboxWrite, StartRow } from "./store-backend.js";

/** How many context-carrying items written by this store are remembered with their documents (a few seconds of handoffs). */
const REMEMBERED_OUTBOX_ITEMS = 512;

/** Effects that carry a conversation's context package (several KB of JSON): the items worth remembering. */
const carriesContext = (effect: OutboxEffect): boolean => effect.kind === "post_card" || effect.kind === "update_card";

/**
 * Outbox items as a backend stores them, and back. An item is written when queued and again when
 * marked in flight, and read as its lane's head in between, usually within milliseconds and by this
 * process. A card's item holds its whole context package, so serialising it twice and parsing it
 * once was about a tenth of a handoff's work before its card was posted. So for items that carry a
 * context package each store remembers:
 * - the ones it wrote lately, by id with their documents: a row whose document is still the one
 *   written is read as that item, not parsed (a row another process wrote or changed is parsed);
 * - each effect's JSON while the effect lives: effects are never changed in place (a changed effect
 *   is a new object), so a rewrite of the item's delivery state does not serialise it again.
 * Other items (a relayed message, a reaction) are small: remembering them cost more than it saved.
 */
export class OutboxRows {
  private readonly written = new Map<string, { document: string; item: Omit<OutboxItem, "seq"> }>();
  private readonly effectJson = new WeakMap<OutboxEffect, string>();

  constructor(private readonly remembered = REMEMBERED_OUTBOX_ITEMS) {}

  /** An item as a backend stores it: its lane and open flag beside its JSON (without seq, which the backend assigns). */
  write(item: OutboxItem): OutboxWrite {
    const open = item.status !== "failed";
    if (!carriesContext(item.effect)) {
      const { seq: _seq, ...document } = item;
      return { id: item.id, lane: item.lane, open, document: JSON.stringify(document) };
    }
    const { seq: _seq, effect, ...state } = item;
    let effectText = this.effectJson.get(effect);
    if (effectText === undefined) {
      effectText = JSON.stringify(effect);
      this.effectJson.set(effect, effectText);
    }
    // The state always has an id, so its JSON ends in "}" after at least one field; the effect goes last.
    const document = `${JSON.stringify(state).slice(0, -1)},"effect":${effectText}}`;
    this.written.delete(item.id);
    if (this.written.size >= this.remembered) this.written.delete(this.written.keys().next().value!);
    this.written.set(item.id, { document, item: { ...state, effect } });
    return { id: item.id, lane: item.lane, open, document };
  }

  /** A stored row as the item it holds: the caller's own top level, the effect shared (never changed in place). */
  itemOf(row: OutboxRow): OutboxItem {
    const known = this.written.get(row.id);
    if (known?.document === row.document) return { ...known.item, seq: row.seq };
    const item = { ...(JSON.parse(row.document) as Omit<OutboxItem, "seq">), seq: row.seq };
    const effectText = carriesContext(item.effect) ? effectTextIn(row.document) : undefined;
    if (effectText !== undefined) this.effectJson.set(item.effect, effectText);
    return item;
  }

  /** A take's `start` as the backend's StartRow, and the reading of its rows as items: the head is read once. */
  starting(start: StartAttempt | undefined): { start?: StartRow; itemOf(row: OutboxRow): OutboxItem } {
    if (start === undefined) return { itemOf: (row) => this.itemOf(row) };
    let read: { row: OutboxRow; item: OutboxItem } | undefined;
    return {
      start: (row) => {
        read = { row, item: this.itemOf(row) };
        const started = start(read.item);
        return started && this.write(started);
      },
      itemOf: (row) => (read?.row === row ? read.item : this.itemOf(row)),
    };
  }
}

const EFFECT_KEY = ',"effect":';

/**
 * The effect's JSON in a document this store wrote, the effect last. Inside a JSON string every quote
 * is escaped, and the fields before the effect hold no objects, so the first `,"effect":` is its key.
 * A document written before effects went last has a field after it, and the slice then ends with that
 * field's value (a number, a string or a boolean), not with "}": undefined.
 */
function effectTextIn(document: string): string | undefined {
  const at = document.indexOf(EFFECT_KEY);
  const text = at < 0 ? undefined : document.slice(at + EFFECT_KEY.length, -1);
  return text?.startsWith("{") && text.endsWith("}") ? text : undefined;
}
