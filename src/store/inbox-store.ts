import { WarmlineError } from "../domain/errors.js";
import type { Clock } from "../ports/clock.js";
import type { InboxCompletion, InboxCounts, InboxEntry, InboxReceipt, InboxStore, NewInboxEntry } from "../ports/inbox.js";
import { type LaneLease, type LaneTake, mapLaneTake, type WarmlineStore } from "../ports/outbox.js";
import type { CommitAppends } from "./store-backend.js";
import { inStore, type StoreWhereabouts } from "./store-errors.js";

/** An inbox entry as a backend stores it: what it queries by, and the entry's JSON. */
export interface InboxRow {
  id: string;
  lane: string;
  seq: number;
  /** Pending (processed in turn); false once parked as failed. */
  open: boolean;
  document: string;
}

/** What a receive writes beside the row: the catch-up watermark, and how long the id is remembered. */
export interface InboxInsert {
  row: Omit<InboxRow, "seq">;
  watermark?: { channel: string; sentAt: number };
  /** Until then (the store's clock) a second copy of the id is refused, however it was processed. */
  forgetAt: number;
}

/**
 * The atomic primitives of one backend's inbox (memory: a synchronous block; SQLite: one statement;
 * Redis: one Lua script). The rest of the logic lives once, in DurableInbox.
 */
export interface InboxBackend extends StoreWhereabouts {
  /** Appends the row (next seq) unless its id is remembered at `now`; true when it did. */
  insert(insert: InboxInsert, now: number): Promise<boolean>;
  /** insert(), then take(insert.row.lane, …), in one atomic step. */
  insertAndTake(insert: InboxInsert, now: number, lease: LaneLease, expiresAt: number): Promise<InsertAndTake>;
  /** The lowest-seq open row per lane (or of `lane`). */
  heads(lane?: string): Promise<InboxRow[]>;
  /**
   * Takes `lease` (as the store's acquireLease: free, expired at `now`, or the holder's own) and, when
   * taken, reads heads(lane) in one atomic step; with no head, the lease is deleted in that step.
   */
  take(lane: string, lease: LaneLease, now: number, expiresAt: number): Promise<LaneTake<InboxRow>>;
  /** Rewrites an unprocessed row's document and open flag; false when it is processed or gone. */
  update(row: Omit<InboxRow, "seq">): Promise<boolean>;
  /** Marks the row processed: out of its lane, its document dropped, its id kept until its forgetAt. */
  complete(id: string, now: number): Promise<void>;
  /** complete() and heads(lane) in one atomic step; with no head, `lease` is released in it (if it is still the holder's). */
  completeHead(id: string, lane: string, lease: LaneLease, now: number): Promise<InboxRow | undefined>;
  /**
   * Optional, for a backend whose atomic steps are its store's too (SQLite: the one connection's transactions;
   * memory: a synchronous block): completeHead as a synchronous step to run inside another write of the store, a
   * conversation commit's. Prepared here, outside that write; the step only touches the store (it may run twice).
   */
  completeHeadStep?(id: string, lane: string, lease: LaneLease, now: number): () => InboxRow | undefined;
  /**
   * Optional, for a backend whose store writes conversations with scripts on its own server (Redis): completeHead as
   * arguments a conversation write's script runs in its own step (CommitAppends.inboxScript), and the head read from
   * that part of its reply.
   */
  completeHeadInScript?(id: string, lane: string, lease: LaneLease, now: number): InboxScriptStep;
  /** Unprocessed rows (open and parked). */
  list(): Promise<InboxRow[]>;
  /** Unprocessed rows by kind, counted where they are stored (no documents read). */
  count(): Promise<InboxCounts>;
  watermark(channel: string): Promise<number | undefined>;
  close(): Promise<void>;
}

/** What a backend's insertAndTake did. */
export interface InsertAndTake {
  inserted: boolean;
  take: LaneTake<InboxRow>;
}

