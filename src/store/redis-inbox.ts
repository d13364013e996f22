import type { InboxCounts } from "../ports/inbox.js";
import type { LaneLease, LaneTake } from "../ports/outbox.js";
import type { InboxBackend, InboxInsert, InboxRow, InboxScriptStep, InsertAndTake } from "./inbox-store.js";
import {
  INBOX_COMPLETE_LUA,
  INBOX_HEAD_LUA,
  inboxCompleteArgs,
  LEASE_LUA,
  laneHeadOf,
  laneTakeOf,
  ROW_OPEN_LUA,
  takeLaneArgs,
} from "./redis-lanes.js";
import { runScript, type ScriptClient } from "./redis-scripts.js";

/** What the inbox needs of the store's Redis connection (its scripts run by SHA through runScript). */
export interface RedisInboxClient extends ScriptClient {
  eval(script: string, options: { arguments: string[] }): Promise<unknown>;
  get(key: string): Promise<string | null>;
}

/*
 * Keys, under the store's prefix: inbox:row:<id> (the row as JSON, with seq, processed and forgetAt),
 * inbox:lane:<lane> (a sorted set of the lane's unprocessed ids by seq), inbox:lanes (lanes with
 * unprocessed rows), inbox:seq, inbox:mark:<channel> (the watermark). Every write is one script.
 * A lane's lease is the store's lease:<name> (LEASE_LUA), taken and let go in the scripts that read the lane.
 */

/** Lua shared by the scripts: appends a row unless its id is remembered at `now`; 1 when it did, else 0. */
const INSERT_LUA = `
local function insert_row(p, json, forgetAt, now, channel, sentAt)
  local row = cjson.decode(json)
  local key = p .. 'inbox:row:' .. row.id
  local known = redis.call('GET', key)
  if known then
    known = cjson.decode(known)
    if not known.processed or known.forgetAt > tonumber(now) then return 0 end
  end
  row.seq = redis.call('INCR', p .. 'inbox:seq')
  row.processed = false
  row.forgetAt = tonumber(forgetAt)
  redis.call('SET', key, cjson.encode(row))
  redis.call('ZADD', p .. 'inbox:lane:' .. row.lane, row.seq, row.id)
  redis.call('SADD', p .. 'inbox:lanes', row.lane)
  if channel ~= '' then
    local markKey = p .. 'inbox:mark:' .. channel
    local mark = redis.call('GET', markKey)
    if not mark or tonumber(mark) < tonumber(sentAt) then redis.call('SET', markKey, sentAt) end
  end
  return 1
end
`;

/** ARGV: prefix, row JSON, forgetAt, now, watermark channel ('' for none), sentAt. */
const INSERT_SCRIPT = `${INSERT_LUA}
return insert_row(ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6])
`;

/** ARGV: prefix, lane ('' for every lane), only the head ('1') or every row ('0'). */
const ROWS_SCRIPT = `${INBOX_HEAD_LUA}
local p = ARGV[1]
local lanes = ARGV[2] ~= '' and { ARGV[2] } or redis.call('SMEMBERS', p .. 'inbox:lanes')
local found = {}
for _, lane in ipairs(lanes) do
  if ARGV[3] == '1' then
    local head = inbox_head(p, lane)
    if head then table.insert(found, head) end
  else
    for _, id in ipairs(redis.call('ZRANGE', p .. 'inbox:lane:' .. lane, 0, -1)) do
      local row = redis.call('GET', p .. 'inbox:row:' .. id)
      if row then table.insert(found, row) end
    end
  end
end
return found
`;

/** ARGV: prefix, lane, then take_lane's (LEASE_LUA). */
const TAKE_SCRIPT = `${LEASE_LUA}${INBOX_HEAD_LUA}
return take_lane(ARGV[1], function() return inbox_head(ARGV[1], ARGV[2]) end)
`;

/** ARGV: prefix, lane, then take_lane's (LEASE_LUA), then row JSON, forgetAt, watermark channel, sentAt. { inserted, take_lane's reply }. */
const INSERT_TAKE_SCRIPT = `${LEASE_LUA}${INBOX_HEAD_LUA}${INSERT_LUA}
local inserted = insert_row(ARGV[1], ARGV[8], ARGV[9], ARGV[5], ARGV[10], ARGV[11])
return { inserted, take_lane(ARGV[1], function() return inbox_head(ARGV[1], ARGV[2]) end) }
`;

/** ARGV: prefix, id, open ('1' or '0'), document. */
const UPDATE_SCRIPT = `
local key = ARGV[1] .. 'inbox:row:' .. ARGV[2]
local row = redis.call('GET', key)
if not row then return 0 end
row = cjson.decode(row)
if row.processed then return 0 end
row.open = ARGV[3] == '1'
row.document = ARGV[4]
redis.call('SET', key, cjson.encode(row))
return 1
`;

/** ARGV: prefix, id, now. */
const COMPLETE_SCRIPT = `${INBOX_COMPLETE_LUA}
complete(ARGV[1], ARGV[2], ARGV[3])
return 1
`;

