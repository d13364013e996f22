import { createHash } from "node:crypto";
import { INBOX_COMPLETION_LUA, LANE_HEAD_LUA, LEASE_LUA } from "./redis-lanes.js";

/*
 * The Redis store's Lua scripts: every write is one script, so a document and its index entries
 * change together and Redis runs nothing in between (the key layout is described in redis-store.ts).
 */

/** What running a script needs of the connection: a raw command, which skips the client's per-command parsing. */
export interface ScriptClient {
  sendCommand(args: string[]): Promise<unknown>;
}

/** Each script's SHA1, computed once. */
const shas = new Map<string, string>();

/**
 * Runs a script by its SHA1 (EVALSHA), so its text is neither sent nor hashed again on every call.
 * A Redis without it (restarted, or SCRIPT FLUSH) answers NOSCRIPT: then EVAL sends it, which caches it again.
 * Either way the script runs once, atomically.
 */
export async function runScript(client: ScriptClient, script: string, keys: string[], args: string[]): Promise<unknown> {
  let sha = shas.get(script);
  if (sha === undefined) {
    sha = createHash("sha1").update(script).digest("hex");
    shas.set(script, sha);
  }
  const rest = [String(keys.length), ...keys, ...args];
  try {
    return await client.sendCommand(["EVALSHA", sha, ...rest]);
  } catch (error) {
    if (!(error instanceof Error && error.message.startsWith("NOSCRIPT"))) throw error;
    return client.sendCommand(["EVAL", script, ...rest]);
  }
}

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

/**
 * Lua shared by the scripts: moves a conversation's index entries from its previous entry (old, or nil when
 * new) to its next, touching only those that changed. Most writes change only the version and updatedAt, so
 * they leave every set alone but 'updated': a full unindex and index was some twenty calls a write.
 */
