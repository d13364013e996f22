import KeyvRedis, { createClient, type RedisClientType } from "@keyv/redis";
import { Keyv } from "keyv";
import { WarmlineError } from "../domain/errors.js";
import { systemClock, type Clock } from "../ports/clock.js";
import type { MediaBytes, TeamQueueCounts } from "../ports/conversation-store.js";
import type { LaneLease, LaneTake, WarmlineStore } from "../ports/outbox.js";
import { DurableInbox, withInbox } from "./inbox-store.js";
import { KeyvConversationStore } from "./keyv-conversation-store.js";
import { RedisInboxBackend } from "./redis-inbox.js";
import {
  ACQUIRE_LEASE_SCRIPT,
  laneHeadOf,
  laneTakeOf,
  pxOf,
  RELEASE_LEASE_SCRIPT,
  RENEW_LEASE_SCRIPT,
  takeLaneArgs,
} from "./redis-lanes.js";
import type {
  CommitAppends,
  ConversationWrite,
  OutboxRow,
  OutboxTake,
  OutboxWrite,
  StartRow,
  StoreBackend,
  StoredDocument,
  StoredRead,
  StoredTranscript,
} from "./store-backend.js";
import {
  ACTIVE_DOCUMENTS_SCRIPT,
  APPEND_SCRIPT,
  COMPLETE_OUTBOX_SCRIPT,
  HEADS_SCRIPT,
  LIST_SCRIPT,
  LOAD_TRANSCRIPT_SCRIPT,
  OUTBOX_COUNT_SCRIPT,
  READ_SCRIPT,
  REMOVE_SCRIPT,
  SAVE_MEDIA_SCRIPT,
  runScript,
  SEEN_SCRIPT,
  TAKE_OUTBOX_LANE_SCRIPT,
  TEAM_COUNTS_SCRIPT,
  THREAD_VERSION_SCRIPT,
  UPDATE_OUTBOX_SCRIPT,
  WRITE_SCRIPT,
  WRITE_TAKE_OUTBOX_LANE_SCRIPT,
} from "./redis-scripts.js";
import { DOCUMENT_CODEC } from "./keyv-document-codec.js";

export const REDIS_DEFAULT_NAMESPACE = "warmline";
export const REDIS_CONNECT_TIMEOUT_MS = 5000;
/** Reconnect backoff after a connection that worked drops; capped so recovery is quick. */
const REDIS_RECONNECT_MAX_DELAY_MS = 2000;

/*
 * Every write is one Lua script, so the document and its index entries change together and
 * Redis runs nothing in between. Key layout under the prefix "<namespace>::" (keyv's separator):
 *   conv:<id>         the document without its transcript, written as keyv serialises it; read through keyv
 *   transcript:<id>   list of its transcript entries (JSON): a write sets or appends only the changed ones
 *   ix:<id>           the index entry and version last written for it, so the next write can undo it
 *   customer:<addr>   set of all its conversation ids;  active:<addr>  set of active ids
 *   thread:<thread>   conversation id;  open  set of ids;  updated  sorted set by updatedAt
 *   audit:<id>        list of events;   seen:<key>  expiry time of an idempotency key
 *   outbox:seq        counter;  outbox:item:<id>  the row (seq, lane, open, document)
 *   outbox:lane:<lane> sorted set of item ids by seq;  outbox:lanes  set of lanes with items
 *   lease:<lane>      "<expiresAt>|<holder>": which instance works the lane, and until when (inbox lanes' leases too)
 *   index:version     REDIS_INDEX_VERSION once the index entries below are written for every conversation
 *   due               sorted set of open ids by timersDueAt;  queue:teams  set of teams ever open
 *   queued:<team>     sorted set of queued ids by queuedAt;  assigned:<team>  set of assigned ids
 *   claims:<team>     sorted set of "<waitedMs>:<id>" by claimedAt (each conversation's latest claim)
 * The scripts build key names from the prefix, so this backend needs a single Redis, not a cluster.
 */
type RedisClient = ReturnType<typeof createRedisClient>;

