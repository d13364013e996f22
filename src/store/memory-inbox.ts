import type { InboxCounts } from "../ports/inbox.js";
import type { InboxBackend, InboxInsert, InboxRow } from "./inbox-store.js";

/** Processed ids past their forgetAt are swept once this many are held. */
const MEMORY_INBOX_SWEEP_SIZE = 10_000;

interface MemoryInboxRow extends InboxRow {
  processed: boolean;
  forgetAt: number;
}

/** The in-memory store's inbox. Each primitive runs between two awaits, so it is atomic without locks. */
export class MemoryInboxBackend implements InboxBackend {
  readonly location = "the in-memory store";
  readonly remedy = "this is a bug in Warmline, please report it";
  /** By id; a Map keeps insertion (= seq) order. */
  private readonly rows = new Map<string, MemoryInboxRow>();
  private readonly watermarks = new Map<string, number>();
  private seq = 0;

  async insert({ row, watermark, forgetAt }: InboxInsert, now: number): Promise<boolean> {
    const known = this.rows.get(row.id);
    if (known && (!known.processed || known.forgetAt > now)) return false;
    if (this.rows.size >= MEMORY_INBOX_SWEEP_SIZE) {
      for (const [id, old] of this.rows) if (old.processed && old.forgetAt <= now) this.rows.delete(id);
    }
    this.rows.delete(row.id);
    this.rows.set(row.id, { ...row, seq: ++this.seq, processed: false, forgetAt });
    if (watermark && watermark.sentAt > (this.watermarks.get(watermark.channel) ?? Number.NEGATIVE_INFINITY))
      this.watermarks.set(watermark.channel, watermark.sentAt);
    return true;
  }

  async heads(lane?: string): Promise<InboxRow[]> {
    const heads = new Map<string, InboxRow>();
    for (const row of this.unprocessed()) {
      if (row.open && (lane === undefined || row.lane === lane) && !heads.has(row.lane)) heads.set(row.lane, row);
    }
    return [...heads.values()];
  }

  async update(row: Omit<InboxRow, "seq">): Promise<boolean> {
    const stored = this.rows.get(row.id);
    if (!stored || stored.processed) return false;
    Object.assign(stored, { open: row.open, document: row.document });
    return true;
  }

  async complete(id: string): Promise<void> {
    const stored = this.rows.get(id);
    if (stored) Object.assign(stored, { processed: true, open: false, document: "" });
  }

  async list(): Promise<InboxRow[]> {
    return this.unprocessed();
  }

  async count(): Promise<InboxCounts> {
    const counts = { pending: 0, parked: 0 };
    for (const row of this.rows.values()) if (!row.processed) counts[row.open ? "pending" : "parked"]++;
    return counts;
  }

  async watermark(channel: string): Promise<number | undefined> {
    return this.watermarks.get(channel);
  }

  async close(): Promise<void> {}

  private unprocessed(): InboxRow[] {
    return [...this.rows.values()]
      .filter((row) => !row.processed)
      .map(({ id, lane, seq, open, document }) => ({ id, lane, seq, open, document }));
  }
}