/** completeHead as a script's arguments, and the lane's next head read from the script's reply to them. */
export interface InboxScriptStep {
  args: string[];
  headOf(reply: unknown): InboxRow | undefined;
}

/**
 * An InboxCompletion as part of a conversation commit's write (CommitAppends: a synchronous step or a script's
 * arguments, whichever the backend runs), and its report once that write landed.
 */
export interface InboxStep {
  appends: Pick<CommitAppends, "inboxStep" | "inboxScript">;
  /** Sets the completion's `done`: only once the write is known to have landed. */
  settle(): void;
}

/** The inbox's side of a conversation commit that completes an entry: undefined where the inbox cannot join that write. */
export type InboxSteps = (completing: InboxCompletion) => InboxStep | undefined;

type InboxDocument = Omit<InboxEntry, "id" | "lane" | "seq">;

/** InboxStore over a backend's primitives: entries to rows and back, the clock, and errors that say what to fix. */
export class DurableInbox implements InboxStore {
  constructor(
    private readonly backend: InboxBackend,
    private readonly clock: Clock,
  ) {}

  async receiveInbox(entry: NewInboxEntry, rememberMs: number): Promise<boolean> {
    const now = this.clock.now();
    const insert = insertOf(entry, rememberMs, now);
    return this.attempt("store a received message", () => this.backend.insert(insert, now));
  }

  async receiveInboxTakingLane(entry: NewInboxEntry, rememberMs: number, lease: LaneLease, ttlMs: number): Promise<InboxReceipt> {
    checkTtl(entry.lane, ttlMs);
    const now = this.clock.now();
    const insert = insertOf(entry, rememberMs, now);
    const { inserted, take } = await this.attempt("store a received message", () =>
      this.backend.insertAndTake(insert, now, lease, now + ttlMs),
    );
    return { received: inserted, take: mapLaneTake(take, entryOf) };
  }

  async inboxHeads(lane?: string): Promise<InboxEntry[]> {
    const rows = await this.attempt("read the inbox", () => this.backend.heads(lane));
    return rows.map(entryOf).sort((a, b) => a.seq - b.seq);
  }

  async takeInboxLane(lane: string, lease: LaneLease, ttlMs: number): Promise<LaneTake<InboxEntry>> {
    checkTtl(lane, ttlMs);
    const now = this.clock.now();
    return mapLaneTake(await this.attempt("take an inbox lane", () => this.backend.take(lane, lease, now, now + ttlMs)), entryOf);
  }

  async saveInboxEntry(entry: InboxEntry): Promise<boolean> {
    const { id, lane, seq: _seq, ...document } = entry;
    return this.attempt("update a received message", () =>
      this.backend.update({ id, lane, open: entry.status === "pending", document: JSON.stringify(document) }),
    );
  }

  async completeInboxEntry(entry: Pick<InboxEntry, "id" | "lane">, lease: LaneLease): Promise<InboxEntry | undefined> {
    const next = await this.attempt("mark a received message processed", () =>
      this.backend.completeHead(entry.id, entry.lane, lease, this.clock.now()),
    );
    return next && entryOf(next);
  }

  /** completeInboxEntry as part of a conversation commit (see InboxSteps): undefined when the backend cannot join one. */
  completionStep(completing: InboxCompletion): InboxStep | undefined {
    const { entry, lease } = completing;
    const now = this.clock.now();
    let ran: { next: InboxRow | undefined } | undefined;
    // A backend that did not run its part (its writes cannot hold it) has declined: the entry is completed apart.
    const settle = () => {
      if (ran) completing.done = { next: ran.next && entryOf(ran.next) };
    };
    const step = this.backend.completeHeadStep?.(entry.id, entry.lane, lease, now);
    if (step !== undefined) return { appends: { inboxStep: () => (ran = { next: step() }) }, settle };
    const script = this.backend.completeHeadInScript?.(entry.id, entry.lane, lease, now);
    if (script !== undefined)
      return { appends: { inboxScript: { args: script.args, done: (reply) => (ran = { next: script.headOf(reply) }) } }, settle };
    return undefined;
  }

