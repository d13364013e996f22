import type { InboxCounts } from "../ports/inbox.js";
import type { LaneLease, LaneTake } from "../ports/outbox.js";
import type { InboxBackend, InboxInsert, InboxRow, InsertAndTake } from "./inbox-store.js";
import type { MemoryLeases } from "./memory-leases.js";

/** Processed ids past their forgetAt are swept once this many are held. */
const MEMORY_INBOX_SWEEP_SIZE = 10_000;
/**
 * And then again only after this many more inserts: a sweep walks every row, and processed ids are remembered
 * for hours, so above the size each insert swept anew and a message cost a walk of every row.
 */
const MEMORY_INBOX_SWEEP_EVERY = MEMORY_INBOX_SWEEP_SIZE / 2;

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
  /** Each lane's unprocessed rows (open and parked), in seq order: a head is found without walking every row. */
  private readonly lanes = new Map<string, Set<MemoryInboxRow>>();
  private readonly watermarks = new Map<string, number>();
  private seq = 0;

  /** Inserts since the last sweep of processed ids (see MEMORY_INBOX_SWEEP_EVERY). */
  private insertsSinceSweep = MEMORY_INBOX_SWEEP_EVERY;

  /** The store's leases: a lane is taken or let go in the same step as its rows are read. */
  constructor(private readonly leases: MemoryLeases) {}

  async insert(insert: InboxInsert, now: number): Promise<boolean> {
    return this.insertRow(insert, now);
  }

  async insertAndTake(insert: InboxInsert, now: number, lease: LaneLease, expiresAt: number): Promise<InsertAndTake> {
    return { inserted: this.insertRow(insert, now), take: this.takeLane(insert.row.lane, lease, now, expiresAt) };
  }

  private insertRow({ row, watermark, forgetAt }: InboxInsert, now: number): boolean {
    const known = this.rows.get(row.id);
    if (known && (!known.processed || known.forgetAt > now)) return false;
    this.insertsSinceSweep++;
    if (this.rows.size >= MEMORY_INBOX_SWEEP_SIZE && this.insertsSinceSweep >= MEMORY_INBOX_SWEEP_EVERY) {
      this.insertsSinceSweep = 0;
      for (const [id, old] of this.rows) if (old.processed && old.forgetAt <= now) this.rows.delete(id);
    }
    this.rows.delete(row.id);
    const stored: MemoryInboxRow = { ...row, seq: ++this.seq, processed: false, forgetAt };
    this.rows.set(row.id, stored);
    const lane = this.lanes.get(row.lane) ?? new Set();
    this.lanes.set(row.lane, lane.add(stored));
    if (watermark && watermark.sentAt > (this.watermarks.get(watermark.channel) ?? Number.NEGATIVE_INFINITY))
      this.watermarks.set(watermark.channel, watermark.sentAt);
    return true;
  }

  async heads(lane?: string): Promise<InboxRow[]> {
    if (lane !== undefined) {
      const head = this.headOf(lane);
      return head === undefined ? [] : [head];
    }
    const heads = new Map<string, InboxRow>();
    for (const row of this.unprocessed()) {
      if (row.open && !heads.has(row.lane)) heads.set(row.lane, row);
    }
    return [...heads.values()];
  }

  async take(lane: string, lease: LaneLease, now: number, expiresAt: number): Promise<LaneTake<InboxRow>> {
    return this.takeLane(lane, lease, now, expiresAt);
  }

  private takeLane(lane: string, lease: LaneLease, now: number, expiresAt: number): LaneTake<InboxRow> {
    if (!this.leases.acquire(lease.name, lease.holder, now, expiresAt)) return { taken: false };
    return { taken: true, head: this.leases.headOrRelease(this.headOf(lane), lease) };
  }

  async update(row: Omit<InboxRow, "seq">): Promise<boolean> {
    const stored = this.rows.get(row.id);
    if (!stored || stored.processed) return false;
    Object.assign(stored, { open: row.open, document: row.document });
    return true;
  }

  async complete(id: string): Promise<void> {
    this.markProcessed(id);
  }

  async completeHead(id: string, lane: string, lease: LaneLease): Promise<InboxRow | undefined> {
    return this.completeHeadStep(id, lane, lease)();
  }

  /** The store's conversation commits run it in their own synchronous block (see InboxBackend.completeHeadStep). */
  completeHeadStep(id: string, lane: string, lease: LaneLease): () => InboxRow | undefined {
    return () => {
      this.markProcessed(id);
      return this.leases.headOrRelease(this.headOf(lane), lease);
    };
  }

  private markProcessed(id: string): void {
    const stored = this.rows.get(id);
    if (!stored || stored.processed) return;
    Object.assign(stored, { processed: true, open: false, document: "" });
    const lane = this.lanes.get(stored.lane);
    lane?.delete(stored);
    if (lane?.size === 0) this.lanes.delete(stored.lane);
  }

  private headOf(lane: string): InboxRow | undefined {
    for (const row of this.lanes.get(lane) ?? []) if (row.open) return copyOf(row);
    return undefined;
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
    return [...this.rows.values()].filter((row) => !row.processed).map(copyOf);
  }
}

function copyOf({ id, lane, seq, open, document }: InboxRow): InboxRow {
  return { id, lane, seq, open, document };
}
