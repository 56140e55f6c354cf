// Lua run inside Redis, so that check-and-reserve and reconciliation are each one atomic step
// however many replicas call them at once. Every key carries the same `{prefix}` hash tag, so
// all of a gateway's keys live in one Redis Cluster slot and a script may touch any of them.
//
// A window is a hash: r = requests, t = tokens reserved by requests in flight, p / c = prompt /
// completion tokens booked. A request in flight is a member of the deployment's `inflight`
// sorted set (id, tokens, its minute, hour and day window keys, the replica's id and the
// replica process's incarnation, one per line; scored by its lease expiry): a replica that
// dies mid-request cannot hold tokens for longer than the lease, and one restarted under the
// same id releases what its previous incarnation left at once. Each replica id keeps the set of
// `inflight` keys it reserved in (`replica` below), so that it finds them again.

/** Releases one in-flight member's tokens from the windows that still hold them. */
const RELEASE_MEMBER = `
local function member_parts(member)
  local parts = {}
  for part in string.gmatch(member, '[^\\n]+') do parts[#parts + 1] = part end
  return parts
end
local function release(inflight, member, parts)
  local tokens = tonumber(parts[2])
  for i = 3, 5 do
    if redis.call('EXISTS', parts[i]) == 1 then redis.call('HINCRBY', parts[i], 't', -tokens) end
  end
  redis.call('ZREM', inflight, member)
end
`;

/** Releases the tokens of reservations whose lease ran out (their replica is gone). */
const PRUNE_EXPIRED = `${RELEASE_MEMBER}
local function prune(inflight, now)
  local expired = redis.call('ZRANGEBYSCORE', inflight, '-inf', now)
  for _, member in ipairs(expired) do release(inflight, member, member_parts(member)) end
end
`;

/**
 * `refusal` checks one deployment, writing nothing; `try_reserve` checks it and, when every window,
 * its cooldown and its limits leave room, reserves a place in it. `k` is the index of its first
 * key (minute, hour, day window; cooldown; totals; inflight), `a` of its first argument (tokens;
 * request limits minute, hour, day, -1 = none; token limits, same; window ends, same; in-flight
 * member). Both return nil when there is room, or the retry time (-1 = never) and the reason.
 */