/** Several Warmline instances share one Redis; `namespace` keeps deployments (and tests) apart. */
export async function createRedisStore(options: { url: string; namespace?: string; clock?: Clock }): Promise<WarmlineStore> {
  const namespace = options.namespace ?? REDIS_DEFAULT_NAMESPACE;
  const location = `Redis at ${redactUrl(options.url)}`;
  const remedy = "start Redis or fix REDIS_URL";
  let connected = false;
  const client = createRedisClient(options.url, () => connected);
  try {
    await client.connect();
    connected = true;
  } catch (error) {
    throw new WarmlineError("store_unavailable", `Cannot reach ${location}: ${remedy}.`, error);
  }
  // One connection for keyv and our scripts. The cast only bridges @redis/client's generic defaults.
  const adapter = new KeyvRedis<string>(client as unknown as RedisClientType, { namespace, throwOnErrors: true });
  const keyv = new Keyv(adapter, {
    namespace,
    useKeyPrefix: false,
    throwOnErrors: true,
    ...DOCUMENT_CODEC,
  });
  const clock = options.clock ?? systemClock;
  const prefix = adapter.createKeyPrefix("", adapter.namespace);
  const inbox = new DurableInbox(new RedisInboxBackend(client, prefix, location), clock);
  // An entry's completion runs in the script of the conversation write it led to, as in SQLite's transaction.
  const backend = new RedisBackend(keyv, adapter, client, location, remedy);
  const store = new KeyvConversationStore(backend, clock, (completing) => inbox.completionStep(completing));
  await upgradeIndex(client, prefix, store, location, remedy);
  return withInbox(store, inbox);
}

/** The index layout version; data indexed by an earlier one is re-indexed from its documents once. */
const REDIS_INDEX_VERSION = 2;

async function upgradeIndex(client: RedisClient, prefix: string, store: KeyvConversationStore, location: string, remedy: string) {
  try {
    if (Number((await client.get(`${prefix}index:version`)) ?? 0) >= REDIS_INDEX_VERSION) return;
    if ((await client.zCard(`${prefix}updated`)) > 0) await store.reindex();
    await client.set(`${prefix}index:version`, String(REDIS_INDEX_VERSION));
  } catch (error) {
    await store.close().catch(() => {});
    throw new WarmlineError("store_unavailable", `Cannot re-index the conversations in ${location}: ${remedy}.`, error);
  }
}

class RedisBackend implements StoreBackend {
  private readonly prefix: string;

  constructor(
    readonly keyv: Keyv,
    adapter: KeyvRedis<string>,
    private readonly client: RedisClient,
    readonly location: string,
    readonly remedy: string,
  ) {
    this.prefix = adapter.createKeyPrefix("", adapter.namespace);
  }

  documentKey(conversationId: string): string {
    return `conv:${conversationId}`;
  }

  async insert(write: ConversationWrite): Promise<boolean> {
    return this.write(write, "", { outbox: [], audit: [] });
  }

  async compareAndSet(write: ConversationWrite, expectedVersion: number, appends: CommitAppends): Promise<boolean> {
    return this.write(write, String(expectedVersion), appends);
  }

  async compareAndSetTakingLane(write: ConversationWrite, expectedVersion: number, appends: CommitAppends, take: OutboxTake) {
    const { lane, lease, now, expiresAt } = take;
    const reply = await runScript(
      this.client,
      WRITE_TAKE_OUTBOX_LANE_SCRIPT,
      [],
      [
        this.prefix,
        lane,
        ...takeLaneArgs(lease, now, expiresAt),
        ...completionArgs(appends),
        ...writeArgs(write, String(expectedVersion), appends),
      ],
    );
    if (reply === 0) return undefined;
    const [taken, ...completions] = reply as unknown[];
    await this.settleCompletions(appends, completions);
    return this.started(laneTakeOf(taken, outboxRowOf), take);
  }

  /** The commit's completions, done in its write's script (`replies`: the item's, the entry's): each learns its lane's next head. */
  private async settleCompletions({ complete, inboxScript }: CommitAppends, [item, entry]: unknown[]): Promise<void> {
    inboxScript?.done(entry);
    if (complete)
      complete.done(await this.completedHead(laneHeadOf(item, outboxRowOf), complete.id, complete.lane, complete.lease, complete.start));
  }

