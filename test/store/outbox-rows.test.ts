import { describe, expect, it } from "vitest";
import type { ContextPackage } from "../../src/domain/context-package.js";
import type { OutboxItem } from "../../src/ports/outbox.js";
import { OutboxRows } from "../../src/store/outbox-rows.js";
import type { OutboxRow } from "../../src/store/store-backend.js";

/** A card's item: its effect carries a context package (here a small stand-in with awkward text). */
const card = (id: string): OutboxItem => ({
  id,
  lane: "conv_1",
  seq: 0,
  effect: {
    kind: "post_card",
    escalationId: "esc_1",
    context: { summary: `card ${id}: "quoted", {braces} and ,"effect":{} inside a string` } as unknown as ContextPackage,
  },
  status: "pending",
  attempts: 0,
  notBefore: 0,
  createdAt: 1_700_000_000_000,
});

const rowOf = (write: { id: string; lane: string; open: boolean; document: string }, seq: number): OutboxRow => ({ ...write, seq });

describe("outbox rows (an item as a backend stores it, and back)", () => {
  it("reads a row it wrote as the item written, without parsing its document again", () => {
    const rows = new OutboxRows();
    const item = card("out_a");
    const read = rows.itemOf(rowOf(rows.write(item), 7));
    expect(read).toEqual({ ...item, seq: 7 });
    // The effect is the one written (never changed in place); the top level is the reader's own.
    expect(read.effect).toBe(item.effect);
    expect(read).not.toBe(item);
  });

  it("parses a row whose document another writer changed since, and one it never wrote", () => {
    const rows = new OutboxRows();
    const write = rows.write(card("out_b"));
    const elsewhere = { ...card("out_b"), status: "failed" as const, attempts: 3, lastError: "channel_not_found" };
    const changed = rows.itemOf({ ...rowOf(write, 2), document: JSON.stringify({ ...elsewhere, seq: undefined }) });
    expect(changed).toEqual({ ...elsewhere, seq: 2 });
    const stranger = card("out_c");
    expect(new OutboxRows().itemOf(rowOf(rows.write(stranger), 3))).toEqual({ ...stranger, seq: 3 });
  });

  it("rewrites an item's delivery state around the same effect, from a row parsed in either key order", () => {
    const item = card("out_d");
    // Written before effects went last: the effect sits between other fields.
    const { seq: _seq, effect, ...state } = item;
    const legacy = JSON.stringify({
      id: state.id,
      status: state.status,
      effect,
      attempts: 0,
      notBefore: 0,
      createdAt: state.createdAt,
      lane: state.lane,
    });
    for (const document of [legacy, new OutboxRows().write(item).document]) {
      const rows = new OutboxRows();
      const read = rows.itemOf({ id: item.id, lane: item.lane, open: true, seq: 4, document });
      const started = { ...read, status: "in_flight" as const, attempts: 1, lastAttemptAt: 1_700_000_000_500 };
      const rewritten = rows.write(started);
      expect(JSON.parse(rewritten.document)).toEqual({ ...started, seq: undefined });
      expect(new OutboxRows().itemOf({ ...rowOf(rewritten, 4) })).toEqual(started);
    }
  });

  it("remembers only the most recent items it wrote", () => {
    const rows = new OutboxRows(2);
    const items = ["out_1", "out_2", "out_3"].map(card);
    const writes = items.map((item) => rows.write(item));
    const [first, , last] = writes.map((write) => rows.itemOf(rowOf(write, 1)));
    // The first was forgotten: read from its document, a copy; the last is the one written.
    expect(first!.effect).toEqual(items[0]!.effect);
    expect(first!.effect).not.toBe(items[0]!.effect);
    expect(last!.effect).toBe(items[2]!.effect);
  });

  it("writes a small item (a relayed message) as plain JSON and reads it back parsed, remembering nothing", () => {
    const rows = new OutboxRows();
    const relay: OutboxItem = { ...card("out_r"), effect: { kind: "send_customer", address: "whatsapp:447700900000@c.us", text: "On it" } };
    const write = rows.write(relay);
    const { seq: _seq, ...document } = relay;
    expect(write.document).toBe(JSON.stringify(document));
    const read = rows.itemOf(rowOf(write, 5));
    expect(read).toEqual({ ...relay, seq: 5 });
    expect(read.effect).not.toBe(relay.effect);
  });
});
