/**
 * Lua scripts the {@link RedisAdapter} runs. Redis runs a script atomically, so numbering a
 * message, recording it and publishing it happen as one step: every node receives a room's
 * messages in `seq` order.
 */

/**
 * KEYS: seq counter, history stream. ARGV: channel, envelope head (ends with `"seq":`), envelope
 * tail, message JSON without its seq, max history length. Returns the new seq.
 */
export const SEND_SCRIPT = `
local seq = redis.call('INCR', KEYS[1])
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[5], seq .. '-0', 'm', ARGV[4])
redis.call('PUBLISH', ARGV[1], ARGV[2] .. seq .. ARGV[3])
return seq
`;

/**
 * Claims a name. KEYS: users hash. ARGV: name key, record JSON, session, node key prefix.
 * Free, held by the same session (a client failing over), or held by a dead node's user: taken.
 * Returns 1 when claimed, 0 when held.
 */
export const CLAIM_SCRIPT = `
local current = redis.call('HGET', KEYS[1], ARGV[1])
if current then
  local record = cjson.decode(current)
  if record.session ~= ARGV[3] and redis.call('EXISTS', ARGV[4] .. record.node) == 1 then
    return 0
  end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1
`;

/**
 * Updates a user's rooms if this node still holds it (an empty list is encoded as `{}`: readers
 * accept both). KEYS: users hash. ARGV: name key, node,
 * room, 1 to add / 0 to remove.
 */
export const ROOMS_SCRIPT = `
local current = redis.call('HGET', KEYS[1], ARGV[1])
if not current then return 0 end
local record = cjson.decode(current)
if record.node ~= ARGV[2] then return 0 end
local rooms = {}
for _, room in ipairs(record.rooms) do
  if room ~= ARGV[3] then table.insert(rooms, room) end
end
if ARGV[4] == '1' then table.insert(rooms, ARGV[3]) end
record.rooms = rooms
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(record))
return 1
`;

/** Releases a name if this node holds it. KEYS: users hash. ARGV: name key, node. Returns the record JSON or false. */
export const RELEASE_SCRIPT = `
local current = redis.call('HGET', KEYS[1], ARGV[1])
if not current then return false end
local record = cjson.decode(current)
if record.node ~= ARGV[2] then return false end
redis.call('HDEL', KEYS[1], ARGV[1])
return current
`;