const REINDEX_LUA = `
local function reindex(p, id, old, new)
  -- GET answers false for a missing key.
  if not old then old = nil end
  local sameCustomer = old ~= nil and old.customer == new.customer
  if not sameCustomer then
    if old then redis.call('SREM', p .. 'customer:' .. old.customer, id) end
    redis.call('SADD', p .. 'customer:' .. new.customer, id)
  end
  if not (sameCustomer and old.active == new.active) then
    if old then redis.call('SREM', p .. 'active:' .. old.customer, id) end
    if new.active then redis.call('SADD', p .. 'active:' .. new.customer, id) end
  end
  if not (old and old.open == new.open) then
    if new.open then redis.call('SADD', p .. 'open', id) else redis.call('SREM', p .. 'open', id) end
  end
  if not (old and old.timersDueAt == new.timersDueAt) then
    if new.timersDueAt then redis.call('ZADD', p .. 'due', new.timersDueAt, id) else redis.call('ZREM', p .. 'due', id) end
  end
  if not (old and old.team == new.team and old.queuedAt == new.queuedAt) then
    if old and old.team then
      redis.call('ZREM', p .. 'queued:' .. old.team, id)
      redis.call('SREM', p .. 'assigned:' .. old.team, id)
    end
    if new.team then
      redis.call('SADD', p .. 'queue:teams', new.team)
      if new.queuedAt then redis.call('ZADD', p .. 'queued:' .. new.team, new.queuedAt, id)
      else redis.call('SADD', p .. 'assigned:' .. new.team, id) end
    end
  end
  local oc, nc = old and old.lastClaim, new.lastClaim
  local sameClaim = (oc == nil and nc == nil) or (oc ~= nil and nc ~= nil and oc.team == nc.team and oc.claimedAt == nc.claimedAt and oc.waitedMs == nc.waitedMs)
  if not (old and sameClaim) then
    if oc then redis.call('ZREM', p .. 'claims:' .. oc.team, oc.waitedMs .. ':' .. id) end
    if nc then redis.call('ZADD', p .. 'claims:' .. nc.team, nc.claimedAt, nc.waitedMs .. ':' .. id) end
  end
  local sameThreads = old ~= nil and #old.threads == #new.threads
  if sameThreads then
    for i, thread in ipairs(new.threads) do if old.threads[i] ~= thread then sameThreads = false end end
  end
  if not sameThreads then
    if old then
      for _, thread in ipairs(old.threads) do
        if redis.call('GET', p .. 'thread:' .. thread) == id then redis.call('DEL', p .. 'thread:' .. thread) end
      end
    end
    for _, thread in ipairs(new.threads) do redis.call('SET', p .. 'thread:' .. thread, id) end
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
 * Lua shared by the scripts: writes a conversation from ARGV[o + 1] on: id, expected version ('' to create), document,
 * index entry JSON (with the version), updatedAt, outbox rows JSON, transcript replace ('1' or '0'), transcript length,
 * the number of changed entries n, n pairs of position and entry JSON, then the audit events to append, one per argument.
 * 1 when written, 0 when the compare-and-set (or the create) lost and nothing was.
 */
const WRITE_CONVERSATION_LUA = `${REINDEX_LUA}${APPEND_OUTBOX_LUA}${WRITE_TRANSCRIPT_LUA}
local function write_conversation(p, o)
  local id, expected = ARGV[o + 1], ARGV[o + 2]
  local docKey, ixKey = p .. 'conv:' .. id, p .. 'ix:' .. id
  local old = redis.call('GET', ixKey)
  if old then old = cjson.decode(old) end
  if expected == '' then
    if redis.call('EXISTS', docKey) == 1 then return 0 end
  elseif old and old.version then
    -- The index entry is written with the document and records its version: no need to decode the document.
    if old.version ~= tonumber(expected) or redis.call('EXISTS', docKey) == 0 then return 0 end
  else
    local current = redis.call('GET', docKey)
    if not current then return 0 end
    local stored = cjson.decode(current)
    if type(stored.value) ~= 'table' or stored.value.version ~= tonumber(expected) then return 0 end
  end
  local new = cjson.decode(ARGV[o + 4])
  redis.call('SET', docKey, ARGV[o + 3])
  redis.call('SET', ixKey, ARGV[o + 4])
  reindex(p, id, old, new)
  redis.call('ZADD', p .. 'updated', ARGV[o + 5], id)
  append_outbox(p, cjson.decode(ARGV[o + 6]))
  local changes = {}
  local changesFrom = o + 10
  local auditFrom = changesFrom + 2 * tonumber(ARGV[o + 9])
  for i = changesFrom, auditFrom - 1 do table.insert(changes, ARGV[i]) end
  write_transcript(p .. 'transcript:' .. id, ARGV[o + 7] == '1', tonumber(ARGV[o + 8]), changes)
  for i = auditFrom, #ARGV do redis.call('RPUSH', p .. 'audit:' .. id, ARGV[i]) end
  return 1
end
`;

/** ARGV: prefix, id. The version and transcript entries, or false when the index entry has no version (not stored, or an older write). */
export const LOAD_TRANSCRIPT_SCRIPT = `
local p, id = ARGV[1], ARGV[2]
local ix = redis.call('GET', p .. 'ix:' .. id)
if not ix then return false end
local version = cjson.decode(ix).version
if not version then return false end
return { version, redis.call('LRANGE', p .. 'transcript:' .. id, 0, -1) }
`;

/**
 * ARGV: prefix, id, the version the caller has ('' for none). False when no document is stored; { version } when
 * the stored version is the caller's; else { version or false, document, transcript entries }: one snapshot.
 */
export const READ_SCRIPT = `
local p, id = ARGV[1], ARGV[2]
local ix = redis.call('GET', p .. 'ix:' .. id)
local version = ix and cjson.decode(ix).version or false
if version and version == tonumber(ARGV[3]) then return { version } end
local document = redis.call('GET', p .. 'conv:' .. id)
if not document then return false end
return { version, document, redis.call('LRANGE', p .. 'transcript:' .. id, 0, -1) }
`;

/** ARGV: prefix, thread. False when no conversation has it; else { id, its stored version or false }. */
export const THREAD_VERSION_SCRIPT = `
local p = ARGV[1]
local id = redis.call('GET', p .. 'thread:' .. ARGV[2])
if not id then return false end
local ix = redis.call('GET', p .. 'ix:' .. id)
return { id, ix and cjson.decode(ix).version or false }
`;

/** ARGV: prefix, customer address. Its active ids, each followed by its document (false when it is gone). */
export const ACTIVE_DOCUMENTS_SCRIPT = `
local p = ARGV[1]
local found = {}
for _, id in ipairs(redis.call('SMEMBERS', p .. 'active:' .. ARGV[2])) do
  table.insert(found, id)
  table.insert(found, redis.call('GET', p .. 'conv:' .. id))