const TRY_RESERVE = `${PRUNE_EXPIRED}
local names = {'minute', 'hour', 'day'}
local function refusal(k, a, now)
  local cooldown = redis.call('HMGET', KEYS[k + 3], 'until', 'reason')
  if tonumber(cooldown[1] or '0') > now then return tonumber(cooldown[1]), cooldown[2] or 'cooling down' end
  local tokens = tonumber(ARGV[a])
  local retryAt, reason = nil, nil
  -- The latest time any full window frees up; -1 (never) wins over any time.
  local function block(at, why)
    if retryAt == -1 then return end
    if at == -1 or retryAt == nil or at > retryAt then retryAt, reason = at, why end
  end
  for i = 1, 3 do
    local window = redis.call('HMGET', KEYS[k + i - 1], 'r', 't', 'p', 'c')
    local requests = tonumber(window[1] or '0')
    local committed = tonumber(window[2] or '0') + tonumber(window[3] or '0') + tonumber(window[4] or '0')
    local requestLimit, tokenLimit, ends = tonumber(ARGV[a + i]), tonumber(ARGV[a + 3 + i]), tonumber(ARGV[a + 6 + i])
    if requestLimit >= 0 and requests + 1 > requestLimit then block(ends, 'requests per ' .. names[i] .. ' limit reached') end
    if tokenLimit >= 0 and tokens > tokenLimit then
      block(-1, 'needs ' .. tokens .. ' tokens, more than the ' .. tokenLimit .. ' tokens per ' .. names[i] .. ' limit')
    elseif tokenLimit >= 0 and committed + tokens > tokenLimit then
      block(ends, 'tokens per ' .. names[i] .. ' limit reached')
    end
  end
  return retryAt, reason
end
local function try_reserve(k, a, now, lease, ttl, replica)
  prune(KEYS[k + 5], now)
  local retryAt, reason = refusal(k, a, now)
  if retryAt ~= nil then
    redis.call('HINCRBY', KEYS[k + 4], 'limited', 1)
    return retryAt, reason
  end
  local tokens = tonumber(ARGV[a])
  for i = 1, 3 do
    redis.call('HINCRBY', KEYS[k + i - 1], 'r', 1)
    redis.call('HINCRBY', KEYS[k + i - 1], 't', tokens)
    -- Relative expiry: the caller's clock decides the window, Redis's clock only the lifetime.
    redis.call('PEXPIRE', KEYS[k + i - 1], tonumber(ARGV[a + 6 + i]) - now + ttl)
  end
  redis.call('ZADD', KEYS[k + 5], lease, ARGV[a + 10])
  redis.call('PEXPIRE', KEYS[k + 5], ttl)
  redis.call('SADD', replica, KEYS[k + 5])
  redis.call('PEXPIRE', replica, ttl)
  redis.call('HINCRBY', KEYS[k + 4], 'requests', 1)
  redis.call('PEXPIRE', KEYS[k + 4], ttl)
  return nil
end

-- The minute window's fullest share of its per-minute limits (0 = idle), as least-used ranks.
local function utilisation(k, a)
  local window = redis.call('HMGET', KEYS[k], 'r', 't', 'p', 'c')
  local requests = tonumber(window[1] or '0')
  local committed = tonumber(window[2] or '0') + tonumber(window[3] or '0') + tonumber(window[4] or '0')
  local requestLimit, tokenLimit = tonumber(ARGV[a + 1]), tonumber(ARGV[a + 4])
  local load = 0
  if requestLimit > 0 then load = math.max(load, requests / requestLimit) end
  if tokenLimit > 0 then load = math.max(load, committed / tokenLimit) end
  return load
end

-- The candidates in the order to try them (1-based). With advance, a round-robin request moves the
-- cursor of its candidate set, shared by every replica; a preview only reads it.
local function candidate_order(ordering, count, keyAt, argAt, advance, ttl)
  local order = {}
  if ordering == 'round-robin' then
    local start
    if advance then
      start = (redis.call('INCR', KEYS[1]) - 1) % count
      redis.call('PEXPIRE', KEYS[1], ttl)
    else
      start = tonumber(redis.call('GET', KEYS[1]) or '0') % count
    end
    for i = 0, count - 1 do order[#order + 1] = (start + i) % count + 1 end
    return order
  end
  for c = 1, count do order[c] = c end
  if ordering == 'least-used' then
    local load = {}
    for c = 1, count do load[c] = utilisation(keyAt(c), argAt(c)) end
    table.sort(order, function(x, y)
      if load[x] ~= load[y] then return load[x] < load[y] end
      return x < y
    end)
  end
  return order
end
`;

/** Keys per candidate of RESERVE_FIRST_SCRIPT, and arguments per candidate. */
export const KEYS_PER_CANDIDATE = 6;
export const ARGS_PER_CANDIDATE = 12;

/**
 * Orders the candidates of one request and reserves the first that has room, in one atomic
 * step: the rotation every replica shares and the check-and-reserve cannot interleave with
 * another replica's. Candidates this replica already refused (an open circuit, its own limits)
 * keep their place in the order but are not reserved.
 *
 * KEYS: the rotation cursor, the replica's set of inflight keys, then per candidate: minute,
 *       hour, day window; cooldown; totals; inflight.
 * ARGV: now, ordering ('given' | 'round-robin' | 'least-used'), how many candidates of the order
 *       may be considered, lease expiry, key TTL in ms, then per candidate: eligible (1 / 0),
 *       tokens, request limits (minute, hour, day; -1 = none), token limits (same), window ends
 *       (same), in-flight member.
 * Returns {admitted (1-based candidate, 0 = none), order (1-based candidates),
 *          refusals (candidate, retry time (-1 = never), reason; flattened)}.
 */
export const RESERVE_FIRST_SCRIPT = `${TRY_RESERVE}
local now, ordering, considered = tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[3])
local lease, ttl = tonumber(ARGV[4]), tonumber(ARGV[5])
local count = (#KEYS - 2) / ${KEYS_PER_CANDIDATE}
local keyAt = function(c) return 3 + (c - 1) * ${KEYS_PER_CANDIDATE} end
local argAt = function(c) return 7 + (c - 1) * ${ARGS_PER_CANDIDATE} end

local order = candidate_order(ordering, count, keyAt, argAt, true, ttl)

local refusals = {}
for position = 1, math.min(considered, count) do
  local c = order[position]
  if ARGV[argAt(c) - 1] == '1' then
    local retryAt, reason = try_reserve(keyAt(c), argAt(c), now, lease, ttl, KEYS[2])
    if retryAt == nil then return {c, order, refusals} end
    refusals[#refusals + 1] = c
    refusals[#refusals + 1] = retryAt
    refusals[#refusals + 1] = reason
  end
end
return {0, order, refusals}
`;