  async remove(conversationId: string, staleBefore?: number): Promise<boolean> {
    const removed = await runScript(
      this.client,
      REMOVE_SCRIPT,
      [],
      [this.prefix, conversationId, staleBefore === undefined ? "" : String(staleBefore)],
    );
    return removed === 1;
  }

  async saveMedia(conversationId: string, media: readonly MediaBytes[]): Promise<void> {
    if (media.length === 0) return;
    const args = media.flatMap(({ id, dataBase64 }) => [id, dataBase64]);
    await runScript(this.client, SAVE_MEDIA_SCRIPT, [], [this.prefix, conversationId, ...args]);
  }

  async loadMedia(conversationId: string, mediaId: string): Promise<string | undefined> {
    return (await this.client.hGet(this.key(`media:${conversationId}`), mediaId)) ?? undefined;
  }

  async storedVersion(conversationId: string): Promise<number | undefined> {
    const entry = await this.client.get(this.key(`ix:${conversationId}`));
    return entry === null ? undefined : (JSON.parse(entry) as { version?: number }).version;
  }

  async loadTranscript(conversationId: string): Promise<StoredTranscript | undefined> {
    const found = (await runScript(this.client, LOAD_TRANSCRIPT_SCRIPT, [], [this.prefix, conversationId])) as [number, string[]] | null;
    return found ? { version: Number(found[0]), entries: found[1] } : undefined;
  }

  async readConversation(conversationId: string, knownVersion: number | undefined): Promise<StoredRead | undefined> {
    const known = knownVersion === undefined ? "" : String(knownVersion);
    const found = (await runScript(this.client, READ_SCRIPT, [], [this.prefix, conversationId, known])) as
      | [number | null, string?, string[]?]
      | null;
    if (found === null) return undefined;
    const [version, document, transcript] = found;
    return { version: version ?? undefined, ...(document !== undefined ? { document, transcript: transcript ?? [] } : {}) };
  }

  async threadVersion(thread: string): Promise<{ id: string; version: number | undefined } | undefined> {
    const found = (await runScript(this.client, THREAD_VERSION_SCRIPT, [], [this.prefix, thread])) as [string, number | null] | null;
    return found === null ? undefined : { id: found[0], version: found[1] ?? undefined };
  }

  async activeDocuments(address: string): Promise<StoredDocument[]> {
    const found = (await runScript(this.client, ACTIVE_DOCUMENTS_SCRIPT, [], [this.prefix, address])) as (string | null)[];
    const rows: StoredDocument[] = [];
    for (let i = 0; i < found.length; i += 2) rows.push({ id: found[i]!, document: found[i + 1] ?? null });
    return rows;
  }

  async activeIds(address: string): Promise<string[]> {
    return this.client.sMembers(this.key(`active:${address}`));
  }

  async openIds(): Promise<string[]> {
    return this.client.sMembers(this.key("open"));
  }

  async idsUpdatedSince(since: number): Promise<string[]> {
    return this.client.zRangeByScore(this.key("updated"), since, "+inf");
  }

  async staleIds(cutoff: number): Promise<string[]> {
    // Open ones are among these; remove() re-checks and skips them.
    return this.client.zRangeByScore(this.key("updated"), "-inf", `(${cutoff}`);
  }

  async customerIds(address: string): Promise<string[]> {
    return this.client.sMembers(this.key(`customer:${address}`));
  }

  async markSeen(key: string, now: number, expiresAt: number): Promise<boolean> {
    const recorded = await runScript(
      this.client,
      SEEN_SCRIPT,
      [this.key(`seen:${key}`)],
      [String(now), String(expiresAt), String(expiresAt - now)],
    );
    return recorded === 1;
  }

  async seenUntil(key: string): Promise<number | undefined> {
    const until = await this.client.get(this.key(`seen:${key}`));
    return until === null ? undefined : Number(until);
  }

  async listAudit(conversationId: string): Promise<string[]> {
    return this.client.lRange(this.key(`audit:${conversationId}`), 0, -1);
  }

  async outboxAppend(entries: OutboxWrite[]): Promise<void> {
    await runScript(this.client, APPEND_SCRIPT, [], [this.prefix, outboxJson(entries)]);
  }