end
return found
`;

/** ARGV: prefix, outbox rows JSON. */
export const APPEND_SCRIPT = `${APPEND_OUTBOX_LUA}
append_outbox(ARGV[1], cjson.decode(ARGV[2]))
return 1
`;

/** Lua shared by the scripts: the first open row of an outbox lane, or nil. */
const OUTBOX_HEAD_LUA = `${LANE_HEAD_LUA}
local function outbox_head(p, lane) return lane_head(p .. 'outbox:lane:' .. lane, p .. 'outbox:item:') end
`;

/** ARGV: prefix, lane ('' for every lane). Returns the first open row of each lane. */
export const HEADS_SCRIPT = `${OUTBOX_HEAD_LUA}
local p = ARGV[1]
local lanes = ARGV[2] ~= '' and { ARGV[2] } or redis.call('SMEMBERS', p .. 'outbox:lanes')
local heads = {}
for _, lane in ipairs(lanes) do
  local head = outbox_head(p, lane)
  if head then table.insert(heads, head) end
end
return heads
`;

/** ARGV: prefix. Every row. */
export const LIST_SCRIPT = `
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
export const TEAM_COUNTS_SCRIPT = `
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
export const OUTBOX_COUNT_SCRIPT = `
local p = ARGV[1]
local items = 0
for _, lane in ipairs(redis.call('SMEMBERS', p .. 'outbox:lanes')) do items = items + redis.call('ZCARD', p .. 'outbox:lane:' .. lane) end
return items
`;

/** ARGV: prefix, id, open ('1' or '0'), document. */
export const UPDATE_OUTBOX_SCRIPT = `
local key = ARGV[1] .. 'outbox:item:' .. ARGV[2]
local row = redis.call('GET', key)
if not row then return 0 end
row = cjson.decode(row)
row.open = ARGV[3] == '1'
row.document = ARGV[4]
redis.call('SET', key, cjson.encode(row))
return 1
`;

/** ARGV: prefix, id, staleBefore ('' to remove unconditionally). */
export const REMOVE_SCRIPT = `${UNINDEX_LUA}
local p, id = ARGV[1], ARGV[2]
local ixKey = p .. 'ix:' .. id
local ix = redis.call('GET', ixKey)
if ix then ix = cjson.decode(ix) end
if ARGV[3] ~= '' and (not ix or ix.open or ix.updatedAt >= tonumber(ARGV[3])) then return 0 end
local existed = redis.call('DEL', p .. 'conv:' .. id)
if ix then unindex(p, id, ix) end
redis.call('ZREM', p .. 'updated', id)
redis.call('DEL', ixKey, p .. 'audit:' .. id, p .. 'transcript:' .. id, p .. 'media:' .. id)
local laneKey = p .. 'outbox:lane:' .. id
for _, oid in ipairs(redis.call('ZRANGE', laneKey, 0, -1)) do redis.call('DEL', p .. 'outbox:item:' .. oid) end
redis.call('DEL', laneKey)
redis.call('SREM', p .. 'outbox:lanes', id)
return existed
`;

/** ARGV: prefix, id, then each medium's id and bytes. Kept in the conversation's media hash only while its index entry is stored. */
export const SAVE_MEDIA_SCRIPT = `
local p, id = ARGV[1], ARGV[2]
if redis.call('EXISTS', p .. 'ix:' .. id) == 0 then return 0 end
for i = 3, #ARGV, 2 do redis.call('HSET', p .. 'media:' .. id, ARGV[i], ARGV[i + 1]) end
return 1
`;

/* The store's clock decides expiry, so tests can move it; PX only lets Redis drop old keys. */
export const SEEN_SCRIPT = `
local expires = redis.call('GET', KEYS[1])
if expires and tonumber(expires) > tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1
`;

/** ARGV: prefix, lane, then take_lane's (LEASE_LUA). */
export const TAKE_OUTBOX_LANE_SCRIPT = `${LEASE_LUA}${OUTBOX_HEAD_LUA}
return take_lane(ARGV[1], function() return outbox_head(ARGV[1], ARGV[2]) end)
`;

/** Lua shared by the scripts: deletes an outbox item, then as head_or_release (LEASE_LUA) for its lane. */
const COMPLETE_ITEM_LUA = `${LEASE_LUA}${OUTBOX_HEAD_LUA}
local function complete_item(p, id, lane, leaseName, holder)
  local laneKey = p .. 'outbox:lane:' .. lane
  redis.call('DEL', p .. 'outbox:item:' .. id)
  redis.call('ZREM', laneKey, id)
  if redis.call('ZCARD', laneKey) == 0 then redis.call('SREM', p .. 'outbox:lanes', lane) end
  return head_or_release(outbox_head(p, lane), p .. 'lease:' .. leaseName, holder)
