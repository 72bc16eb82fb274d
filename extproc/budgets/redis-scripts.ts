// The Lua scripts of the Redis budget store; each runs atomically in Redis (one round trip per
// request phase, however many budgets apply). ioredis's defineCommand sends them with EVALSHA
// and falls back to EVAL on NOSCRIPT.
//
// Per counter two keys: H (hash: "u" = used in a calendar window, "b<bucket>" = used per
// rolling sub-bucket, "rv" = reserved total) and Z (zset: member "<reservation id>|<amount>",
// score = expiry instant; the settling caller knows the amount, so it can name the member).
// Every script first releases the counter's expired reservations (ZRANGEBYSCORE up to now), so
// an unsettled reservation stops counting on its own.
// All numbers are integers; instants come from the caller (replicas need NTP-synced clocks).

const COMMON = `
local now = tonumber(ARGV[1])
-- numbers handed to redis.call as decimal integers (Lua would print large ones as 1e+14)
local function int(n) return string.format('%d', n) end
local function purge(h, z)
  local expired = redis.call('ZRANGEBYSCORE', z, '-inf', int(now))
  if #expired == 0 then return end
  local total = 0
  for _, member in ipairs(expired) do
    total = total + tonumber(string.match(member, '|(%d+)$') or '0')
  end
  redis.call('ZREMRANGEBYSCORE', z, '-inf', int(now))
  if redis.call('HINCRBY', h, 'rv', int(-total)) < 0 then redis.call('HSET', h, 'rv', 0) end
end
-- used, reserved and the live buckets (oldest first) of a counter; drops departed buckets
local function state(h, kind, pa, pb)
  if kind == 'c' then
    local v = redis.call('HMGET', h, 'u', 'rv')
    return tonumber(v[1] or '0'), tonumber(v[2] or '0'), {}
  end
  local all = redis.call('HGETALL', h)
  local oldest = math.floor(now / pa) - pb
  local used, rv, list = 0, 0, {}
  for i = 1, #all, 2 do
    local f, v = all[i], tonumber(all[i + 1])
    if f == 'rv' then rv = v
    elseif string.sub(f, 1, 1) == 'b' then
      local idx = tonumber(string.sub(f, 2))
      if idx <= oldest then redis.call('HDEL', h, f)
      else used = used + v; list[#list + 1] = {idx, v} end
    end
  end
  table.sort(list, function(x, y) return x[1] < y[1] end)
  return used, rv, list
end
local function admits(used, rv, amt, limit)
  return used + rv + amt <= limit and (amt > 0 or used + rv < limit)
end
-- resetAt, freeAt (see store.ts timing())
local function timing(kind, pa, pb, list, used, rv, amt, limit)
  if kind == 'c' then return pb, pb end
  local len = pa * pb
  local resetAt = now
  if #list > 0 then resetAt = (list[#list][1] + pb) * pa elseif rv + amt > 0 then resetAt = now + len end
  local freed = 0
  for _, b in ipairs(list) do
    freed = freed + b[2]
    if admits(used - freed, rv, amt, limit) then return resetAt, (b[1] + pb) * pa end
  end
  return resetAt, now + len
end
`;

/**
 * KEYS: H1 Z1 ... Hn Zn, then one subjects zset per touched budget.
 * ARGV: now, id, ttlMs, n, m, maxSubjects, subjectTtlMs, then per counter: kind ('c'|'r'),
 * pa (calendar start | bucketMs), pb (calendar end | buckets), limit, amount, check (1|0),
 * expireAt; then m subject names.
 * Returns: admitted (1|0), then per counter: exceeded, used, reserved, resetAt, freeAt.
 */