  async outboxHeads(lane?: string): Promise<OutboxRow[]> {
    const rows = (await runScript(this.client, HEADS_SCRIPT, [], [this.prefix, lane ?? ""])) as string[];
    return rows.map(outboxRowOf);
  }

  async outboxUpdate(entry: OutboxWrite): Promise<boolean> {
    const updated = await runScript(this.client, UPDATE_OUTBOX_SCRIPT, [], [this.prefix, entry.id, entry.open ? "1" : "0", entry.document]);
    return updated === 1;
  }

  async outboxTake(lane: string, lease: LaneLease, now: number, expiresAt: number, start?: StartRow): Promise<LaneTake<OutboxRow>> {
    const reply = await runScript(this.client, TAKE_OUTBOX_LANE_SCRIPT, [], [this.prefix, lane, ...takeLaneArgs(lease, now, expiresAt)]);
    return this.started(laneTakeOf(reply, outboxRowOf), { lane, lease, now, expiresAt, start });
  }

  async outboxComplete(id: string, lane: string, lease: LaneLease, start?: StartRow): Promise<OutboxRow | undefined> {
    const reply = await runScript(this.client, COMPLETE_OUTBOX_SCRIPT, [], [this.prefix, id, lane, lease.name, lease.holder]);
    return this.completedHead(laneHeadOf(reply, outboxRowOf), id, lane, lease, start);
  }

  /** The head a completion of item `id` found, once `start` is written to it. */
  private async completedHead(head: OutboxRow | undefined, id: string, lane: string, lease: LaneLease, start?: StartRow) {
    // The item is gone already, so completing it again reads the lane's new head (or lets go of the lease).
    return (await this.startedHead(head, start)) ? head : this.outboxComplete(id, lane, lease, start);
  }

  /**
   * A take's head after writing what `start` makes of it, with the next call (a script cannot call back into
   * this process). The lease is the caller's, so the head stays the head; if it went meanwhile (its
   * conversation forgotten), the lane is taken again, for its new head.
   */
  private async started(taken: LaneTake<OutboxRow>, take: OutboxTake): Promise<LaneTake<OutboxRow>> {
    if (!taken.taken || (await this.startedHead(taken.head, take.start))) return taken;
    return this.outboxTake(take.lane, take.lease, take.now, take.expiresAt, take.start);
  }

  /** Writes what `start` makes of the head; false only when the head went before it was written. */
  private async startedHead(head: OutboxRow | undefined, start: StartRow | undefined): Promise<boolean> {
    const started = head && start?.(head);
    return !started || this.outboxUpdate(started);
  }

  async outboxList(): Promise<OutboxRow[]> {
    const rows = (await runScript(this.client, LIST_SCRIPT, [], [this.prefix])) as string[];
    return rows.map(outboxRowOf);
  }

  async dueIds(now: number): Promise<string[]> {
    return this.client.zRangeByScore(this.key("due"), "-inf", now);
  }

  async countQueued(team: string, upTo: number): Promise<number> {
    return this.client.zCount(this.key(`queued:${team}`), "-inf", upTo);
  }

  async teamCounts(): Promise<Record<string, TeamQueueCounts>> {
    const rows = (await runScript(this.client, TEAM_COUNTS_SCRIPT, [], [this.prefix])) as string[];
    return Object.fromEntries(
      rows.map((row) => {
        const { team, queued, assigned, oldest } = JSON.parse(row) as { team: string; queued: number; assigned: number; oldest?: string };
        return [team, { queued, assigned, ...(oldest !== undefined ? { oldestQueuedAt: Number(oldest) } : {}) }];
      }),
    );
  }

  async claimWaits(team: string, since: number, limit: number): Promise<number[]> {
    const members = await this.client.zRange(this.key(`claims:${team}`), "+inf", since, {
      BY: "SCORE",
      REV: true,
      LIMIT: { offset: 0, count: limit },
    });
    return members.map((member) => Number(member.slice(0, member.indexOf(":"))));
  }

  async outboxCount(): Promise<number> {
    return Number(await runScript(this.client, OUTBOX_COUNT_SCRIPT, [], [this.prefix]));
  }