end
-- A commit's completion from ARGV[o + 1] on (item id, lane, lease name, holder): false when its id is '', else complete_item's reply.
local function commit_completion(p, o)
  if ARGV[o + 1] == '' then return false end
  return complete_item(p, ARGV[o + 1], ARGV[o + 2], ARGV[o + 3], ARGV[o + 4])
end
`;

/**
 * ARGV: prefix, the commit's completions (the outbox item's, as commit_completion's: 4; the inbox entry's, as
 * complete_entry's: 5), then write_conversation's (WRITE_CONVERSATION_LUA). 0 when the compare-and-set (or the
 * create) lost and nothing was written; else { the item's completion reply, the entry's }. Both are completed in the
 * write's own step, as SQLite's transaction does: a crash never leaves a recorded change with its item still queued
 * or its message still unprocessed.
 */
export const WRITE_SCRIPT = `${WRITE_CONVERSATION_LUA}${COMPLETE_ITEM_LUA}${INBOX_COMPLETION_LUA}
if write_conversation(ARGV[1], 10) == 0 then return 0 end
return { commit_completion(ARGV[1], 1), complete_entry(ARGV[1], 5) }
`;

/**
 * ARGV: prefix, lane, take_lane's (LEASE_LUA), the commit's completions (as WRITE_SCRIPT's), then
 * write_conversation's (WRITE_CONVERSATION_LUA). 0 when the compare-and-set lost (nothing written, nothing taken);
 * else { take_lane's reply, the item's completion reply, the entry's }: the completions come before the take, as in
 * SQLite's transaction.
 */
export const WRITE_TAKE_OUTBOX_LANE_SCRIPT = `${WRITE_CONVERSATION_LUA}${COMPLETE_ITEM_LUA}${INBOX_COMPLETION_LUA}
if write_conversation(ARGV[1], 16) == 0 then return 0 end
local item, entry = commit_completion(ARGV[1], 7), complete_entry(ARGV[1], 11)
return { take_lane(ARGV[1], function() return outbox_head(ARGV[1], ARGV[2]) end), item, entry }
`;

/** ARGV: prefix, id, lane, lease name, holder. As complete_item (COMPLETE_ITEM_LUA). */
export const COMPLETE_OUTBOX_SCRIPT = `${COMPLETE_ITEM_LUA}
return complete_item(ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5])
`;
