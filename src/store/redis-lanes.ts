import type { LaneLease, LaneTake } from "../ports/outbox.js";

/*
 * The Lua of the outbox's and the inbox's lanes in Redis: their heads, their leases, and the inbox's completion, shared
 * by the outbox's scripts (redis-scripts.ts), the inbox's (redis-inbox.ts), and the conversation writes that complete
 * an item or an entry in their own step.
 */

/**
 * Lua shared by the outbox's and the inbox's scripts: whether a row (its JSON) is open, found without decoding it.
 * Its other fields are numbers, flags and strings (the document is JSON inside a string, where every quote is
 * escaped), so only the row's own flag can match "open":true, and cjson and JSON.stringify both write it without
 * spaces. Measured in Lua (a GET and the test, 20,000 times): 5.5 against 2.0 µs for a 730-byte row, 31 against 10 µs
 * for a 6 KB one (a card's), of Redis's one thread.
 */
export const ROW_OPEN_LUA = `
local function row_open(row) return string.find(row, '"open":true', 1, true) ~= nil end
`;

/**
 * Lua shared by the outbox's and the inbox's scripts: the first open row (JSON) of a lane's sorted set of ids, or nil.
 * It reads the ids a page at a time: the head is nearly always the first, and a lane can be long (the delivery
 * reactions' one lane held thousands at 1,000 msg/s), which a read of the whole set copied into Lua on every take
 * and every completion.
 */
export const LANE_HEAD_LUA = `${ROW_OPEN_LUA}
local function lane_head(laneKey, rowPrefix)
  local page, from = 16, 0
  while true do
    local ids = redis.call('ZRANGE', laneKey, from, from + page - 1)
    for _, id in ipairs(ids) do
      local row = redis.call('GET', rowPrefix .. id)
      if row and row_open(row) then return row end
    end
    if #ids < page then return nil end
    from = from + page
  end
end
`;

/*
 * Lane leases, under <prefix>lease:<name>. The value carries the expiry by the store's clock, which
 * decides (as for seen keys); PX makes Redis drop a crashed holder's lease on its own.
 */
export const LEASE_LUA = `
local function lease_of(key)
  local value = redis.call('GET', key)
  if not value then return nil end
  local expires, holder = string.match(value, '^([^|]*)|(.*)$')
  return { holder = holder, expires = tonumber(expires) }
end
-- SET NX takes a free lane; otherwise only an expired lease or the holder's own.
local function acquire_lease(key, holder, now, expiresAt, px)
  local value = expiresAt .. '|' .. holder
  if redis.call('SET', key, value, 'NX', 'PX', px) then return true end
  local lease = lease_of(key)
  if lease and lease.holder ~= holder and lease.expires > tonumber(now) then return false end
  redis.call('SET', key, value, 'PX', px)
  return true
end
-- Compare-and-delete.
local function release_lease(key, holder)
  local lease = lease_of(key)
  if not lease or lease.holder ~= holder then return false end
  redis.call('DEL', key)
  return true
end
-- A lane's head as the scripts that fold lease bookkeeping return it: { head }, or {} once the lease is let go.
local function head_or_release(head, key, holder)
  if head then return { head } end
  release_lease(key, holder)
  return {}
end
-- ARGV[3..7]: lease name, holder, now, expiresAt, ttl ms. False when another holder has the lease, else as head_or_release.
local function take_lane(p, head_of)
  local key = p .. 'lease:' .. ARGV[3]
  if not acquire_lease(key, ARGV[4], ARGV[5], ARGV[6], ARGV[7]) then return false end
  return head_or_release(head_of(), key, ARGV[4])
end
`;

/** take_lane's arguments (LEASE_LUA). */
export function takeLaneArgs(lease: LaneLease, now: number, expiresAt: number): string[] {
  return [lease.name, lease.holder, String(now), String(expiresAt), pxOf(expiresAt - now)];
}

/** PX takes whole milliseconds. */
export function pxOf(ttlMs: number): string {
  return String(Math.max(1, Math.ceil(ttlMs)));
}