export const RESERVE_LUA = `${COMMON}
local id, ttl, n, m = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local maxSubjects, subjectTtl = tonumber(ARGV[6]), tonumber(ARGV[7])
local out = {1}
for i = 1, n do
  local h, z = KEYS[2 * i - 1], KEYS[2 * i]
  local o = 7 + (i - 1) * 7
  local kind, pa, pb = ARGV[o + 1], tonumber(ARGV[o + 2]), tonumber(ARGV[o + 3])
  local limit, amt, check = tonumber(ARGV[o + 4]), tonumber(ARGV[o + 5]), ARGV[o + 6] == '1'
  purge(h, z)
  local used, rv, list = state(h, kind, pa, pb)
  local exceeded = 0
  if check and not admits(used, rv, amt, limit) then exceeded = 1; out[1] = 0 end
  local resetAt, freeAt = timing(kind, pa, pb, list, used, rv, amt, limit)
  local b = 1 + (i - 1) * 5
  out[b + 1], out[b + 2], out[b + 3], out[b + 4], out[b + 5] = exceeded, used, rv, resetAt, freeAt
end
if out[1] == 1 then
  for i = 1, n do
    local h, z = KEYS[2 * i - 1], KEYS[2 * i]
    local o = 7 + (i - 1) * 7
    local amt, expireAt = tonumber(ARGV[o + 5]), int(tonumber(ARGV[o + 7]))
    if amt > 0 and redis.call('ZADD', z, 'NX', int(now + ttl), id .. '|' .. int(amt)) == 1 then
      out[1 + (i - 1) * 5 + 3] = redis.call('HINCRBY', h, 'rv', int(amt))
      redis.call('PEXPIREAT', z, expireAt)
    end
    redis.call('PEXPIREAT', h, expireAt)
  end
  for j = 1, m do
    local key = KEYS[2 * n + j]
    redis.call('ZADD', key, int(now), ARGV[7 + n * 7 + j])
    redis.call('ZREMRANGEBYRANK', key, 0, int(-(maxSubjects + 1)))
    redis.call('PEXPIRE', key, int(subjectTtl))
  end
end
return out
`;

/**
 * KEYS: marker, then per counter: H Z of the reservation, H of the charge.
 * ARGV: now, id, markerTtlMs, n, then per counter: kind, pa, reserved amount, charged amount,
 * expireAt (charge).
 * Returns 1 when charged, 0 when the id was settled before.
 */
export const SETTLE_LUA = `${COMMON}
local id, markerTtl, n = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
if not redis.call('SET', KEYS[1], '1', 'NX', 'PX', int(markerTtl)) then return 0 end
for i = 1, n do
  local h, z, c = KEYS[2 + (i - 1) * 3], KEYS[3 + (i - 1) * 3], KEYS[4 + (i - 1) * 3]
  local o = 4 + (i - 1) * 5
  local kind, pa, held = ARGV[o + 1], tonumber(ARGV[o + 2]), tonumber(ARGV[o + 3])
  local amt, expireAt = tonumber(ARGV[o + 4]), tonumber(ARGV[o + 5])
  if held > 0 and redis.call('ZREM', z, id .. '|' .. int(held)) == 1 then
    if redis.call('HINCRBY', h, 'rv', int(-held)) < 0 then redis.call('HSET', h, 'rv', 0) end
  end
  if amt > 0 then
    if kind == 'c' then redis.call('HINCRBY', c, 'u', int(amt))
    else redis.call('HINCRBY', c, 'b' .. int(math.floor(now / pa)), int(amt)) end
    local pttl = redis.call('PTTL', c)
    if pttl < 0 or now + pttl < expireAt then redis.call('PEXPIREAT', c, int(expireAt)) end
  end
end
return 1
`;

/**
 * KEYS: H Z per counter. ARGV: now, n, then per counter: kind, pa, pb.
 * Returns per counter: used, reserved, resetAt.
 */
export const READ_LUA = `${COMMON}
local n = tonumber(ARGV[2])
local out = {}
for i = 1, n do
  local h, z = KEYS[2 * i - 1], KEYS[2 * i]
  local o = 2 + (i - 1) * 3
  local kind, pa, pb = ARGV[o + 1], tonumber(ARGV[o + 2]), tonumber(ARGV[o + 3])
  purge(h, z)
  local used, rv, list = state(h, kind, pa, pb)
  local resetAt = timing(kind, pa, pb, list, used, rv, 0, used + rv + 1)
  out[#out + 1], out[#out + 2], out[#out + 3] = used, rv, resetAt
end
return out
`;