  async acquireLease(lane: string, holder: string, now: number, expiresAt: number): Promise<boolean> {
    return this.lease(ACQUIRE_LEASE_SCRIPT, lane, [holder, String(now), String(expiresAt), pxOf(expiresAt - now)]);
  }

  async renewLease(lane: string, holder: string, now: number, expiresAt: number): Promise<boolean> {
    return this.lease(RENEW_LEASE_SCRIPT, lane, [holder, String(now), String(expiresAt), pxOf(expiresAt - now)]);
  }

  async releaseLease(lane: string, holder: string): Promise<boolean> {
    return this.lease(RELEASE_LEASE_SCRIPT, lane, [holder]);
  }

  async leasedByOthers(lanes: string[], holder: string, now: number): Promise<string[]> {
    const values = await this.client.mGet(lanes.map((lane) => this.key(`lease:${lane}`)));
    return lanes.filter((_, k) => {
      const value = values[k];
      if (!value) return false;
      const bar = value.indexOf("|");
      return value.slice(bar + 1) !== holder && Number(value.slice(0, bar)) > now;
    });
  }

  private async lease(script: string, lane: string, args: string[]): Promise<boolean> {
    return (await runScript(this.client, script, [this.key(`lease:${lane}`)], args)) === 1;
  }

  async close(): Promise<void> {
    await this.keyv.disconnect();
  }

  private key(suffix: string): string {
    return `${this.prefix}${suffix}`;
  }

  private async write(write: ConversationWrite, expectedVersion: string, appends: CommitAppends): Promise<boolean> {
    const reply = await runScript(
      this.client,
      WRITE_SCRIPT,
      [],
      [this.prefix, ...completionArgs(appends), ...writeArgs(write, expectedVersion, appends)],
    );
    if (reply === 0) return false;
    await this.settleCompletions(appends, reply as unknown[]);
    return true;
  }
}

/** The completions' arguments of the write scripts: the outbox item's (commit_completion's) and the inbox entry's (complete_entry's), '' each for none. */
function completionArgs({ complete, inboxScript }: CommitAppends): string[] {
  return [
    ...(complete ? [complete.id, complete.lane, complete.lease.name, complete.lease.holder] : ["", "", "", ""]),
    ...(inboxScript ? inboxScript.args : ["", "", "", "", ""]),
  ];
}

/** write_conversation's arguments (WRITE_CONVERSATION_LUA); `expectedVersion` is '' to create. */
function writeArgs(write: ConversationWrite, expectedVersion: string, appends: CommitAppends): string[] {
  return [
    write.id,
    expectedVersion,
    write.document,
    JSON.stringify({ ...write.index, version: write.version }),
    String(write.index.updatedAt),
    outboxJson(appends.outbox),
    write.transcript.replace ? "1" : "0",
    String(write.transcript.length),
    String(write.transcript.changed.length),
    ...write.transcript.changed.flatMap(({ position, entry }) => [String(position), entry]),
    ...appends.audit,
  ];
}

function outboxRowOf(json: string): OutboxRow {
  return JSON.parse(json) as OutboxRow;
}

/** cjson decodes "[]" as an empty table, which is what the scripts iterate. */
function outboxJson(entries: OutboxWrite[]): string {
  return JSON.stringify(entries);
}

function createRedisClient(url: string, wasConnected: () => boolean) {
  const client = createClient({
    url,
    // Fail fast while Redis is down instead of queueing commands the engine is awaiting.
    disableOfflineQueue: true,
    socket: {
      connectTimeout: REDIS_CONNECT_TIMEOUT_MS,
      // The first connection must work, so a wrong URL fails at startup; later drops reconnect.
      reconnectStrategy: (retries, cause) => (wasConnected() ? Math.min(2 ** retries * 100, REDIS_RECONNECT_MAX_DELAY_MS) : cause),
    },
  });
  // Failures reach callers as rejected commands; without a listener the client would crash the process.
  client.on("error", () => {});
  return client;
}

/** Error messages name the server but never its password. */
function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== "") parsed.password = "***";
    return parsed.toString();
  } catch {
    return "the configured URL (not a valid redis:// URL)";
  }
}
