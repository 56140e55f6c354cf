// Lua run inside Redis, so that check-and-reserve and reconciliation are each one atomic step
// however many replicas call them at once. Every key carries the same `{prefix}` hash tag, so
// all of a gateway's keys live in one Redis Cluster slot and a script may touch any of them.
//
// A window is a hash: r = requests, t = tokens reserved by requests in flight, p / c = prompt /
// completion tokens booked. A request in flight is a member of the deployment's `inflight`
// sorted set (id, tokens and its minute, hour and day window keys, one per line; scored by its
// lease expiry): a replica that
// dies mid-request cannot hold tokens for longer than the lease.

/** Releases the tokens of reservations whose lease ran out (their replica is gone). */
const PRUNE_EXPIRED = `
local function prune(inflight, now)
  local expired = redis.call('ZRANGEBYSCORE', inflight, '-inf', now)
  for _, member in ipairs(expired) do
    local parts = {}
    for part in string.gmatch(member, '[^\\n]+') do parts[#parts + 1] = part end
    local tokens = tonumber(parts[2])
    for i = 3, 5 do
      if redis.call('EXISTS', parts[i]) == 1 then redis.call('HINCRBY', parts[i], 't', -tokens) end
    end
    redis.call('ZREM', inflight, member)
  end
end
`;

/**
 * KEYS: minute, hour, day window; cooldown; totals; inflight.
 * ARGV: now, tokens, request limits (minute, hour, day; -1 = none), token limits (same),
 *       window ends (same), member, lease expiry, key TTL in ms.
 * Returns {1} when admitted; {0, retryAt (-1 = never), reason} when not.
 */
export const RESERVE_SCRIPT = `${PRUNE_EXPIRED}
local now = tonumber(ARGV[1])
local tokens = tonumber(ARGV[2])
local names = {'minute', 'hour', 'day'}
prune(KEYS[6], now)

local cooldown = redis.call('HMGET', KEYS[4], 'until', 'reason')
if tonumber(cooldown[1] or '0') > now then
  redis.call('HINCRBY', KEYS[5], 'limited', 1)
  return {0, tonumber(cooldown[1]), cooldown[2] or 'cooling down'}
end

local retryAt, reason = nil, nil
-- The latest time any full window frees up; -1 (never) wins over any time.
local function block(at, why)
  if retryAt == -1 then return end
  if at == -1 or retryAt == nil or at > retryAt then retryAt, reason = at, why end
end
for i = 1, 3 do
  local window = redis.call('HMGET', KEYS[i], 'r', 't', 'p', 'c')
  local requests = tonumber(window[1] or '0')
  local committed = tonumber(window[2] or '0') + tonumber(window[3] or '0') + tonumber(window[4] or '0')
  local requestLimit, tokenLimit, ends = tonumber(ARGV[2 + i]), tonumber(ARGV[5 + i]), tonumber(ARGV[8 + i])
  if requestLimit >= 0 and requests + 1 > requestLimit then block(ends, 'requests per ' .. names[i] .. ' limit reached') end
  if tokenLimit >= 0 and tokens > tokenLimit then
    block(-1, 'needs ' .. tokens .. ' tokens, more than the ' .. tokenLimit .. ' tokens per ' .. names[i] .. ' limit')
  elseif tokenLimit >= 0 and committed + tokens > tokenLimit then
    block(ends, 'tokens per ' .. names[i] .. ' limit reached')
  end
end
if retryAt ~= nil then
  redis.call('HINCRBY', KEYS[5], 'limited', 1)
  return {0, retryAt, reason}
end

local ttl = tonumber(ARGV[14])
for i = 1, 3 do
  redis.call('HINCRBY', KEYS[i], 'r', 1)
  redis.call('HINCRBY', KEYS[i], 't', tokens)
  -- Relative expiry: the caller's clock decides the window, Redis's clock only the lifetime.
  redis.call('PEXPIRE', KEYS[i], tonumber(ARGV[8 + i]) - now + ttl)
end
redis.call('ZADD', KEYS[6], tonumber(ARGV[13]), ARGV[12])
redis.call('PEXPIRE', KEYS[6], ttl)
redis.call('HINCRBY', KEYS[5], 'requests', 1)
redis.call('PEXPIRE', KEYS[5], ttl)
return {1}
`;

/**
 * KEYS: the reservation's minute, hour, day windows; the current minute, hour, day windows;
 *       totals; inflight.
 * ARGV: member, tokens, prompt tokens, completion tokens, outcome counter, current window ends
 *       (minute, hour, day), key TTL in ms, now.
 * Returns 1 when this call released the reservation, 0 when it was already released.
 */
export const SETTLE_SCRIPT = `
local released = redis.call('ZREM', KEYS[8], ARGV[1])
local tokens = tonumber(ARGV[2])
if released == 1 then
  -- A window that rolled over since the reservation no longer holds it (its key is gone or stale).
  for i = 1, 3 do
    if redis.call('EXISTS', KEYS[i]) == 1 then redis.call('HINCRBY', KEYS[i], 't', -tokens) end
  end
end
local prompt, completion = tonumber(ARGV[3]), tonumber(ARGV[4])
local ttl, now = tonumber(ARGV[9]), tonumber(ARGV[10])
for i = 4, 6 do
  if prompt > 0 then redis.call('HINCRBY', KEYS[i], 'p', prompt) end
  if completion > 0 then redis.call('HINCRBY', KEYS[i], 'c', completion) end
  redis.call('PEXPIRE', KEYS[i], tonumber(ARGV[2 + i]) - now + ttl)
end
redis.call('HINCRBY', KEYS[7], ARGV[5], 1)
redis.call('HINCRBY', KEYS[7], 'promptTokens', prompt)
redis.call('HINCRBY', KEYS[7], 'completionTokens', completion)
redis.call('PEXPIRE', KEYS[7], ttl)
return released
`;

/** KEYS: cooldown. ARGV: until, now (ms), reason. Never shortens a running cooldown. */
export const COOL_DOWN_SCRIPT = `
local deadline, now = tonumber(ARGV[1]), tonumber(ARGV[2])
if deadline > now and deadline > tonumber(redis.call('HGET', KEYS[1], 'until') or '0') then
  redis.call('HSET', KEYS[1], 'until', deadline, 'reason', ARGV[3])
  redis.call('PEXPIRE', KEYS[1], deadline - now)
end
return 1
`;
