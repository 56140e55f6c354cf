// Lua for an access key's own limits (GATEWAY_API_KEYS), run inside Redis so that check-and-count
// is one atomic step across replicas. Windows are hashes as in deployment-scripts.ts.

/**
 * An access key's own limits, shared by every replica: refuses when today's tokens reached
 * tokensPerDay or this minute's requests reached requestsPerMinute, else counts the request.
 * KEYS: the key's minute window, day window, totals. ARGV: requests per minute, tokens per day
 * (-1 = none), minute end, day end, now, key TTL in ms.
 * Returns {1} when admitted; {0, retry time, the limit's name} when not.
 */
export const CLIENT_ADMIT_SCRIPT = `
local rpm, tpd = tonumber(ARGV[1]), tonumber(ARGV[2])
local minuteEnd, dayEnd, now, ttl = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local function refuse(at, limit)
  redis.call('HINCRBY', KEYS[3], 'rejected', 1)
  redis.call('PEXPIRE', KEYS[3], ttl)
  return {0, at, limit}
end
if tpd >= 0 and tonumber(redis.call('HGET', KEYS[2], 't') or '0') >= tpd then return refuse(dayEnd, 'tokensPerDay') end
if rpm >= 0 and tonumber(redis.call('HGET', KEYS[1], 'r') or '0') >= rpm then return refuse(minuteEnd, 'requestsPerMinute') end
redis.call('HINCRBY', KEYS[1], 'r', 1)
redis.call('PEXPIRE', KEYS[1], minuteEnd - now + ttl)
redis.call('HINCRBY', KEYS[3], 'requests', 1)
redis.call('PEXPIRE', KEYS[3], ttl)
return {1}
`;

/**
 * Books a finished request of an access key. KEYS: the key's day window, totals.
 * ARGV: prompt tokens, completion tokens, day end, now, key TTL in ms, whether to count the
 * request (1: a key without limits, never admitted through CLIENT_ADMIT_SCRIPT).
 */
export const CLIENT_BOOK_SCRIPT = `
local prompt, completion = tonumber(ARGV[1]), tonumber(ARGV[2])
local dayEnd, now, ttl = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
redis.call('HINCRBY', KEYS[1], 't', prompt + completion)
redis.call('PEXPIRE', KEYS[1], dayEnd - now + ttl)
if ARGV[6] == '1' then redis.call('HINCRBY', KEYS[2], 'requests', 1) end
redis.call('HINCRBY', KEYS[2], 'promptTokens', prompt)
redis.call('HINCRBY', KEYS[2], 'completionTokens', completion)
redis.call('PEXPIRE', KEYS[2], ttl)
return 1
`;