/** ARGV: prefix, then complete_entry's (INBOX_COMPLETE_LUA). */
const COMPLETE_HEAD_SCRIPT = `${INBOX_COMPLETE_LUA}
return complete_entry(ARGV[1], 1)
`;

/** ARGV: prefix. Unprocessed rows, open and parked: { pending, parked }. */
const COUNT_SCRIPT = `${ROW_OPEN_LUA}
local p = ARGV[1]
local pending, parked = 0, 0
for _, lane in ipairs(redis.call('SMEMBERS', p .. 'inbox:lanes')) do
  for _, id in ipairs(redis.call('ZRANGE', p .. 'inbox:lane:' .. lane, 0, -1)) do
    local row = redis.call('GET', p .. 'inbox:row:' .. id)
    if row then
      if row_open(row) then pending = pending + 1 else parked = parked + 1 end
    end
  end
end
return { pending, parked }
`;

/** The Redis store's inbox, on the store's own connection and prefix. */
export class RedisInboxBackend implements InboxBackend {
  readonly remedy = "start Redis or fix REDIS_URL";

  constructor(
    private readonly client: RedisInboxClient,
    private readonly prefix: string,
    readonly location: string,
  ) {}

  async insert({ row, watermark, forgetAt }: InboxInsert, now: number): Promise<boolean> {
    const inserted = await runScript(
      this.client,
      INSERT_SCRIPT,
      [],
      [
        this.prefix,
        JSON.stringify(row),
        String(forgetAt),
        String(now),
        watermark?.channel ?? "",
        watermark ? String(watermark.sentAt) : "",
      ],
    );
    return inserted === 1;
  }

  async insertAndTake({ row, watermark, forgetAt }: InboxInsert, now: number, lease: LaneLease, expiresAt: number): Promise<InsertAndTake> {
    const [inserted, take] = (await runScript(
      this.client,
      INSERT_TAKE_SCRIPT,
      [],
      [
        this.prefix,
        row.lane,
        ...takeLaneArgs(lease, now, expiresAt),
        JSON.stringify(row),
        String(forgetAt),
        watermark?.channel ?? "",
        watermark ? String(watermark.sentAt) : "",
      ],
    )) as [number, unknown];
    return { inserted: inserted === 1, take: laneTakeOf(take, rowOf) };
  }

  async heads(lane?: string): Promise<InboxRow[]> {
    return this.rows(lane ?? "", true);
  }

  async take(lane: string, lease: LaneLease, now: number, expiresAt: number): Promise<LaneTake<InboxRow>> {
    const reply = await runScript(this.client, TAKE_SCRIPT, [], [this.prefix, lane, ...takeLaneArgs(lease, now, expiresAt)]);
    return laneTakeOf(reply, rowOf);
  }

  async update(row: Omit<InboxRow, "seq">): Promise<boolean> {
    const updated = await runScript(this.client, UPDATE_SCRIPT, [], [this.prefix, row.id, row.open ? "1" : "0", row.document]);
    return updated === 1;
  }

  async complete(id: string, now: number): Promise<void> {
    await runScript(this.client, COMPLETE_SCRIPT, [], [this.prefix, id, String(now)]);
  }

  async completeHead(id: string, lane: string, lease: LaneLease, now: number): Promise<InboxRow | undefined> {
    const reply = await runScript(this.client, COMPLETE_HEAD_SCRIPT, [], [this.prefix, ...inboxCompleteArgs(id, lane, lease, now)]);
    return laneHeadOf(reply, rowOf);
  }

  /** The store's conversation writes run it in their own script (see InboxBackend.completeHeadInScript). */
  completeHeadInScript(id: string, lane: string, lease: LaneLease, now: number): InboxScriptStep {
    return { args: inboxCompleteArgs(id, lane, lease, now), headOf: (reply) => laneHeadOf(reply, rowOf) };
  }

  async list(): Promise<InboxRow[]> {
    return this.rows("", false);
  }

  async count(): Promise<InboxCounts> {
    const [pending, parked] = (await runScript(this.client, COUNT_SCRIPT, [], [this.prefix])) as [number, number];
    return { pending: Number(pending), parked: Number(parked) };
  }

  async watermark(channel: string): Promise<number | undefined> {
    const mark = await this.client.get(`${this.prefix}inbox:mark:${channel}`);
    return mark === null ? undefined : Number(mark);
  }

  /** The store closes the shared connection. */
  async close(): Promise<void> {}

  private async rows(lane: string, headsOnly: boolean): Promise<InboxRow[]> {
    const rows = (await runScript(this.client, ROWS_SCRIPT, [], [this.prefix, lane, headsOnly ? "1" : "0"])) as string[];
    return rows.map(rowOf);
  }
}

function rowOf(json: string): InboxRow {
  const { id, lane, seq, open, document } = JSON.parse(json) as InboxRow;
  return { id, lane, seq: Number(seq), open: open === true, document };
}