/**
 * The candidate RESERVE_FIRST_SCRIPT would reserve now, writing nothing (the round-robin cursor
 * is read, not moved). Same KEYS and ARGV. Returns the 1-based candidate, 0 = none has room.
 */
export const NEXT_PICK_SCRIPT = `${TRY_RESERVE}
local now, ordering = tonumber(ARGV[1]), ARGV[2]
local count = (#KEYS - 2) / ${KEYS_PER_CANDIDATE}
local keyAt = function(c) return 3 + (c - 1) * ${KEYS_PER_CANDIDATE} end
local argAt = function(c) return 7 + (c - 1) * ${ARGS_PER_CANDIDATE} end
for _, c in ipairs(candidate_order(ordering, count, keyAt, argAt, false, 0)) do
  if ARGV[argAt(c) - 1] == '1' and refusal(keyAt(c), argAt(c), now) == nil then return c end
end
return 0
`;

/**
 * KEYS: the reservation's minute, hour, day windows; the current minute, hour, day windows;
 *       totals; inflight; the provider's last reported limits.
 * ARGV: member, tokens, prompt tokens, completion tokens, outcome counter, current window ends
 *       (minute, hour, day), key TTL in ms, now, when the provider's report was observed
 *       (0 = none to share), the report (JSON), whether to book nothing unless the reservation is
 *       still held (1: a settle replayed after an outage, which may have run already).
 * Returns 1 when this call released the reservation, 0 when it was already released.
 */
export const SETTLE_SCRIPT = `
local released = redis.call('ZREM', KEYS[8], ARGV[1])
if released == 0 and ARGV[13] == '1' then return 0 end
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
-- Merged by the time it was observed: a report that arrives late never overwrites a newer one.
local observedAt = tonumber(ARGV[11])
if observedAt > 0 and observedAt > tonumber(redis.call('HGET', KEYS[9], 'observedAt') or '0') then
  redis.call('HSET', KEYS[9], 'observedAt', observedAt, 'report', ARGV[12])
  redis.call('PEXPIRE', KEYS[9], ttl)
end
return released
`;

/**
 * Takes back reservations whose outcome the caller never heard (the reserve command timed out
 * on its side, yet Redis may have run it): what was reserved is released as if never made.
 * KEYS per reservation: minute, hour, day window; totals; inflight. ARGV per reservation:
 * member, tokens. Returns how many were found and taken back.
 */
export const WITHDRAW_SCRIPT = `
local found = 0
for r = 0, #ARGV / 2 - 1 do
  local k, a = r * 5 + 1, r * 2 + 1
  if redis.call('ZREM', KEYS[k + 4], ARGV[a]) == 1 then
    found = found + 1
    for i = 0, 2 do
      if redis.call('EXISTS', KEYS[k + i]) == 1 then
        redis.call('HINCRBY', KEYS[k + i], 'r', -1)
        redis.call('HINCRBY', KEYS[k + i], 't', -tonumber(ARGV[a + 1]))
      end
    end
    redis.call('HINCRBY', KEYS[k + 3], 'requests', -1)
  end
end
return found
`;

/**
 * Releases what a replica's previous incarnations left in flight (it was restarted, so those
 * requests are gone), keeping its current incarnation's. KEYS: the replica's set of inflight
 * keys, then those inflight keys. ARGV: replica id, current incarnation.
 * Returns how many reservations were released.
 */
export const RECLAIM_SCRIPT = `${RELEASE_MEMBER}
local released = 0
for k = 2, #KEYS do
  if redis.call('EXISTS', KEYS[k]) == 0 then
    redis.call('SREM', KEYS[1], KEYS[k])
  else
    for _, member in ipairs(redis.call('ZRANGE', KEYS[k], 0, -1)) do
      local parts = member_parts(member)
      if parts[6] == ARGV[1] and parts[7] ~= ARGV[2] then
        release(KEYS[k], member, parts)
        released = released + 1
      end
    end
  end
end
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