  async listInbox(): Promise<InboxEntry[]> {
    const rows = await this.attempt("list the inbox", () => this.backend.list());
    return rows.map(entryOf).sort((a, b) => a.seq - b.seq);
  }

  async forgetInboxLanes(lanes: readonly string[]): Promise<number> {
    const wanted = new Set(lanes);
    if (wanted.size === 0) return 0;
    // The unprocessed inbox is small (it drains within seconds; parked entries wait for replay), so a list is cheap here.
    const rows = (await this.attempt("list the inbox", () => this.backend.list())).filter((row) => wanted.has(row.lane));
    const now = this.clock.now();
    for (const row of rows) await this.attempt("forget a received message", () => this.backend.complete(row.id, now));
    return rows.length;
  }

  async inboxWatermark(channel: string): Promise<number | undefined> {
    return this.attempt("read the inbox watermark", () => this.backend.watermark(channel));
  }

  async countInbox(): Promise<InboxCounts> {
    return this.attempt("count the inbox", () => this.backend.count());
  }

  async close(): Promise<void> {
    await this.attempt("close the inbox", () => this.backend.close());
  }

  private async attempt<T>(operation: string, run: () => Promise<T>): Promise<T> {
    return inStore(this.backend, operation, run);
  }
}

/** The row a receive writes: the entry pending from `now`, its id remembered for `rememberMs`. */
function insertOf(entry: NewInboxEntry, rememberMs: number, now: number): InboxInsert {
  if (!(rememberMs > 0)) {
    throw new WarmlineError("input_invalid", `receiveInbox(${entry.id}) needs a positive rememberMs, got ${rememberMs}.`);
  }
  const document: InboxDocument = { message: entry.message, receivedAt: now, status: "pending", attempts: 0, notBefore: 0 };
  return {
    row: { id: entry.id, lane: entry.lane, open: true, document: JSON.stringify(document) },
    forgetAt: now + rememberMs,
    ...(entry.watermark ? { watermark: entry.watermark } : {}),
  };
}

function checkTtl(lane: string, ttlMs: number): void {
  if (!(ttlMs > 0)) {
    throw new WarmlineError("input_invalid", `The lease of inbox lane ${lane} needs a positive ttlMs, got ${ttlMs}.`);
  }
}

function entryOf(row: InboxRow): InboxEntry {
  return { ...(JSON.parse(row.document) as InboxDocument), id: row.id, lane: row.lane, seq: row.seq };
}

const INBOX_METHODS = new Set<PropertyKey>([
  "receiveInbox",
  "receiveInboxTakingLane",
  "inboxHeads",
  "takeInboxLane",
  "saveInboxEntry",
  "completeInboxEntry",
  "listInbox",
  "forgetInboxLanes",
  "inboxWatermark",
  "countInbox",
] satisfies (keyof InboxStore)[]);

/**
 * One store object with the inbox beside the conversations and outbox, closed together. Everything
 * but the inbox's methods and close() is the store's own, called on the store itself, so it stays
 * the same store whatever methods (or private fields) it gains.
 */
export function withInbox(store: Omit<WarmlineStore, keyof InboxStore>, inbox: DurableInbox): WarmlineStore {
  const close = async () => {
    await inbox.close();
    await store.close();
  };
  // What is assigned to the combined store (a test replacing a method) takes precedence over both.
  const assigned = new Map<PropertyKey, unknown>([["close", close]]);
  return new Proxy(store, {
    set(_target, property, value) {
      assigned.set(property, value);
      return true;
    },
    get(target, property) {
      if (assigned.has(property)) return assigned.get(property);
      const owner: object = INBOX_METHODS.has(property) ? inbox : target;
      const value: unknown = Reflect.get(owner, property, owner);
      return typeof value === "function" ? value.bind(owner) : value;
    },
  }) as WarmlineStore;
}