/** The reply of a script ending in take_lane (LEASE_LUA). */
export function laneTakeOf<T>(reply: unknown, rowOf: (json: string) => T): LaneTake<T> {
  return reply === null ? { taken: false } : { taken: true, head: laneHeadOf(reply, rowOf) };
}

/** The reply of a script ending in head_or_release (LEASE_LUA). */
export function laneHeadOf<T>(reply: unknown, rowOf: (json: string) => T): T | undefined {
  const [head] = reply as string[];
  return head === undefined ? undefined : rowOf(head);
}

/** KEYS[1]: the lease. ARGV: holder, now, expiresAt, ttl ms. */
export const ACQUIRE_LEASE_SCRIPT = `${LEASE_LUA}
return acquire_lease(KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4]) and 1 or 0
`;

/** KEYS[1]: the lease. ARGV: holder, now, expiresAt, ttl ms. Compare-and-extend: only the holder, only before expiry. */
export const RENEW_LEASE_SCRIPT = `${LEASE_LUA}
local lease = lease_of(KEYS[1])
if not lease or lease.holder ~= ARGV[1] or lease.expires <= tonumber(ARGV[2]) then return 0 end
redis.call('SET', KEYS[1], ARGV[3] .. '|' .. ARGV[1], 'PX', ARGV[4])
return 1
`;

/** KEYS[1]: the lease. ARGV: holder. */
export const RELEASE_LEASE_SCRIPT = `${LEASE_LUA}
return release_lease(KEYS[1], ARGV[1]) and 1 or 0
`;

/** The lowest-seq open row of an inbox lane, or nil; needs LANE_HEAD_LUA before it. */
const INBOX_HEAD_FUNCTION = `
local function inbox_head(p, lane) return lane_head(p .. 'inbox:lane:' .. lane, p .. 'inbox:row:') end
`;

/** Lua shared by the scripts: inbox_head (INBOX_HEAD_FUNCTION) with what it needs. */
export const INBOX_HEAD_LUA = `${LANE_HEAD_LUA}${INBOX_HEAD_FUNCTION}`;

/**
 * complete marks a row processed (Redis drops it once its forgetAt has passed); complete_entry completes the entry
 * named from ARGV[o + 1] on (id, now, lane, lease name, holder; false when its id is ''), then answers as
 * head_or_release for its lane. Needs LEASE_LUA and LANE_HEAD_LUA before it: a conversation write has them already
 * (for its outbox lane), so it adds only this.
 */
export const INBOX_COMPLETION_LUA = `${INBOX_HEAD_FUNCTION}
local function complete(p, id, now)
  local key = p .. 'inbox:row:' .. id
  local row = redis.call('GET', key)
  if not row then return end
  row = cjson.decode(row)
  row.processed = true
  row.open = false
  row.document = ''
  local px = math.max(1, math.floor(row.forgetAt - tonumber(now)))
  redis.call('SET', key, cjson.encode(row), 'PX', string.format('%d', px))
  local laneKey = p .. 'inbox:lane:' .. row.lane
  redis.call('ZREM', laneKey, id)
  if redis.call('ZCARD', laneKey) == 0 then redis.call('SREM', p .. 'inbox:lanes', row.lane) end
end
local function complete_entry(p, o)
  if ARGV[o + 1] == '' then return false end
  complete(p, ARGV[o + 1], ARGV[o + 2])
  return head_or_release(inbox_head(p, ARGV[o + 3]), p .. 'lease:' .. ARGV[o + 4], ARGV[o + 5])
end
`;

/** Lua shared by the inbox's scripts: INBOX_COMPLETION_LUA with what it needs. */
export const INBOX_COMPLETE_LUA = `${LEASE_LUA}${LANE_HEAD_LUA}${INBOX_COMPLETION_LUA}`;

/** complete_entry's arguments (INBOX_COMPLETE_LUA): the entry and its lane's lease, at `now`. */
export function inboxCompleteArgs(id: string, lane: string, lease: LaneLease, now: number): string[] {
  return [id, String(now), lane, lease.name, lease.holder];
}
