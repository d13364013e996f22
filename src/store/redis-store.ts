import KeyvRedis, { createClient, type RedisClientType } from "@keyv/redis";
import { Keyv } from "keyv";
import { WarmlineError } from "../domain/errors.js";
import { systemClock, type Clock } from "../ports/clock.js";
import type { TeamQueueCounts } from "../ports/conversation-store.js";
import type { WarmlineStore } from "../ports/outbox.js";
import { DurableInbox, withInbox } from "./inbox-store.js";
import { KeyvConversationStore } from "./keyv-conversation-store.js";
import { RedisInboxBackend } from "./redis-inbox.js";
import type { CommitAppends, ConversationWrite, OutboxRow, OutboxWrite, StoreBackend, StoredTranscript } from "./store-backend.js";

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
 *   lease:<lane>      "<expiresAt>|<holder>": which instance delivers the lane, and until when
 *   index:version     REDIS_INDEX_VERSION once the index entries below are written for every conversation
 *   due               sorted set of open ids by timersDueAt;  queue:teams  set of teams ever open
 *   queued:<team>     sorted set of queued ids by queuedAt;  assigned:<team>  set of assigned ids
 *   claims:<team>     sorted set of "<waitedMs>:<id>" by claimedAt (each conversation's latest claim)
 * The scripts build key names from the prefix, so this backend needs a single Redis, not a cluster.
 */
/** Lua shared by the scripts: undoes the index entries a conversation's previous write made. */
const UNINDEX_LUA = `
local function unindex(p, id, ix)
  redis.call('SREM', p .. 'active:' .. ix.customer, id)
  redis.call('SREM', p .. 'customer:' .. ix.customer, id)
  redis.call('SREM', p .. 'open', id)
  redis.call('ZREM', p .. 'due', id)
  if ix.team then
    redis.call('ZREM', p .. 'queued:' .. ix.team, id)
    redis.call('SREM', p .. 'assigned:' .. ix.team, id)
  end
  if ix.lastClaim then redis.call('ZREM', p .. 'claims:' .. ix.lastClaim.team, ix.lastClaim.waitedMs .. ':' .. id) end
  for _, thread in ipairs(ix.threads) do
    if redis.call('GET', p .. 'thread:' .. thread) == id then redis.call('DEL', p .. 'thread:' .. thread) end
  end
end
`;

/** Lua shared by the scripts: appends outbox rows, each with the next sequence number. */
const APPEND_OUTBOX_LUA = `
local function append_outbox(p, entries)
  for _, e in ipairs(entries) do
    e.seq = redis.call('INCR', p .. 'outbox:seq')
    redis.call('SET', p .. 'outbox:item:' .. e.id, cjson.encode(e))
    redis.call('ZADD', p .. 'outbox:lane:' .. e.lane, e.seq, e.id)
    redis.call('SADD', p .. 'outbox:lanes', e.lane)
  end
end
`;

/** Lua shared by the scripts: applies a write's transcript changes (see TranscriptWrite) to the list. */
const WRITE_TRANSCRIPT_LUA = `
local function write_transcript(key, replace, length, changes)
  if replace then redis.call('DEL', key) end
  local stored = redis.call('LLEN', key)
  for i = 1, #changes, 2 do
    local position = tonumber(changes[i])
    if position < stored then
      redis.call('LSET', key, position, changes[i + 1])
    else
      redis.call('RPUSH', key, changes[i + 1])
      stored = stored + 1
    end
  end
  if length == 0 then redis.call('DEL', key) elseif stored > length then redis.call('LTRIM', key, 0, length - 1) end
end
`;

/**
 * ARGV: prefix, id, expected version ('' to create), document, index entry JSON (with the version), updatedAt,
 * outbox rows JSON, transcript replace ('1' or '0'), transcript length, the number of changed entries n,
 * n pairs of position and entry JSON, then the audit events to append, one per argument.
 */
const WRITE_SCRIPT = `${UNINDEX_LUA}${APPEND_OUTBOX_LUA}${WRITE_TRANSCRIPT_LUA}
local p, id = ARGV[1], ARGV[2]
local docKey, ixKey = p .. 'conv:' .. id, p .. 'ix:' .. id
local current = redis.call('GET', docKey)
if ARGV[3] == '' then
  if current then return 0 end
else
  if not current then return 0 end
  local stored = cjson.decode(current)
  if type(stored.value) ~= 'table' or stored.value.version ~= tonumber(ARGV[3]) then return 0 end
end
local old = redis.call('GET', ixKey)
if old then unindex(p, id, cjson.decode(old)) end
local new = cjson.decode(ARGV[5])
redis.call('SET', docKey, ARGV[4])
redis.call('SET', ixKey, ARGV[5])
redis.call('SADD', p .. 'customer:' .. new.customer, id)
if new.active then redis.call('SADD', p .. 'active:' .. new.customer, id) end
if new.open then redis.call('SADD', p .. 'open', id) end
if new.timersDueAt then redis.call('ZADD', p .. 'due', new.timersDueAt, id) end
if new.team then
  redis.call('SADD', p .. 'queue:teams', new.team)
  if new.queuedAt then redis.call('ZADD', p .. 'queued:' .. new.team, new.queuedAt, id)
  else redis.call('SADD', p .. 'assigned:' .. new.team, id) end
end
if new.lastClaim then
  redis.call('ZADD', p .. 'claims:' .. new.lastClaim.team, new.lastClaim.claimedAt, new.lastClaim.waitedMs .. ':' .. id)
end
for _, thread in ipairs(new.threads) do redis.call('SET', p .. 'thread:' .. thread, id) end
redis.call('ZADD', p .. 'updated', ARGV[6], id)
append_outbox(p, cjson.decode(ARGV[7]))
local changes = {}
local auditFrom = 11 + 2 * tonumber(ARGV[10])
for i = 11, auditFrom - 1 do table.insert(changes, ARGV[i]) end
write_transcript(p .. 'transcript:' .. id, ARGV[8] == '1', tonumber(ARGV[9]), changes)
for i = auditFrom, #ARGV do redis.call('RPUSH', p .. 'audit:' .. id, ARGV[i]) end
return 1
`;

/** ARGV: prefix, id. The version and transcript entries, or false when the index entry has no version (not stored, or an older write). */
const LOAD_TRANSCRIPT_SCRIPT = `
local p, id = ARGV[1], ARGV[2]
local ix = redis.call('GET', p .. 'ix:' .. id)
if not ix then return false end
local version = cjson.decode(ix).version
if not version then return false end
return { version, redis.call('LRANGE', p .. 'transcript:' .. id, 0, -1) }
`;

/** ARGV: prefix, outbox rows JSON. */
const APPEND_SCRIPT = `${APPEND_OUTBOX_LUA}
append_outbox(ARGV[1], cjson.decode(ARGV[2]))
return 1
`;

/** ARGV: prefix, lane ('' for every lane). Returns the first open row of each lane. */
const HEADS_SCRIPT = `
local p = ARGV[1]
local lanes = ARGV[2] ~= '' and { ARGV[2] } or redis.call('SMEMBERS', p .. 'outbox:lanes')
local heads = {}
for _, lane in ipairs(lanes) do
  for _, id in ipairs(redis.call('ZRANGE', p .. 'outbox:lane:' .. lane, 0, -1)) do
    local row = redis.call('GET', p .. 'outbox:item:' .. id)
    if row and cjson.decode(row).open then
      table.insert(heads, row)
      break
    end
  end
end
return heads
`;

/** ARGV: prefix. Every row. */
const LIST_SCRIPT = `
local p = ARGV[1]
local rows = {}
for _, lane in ipairs(redis.call('SMEMBERS', p .. 'outbox:lanes')) do
  for _, id in ipairs(redis.call('ZRANGE', p .. 'outbox:lane:' .. lane, 0, -1)) do
    local row = redis.call('GET', p .. 'outbox:item:' .. id)
    if row then table.insert(rows, row) end
  end
end
return rows
`;

/** ARGV: prefix. Per team with open conversations: its counts and the oldest queuedAt, as JSON. */
const TEAM_COUNTS_SCRIPT = `
local p = ARGV[1]
local counts = {}
for _, team in ipairs(redis.call('SMEMBERS', p .. 'queue:teams')) do
  local queued = redis.call('ZCARD', p .. 'queued:' .. team)
  local assigned = redis.call('SCARD', p .. 'assigned:' .. team)
  if queued + assigned > 0 then
    local oldest = redis.call('ZRANGE', p .. 'queued:' .. team, 0, 0, 'WITHSCORES')[2]
    table.insert(counts, cjson.encode({ team = team, queued = queued, assigned = assigned, oldest = oldest }))
  end
end
return counts
`;

/** ARGV: prefix. How many outbox items there are, lane by lane (only lanes with items are in outbox:lanes). */
const OUTBOX_COUNT_SCRIPT = `
local p = ARGV[1]
local items = 0
for _, lane in ipairs(redis.call('SMEMBERS', p .. 'outbox:lanes')) do items = items + redis.call('ZCARD', p .. 'outbox:lane:' .. lane) end
return items
`;

/** ARGV: prefix, id, open ('1' or '0'), document. */
const UPDATE_OUTBOX_SCRIPT = `
local key = ARGV[1] .. 'outbox:item:' .. ARGV[2]
local row = redis.call('GET', key)
if not row then return 0 end
row = cjson.decode(row)
row.open = ARGV[3] == '1'
row.document = ARGV[4]
redis.call('SET', key, cjson.encode(row))
return 1
`;

/** ARGV: prefix, id. */
const DELETE_OUTBOX_SCRIPT = `
local p = ARGV[1]
local key = p .. 'outbox:item:' .. ARGV[2]
local row = redis.call('GET', key)
if not row then return 0 end
local lane = cjson.decode(row).lane
redis.call('DEL', key)
redis.call('ZREM', p .. 'outbox:lane:' .. lane, ARGV[2])
if redis.call('ZCARD', p .. 'outbox:lane:' .. lane) == 0 then redis.call('SREM', p .. 'outbox:lanes', lane) end
return 1
`;

/** ARGV: prefix, id, staleBefore ('' to remove unconditionally). */
const REMOVE_SCRIPT = `${UNINDEX_LUA}
local p, id = ARGV[1], ARGV[2]
local ixKey = p .. 'ix:' .. id
local ix = redis.call('GET', ixKey)
if ix then ix = cjson.decode(ix) end
if ARGV[3] ~= '' and (not ix or ix.open or ix.updatedAt >= tonumber(ARGV[3])) then return 0 end
local existed = redis.call('DEL', p .. 'conv:' .. id)
if ix then unindex(p, id, ix) end
redis.call('ZREM', p .. 'updated', id)
redis.call('DEL', ixKey, p .. 'audit:' .. id, p .. 'transcript:' .. id)
local laneKey = p .. 'outbox:lane:' .. id
for _, oid in ipairs(redis.call('ZRANGE', laneKey, 0, -1)) do redis.call('DEL', p .. 'outbox:item:' .. oid) end
redis.call('DEL', laneKey)
redis.call('SREM', p .. 'outbox:lanes', id)
return existed
`;

/* The store's clock decides expiry, so tests can move it; PX only lets Redis drop old keys. */
const SEEN_SCRIPT = `
local expires = redis.call('GET', KEYS[1])
if expires and tonumber(expires) > tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1
`;

/*
 * Lane leases. The value carries the expiry by the store's clock, which decides (as for seen keys);
 * PX makes Redis drop a crashed holder's lease on its own. KEYS[1]: the lease; ARGV[1]: holder.
 */
const LEASE_LUA = `
local function lease_of(key)
  local value = redis.call('GET', key)
  if not value then return nil end
  local expires, holder = string.match(value, '^([^|]*)|(.*)$')
  return { holder = holder, expires = tonumber(expires) }
end
`;

/** ARGV: holder, now, expiresAt, ttl ms. SET NX takes a free lane; otherwise only an expired lease or the holder's own. */
const ACQUIRE_LEASE_SCRIPT = `${LEASE_LUA}
local value = ARGV[3] .. '|' .. ARGV[1]
if redis.call('SET', KEYS[1], value, 'NX', 'PX', ARGV[4]) then return 1 end
local lease = lease_of(KEYS[1])
if lease and lease.holder ~= ARGV[1] and lease.expires > tonumber(ARGV[2]) then return 0 end
redis.call('SET', KEYS[1], value, 'PX', ARGV[4])
return 1
`;

/** ARGV: holder, now, expiresAt, ttl ms. Compare-and-extend: only the holder, only before expiry. */
const RENEW_LEASE_SCRIPT = `${LEASE_LUA}
local lease = lease_of(KEYS[1])
if not lease or lease.holder ~= ARGV[1] or lease.expires <= tonumber(ARGV[2]) then return 0 end
redis.call('SET', KEYS[1], ARGV[3] .. '|' .. ARGV[1], 'PX', ARGV[4])
return 1
`;

/** ARGV: holder. Compare-and-delete. */
const RELEASE_LEASE_SCRIPT = `${LEASE_LUA}
local lease = lease_of(KEYS[1])
if not lease or lease.holder ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
return 1
`;

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
  const keyv = new Keyv(adapter, { namespace, useKeyPrefix: false, throwOnErrors: true });
  const clock = options.clock ?? systemClock;
  const prefix = adapter.createKeyPrefix("", adapter.namespace);
  const inbox = new RedisInboxBackend(client, prefix, location);
  const store = new KeyvConversationStore(new RedisBackend(keyv, adapter, client, location, remedy), clock);
  await upgradeIndex(client, prefix, store, location, remedy);
  return withInbox(store, new DurableInbox(inbox, clock));
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

  async remove(conversationId: string, staleBefore?: number): Promise<boolean> {
    const removed = await this.client.eval(REMOVE_SCRIPT, {
      arguments: [this.prefix, conversationId, staleBefore === undefined ? "" : String(staleBefore)],
    });
    return removed === 1;
  }

  async storedVersion(conversationId: string): Promise<number | undefined> {
    const entry = await this.client.get(this.key(`ix:${conversationId}`));
    return entry === null ? undefined : (JSON.parse(entry) as { version?: number }).version;
  }

  async loadTranscript(conversationId: string): Promise<StoredTranscript | undefined> {
    const found = (await this.client.eval(LOAD_TRANSCRIPT_SCRIPT, { arguments: [this.prefix, conversationId] })) as
      | [number, string[]]
      | null;
    return found ? { version: Number(found[0]), entries: found[1] } : undefined;
  }

  async activeIds(address: string): Promise<string[]> {
    return this.client.sMembers(this.key(`active:${address}`));
  }

  async threadId(thread: string): Promise<string | undefined> {
    return (await this.client.get(this.key(`thread:${thread}`))) ?? undefined;
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
    const recorded = await this.client.eval(SEEN_SCRIPT, {
      keys: [this.key(`seen:${key}`)],
      arguments: [String(now), String(expiresAt), String(expiresAt - now)],
    });
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
    await this.client.eval(APPEND_SCRIPT, { arguments: [this.prefix, outboxJson(entries)] });
  }

  async outboxHeads(lane?: string): Promise<OutboxRow[]> {
    const rows = (await this.client.eval(HEADS_SCRIPT, { arguments: [this.prefix, lane ?? ""] })) as string[];
    return rows.map((row) => JSON.parse(row) as OutboxRow);
  }

  async outboxUpdate(entry: OutboxWrite): Promise<boolean> {
    const updated = await this.client.eval(UPDATE_OUTBOX_SCRIPT, {
      arguments: [this.prefix, entry.id, entry.open ? "1" : "0", entry.document],
    });
    return updated === 1;
  }

  async outboxDelete(id: string): Promise<void> {
    await this.client.eval(DELETE_OUTBOX_SCRIPT, { arguments: [this.prefix, id] });
  }

  async outboxList(): Promise<OutboxRow[]> {
    const rows = (await this.client.eval(LIST_SCRIPT, { arguments: [this.prefix] })) as string[];
    return rows.map((row) => JSON.parse(row) as OutboxRow);
  }

  async dueIds(now: number): Promise<string[]> {
    return this.client.zRangeByScore(this.key("due"), "-inf", now);
  }

  async countQueued(team: string, upTo: number): Promise<number> {
    return this.client.zCount(this.key(`queued:${team}`), "-inf", upTo);
  }

  async teamCounts(): Promise<Record<string, TeamQueueCounts>> {
    const rows = (await this.client.eval(TEAM_COUNTS_SCRIPT, { arguments: [this.prefix] })) as string[];
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
    return Number(await this.client.eval(OUTBOX_COUNT_SCRIPT, { arguments: [this.prefix] }));
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
    return (await this.client.eval(script, { keys: [this.key(`lease:${lane}`)], arguments: args })) === 1;
  }

  async close(): Promise<void> {
    await this.keyv.disconnect();
  }

  private key(suffix: string): string {
    return `${this.prefix}${suffix}`;
  }

  private async write(write: ConversationWrite, expectedVersion: string, appends: CommitAppends): Promise<boolean> {
    const written = await this.client.eval(WRITE_SCRIPT, {
      arguments: [
        this.prefix,
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
      ],
    });
    return written === 1;
  }
}

/** PX takes whole milliseconds. */
function pxOf(ttlMs: number): string {
  return String(Math.max(1, Math.ceil(ttlMs)));
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
