-- Shared part of admit.lua, settle.lua and read.lua (RedisLimitStore puts it in front of each when it loads them):
-- the reservation records and the token-bucket arithmetic of InMemoryLimitStore, over one team's keys.
--
-- KEYS[1]  the team's reservations (hash: request id -> msgpack {amount, tokens, expires, counter keys,
--          period ends, {rate key, rpm, tpm}..., hard flags (1|0 per counter), expired (1|0)})
-- KEYS[2]  their expiry times (sorted set: request id scored by expiry in epoch ms; once expired, by the time the
--          expired record is dropped)
-- ARGV[1]  the team's key prefix ("tollgate:{<team>}:"); counters are <prefix>b:<counter key>, rate buckets
--          <prefix>r:<rate key>: the same hash tag, so every key one step touches is in one cluster slot
-- ARGV[2]  now (epoch ms, the gateway's clock: never Redis' TIME, so tests fix the time)
-- ARGV[3]  how long a budget counter is kept after its period ends (ms)
-- ARGV[4]  how long a rate bucket is kept after it would be full again (ms)
-- ARGV[5]  how long a reservation record is kept after it expired, for a late settle (ms)
--
-- Numbers are Lua doubles, exact for integers up to 2^53 (Nanos.MAX_USD keeps money below that). Every number
-- handed to redis.call goes through int(), which prints it as an integer whatever Redis' own formatting.

local UNIT = 60000
local prefix = ARGV[1]
local now = tonumber(ARGV[2])
local counterGrace = tonumber(ARGV[3])
local bucketIdle = tonumber(ARGV[4])
local reservationGrace = tonumber(ARGV[5])

local function int(n)
  return string.format('%d', n)
end

local function ceildiv(a, b)
  if a <= 0 then
    return 0
  end
  return math.floor((a + b - 1) / b)
end

local function counterKey(key)
  return prefix .. 'b:' .. key
end

local function bucketKey(key)
  return prefix .. 'r:' .. key
end

-- A counter lives until some time after its period ends; a lifetime budget's (period end 0) for ever.
local function expireCounter(rkey, periodEnd)
  if periodEnd > 0 then
    redis.call('PEXPIRE', rkey, int(math.max(periodEnd - now, 0) + counterGrace))
  end
end

-- Gives a reservation's amount back to the counters it was reserved on (the ones still there).
local function release(rec)
  for _, key in ipairs(rec[4]) do
    local rkey = counterKey(key)
    if redis.call('EXISTS', rkey) == 1 then
      redis.call('HINCRBY', rkey, 'reserved', int(-rec[1]))
    end
  end
end

local function forget(id)
  redis.call('HDEL', KEYS[1], id)
  redis.call('ZREM', KEYS[2], id)
end

-- A hard budget is charged at most what was reserved; soft and shadow budgets the actual cost.
local function charge(rec, i, actual)
  if rec[7] and rec[7][i] == 1 then
    return math.min(actual, rec[1])
  end
  return actual
end

-- On every step: a reservation whose time is up (its call has not settled: its replica died, or the settle is late)
-- is charged its whole amount, not released (its call may still be running), and kept as expired for a late settle
-- (ARGV[5]); an expired one kept that long is dropped. InMemoryLimitStore does the same.
local function purge()
  local ids = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[2])
  for _, id in ipairs(ids) do
    local packed = redis.call('HGET', KEYS[1], id)
    local rec = packed and cmsgpack.unpack(packed)
    if rec and rec[8] ~= 1 then
      for i, key in ipairs(rec[4]) do
        local rkey = counterKey(key)
        if redis.call('EXISTS', rkey) == 1 then
          redis.call('HINCRBY', rkey, 'reserved', int(-rec[1]))
          redis.call('HINCRBY', rkey, 'spent', int(rec[1]))
        end
      end
      rec[8] = 1
      redis.call('HSET', KEYS[1], id, cmsgpack.pack(rec))
      redis.call('ZADD', KEYS[2], int(rec[3] + reservationGrace), id)
    else
      forget(id)
    end
  end
end

-- A bucket pair {req, tok, last, started}; a missing key is a new bucket, which starts full. A bucket key expires
-- only after it would be full again, so a missing bucket and a full one are the same.
local function loadBucket(rkey)
  local v = redis.call('HMGET', rkey, 'req', 'tok', 'last')
  if not v[1] then
    return {req = 0, tok = 0, last = 0, started = false}
  end
  return {req = tonumber(v[1]), tok = tonumber(v[2]), last = tonumber(v[3]), started = true}
end

local function refill(b, rpm, tpm)
  local elapsed = math.max(0, now - b.last)
  if b.started then
    b.req = math.min(rpm * UNIT, b.req + elapsed * rpm)
    b.tok = math.min(tpm * UNIT, b.tok + elapsed * tpm)
  else
    b.req = rpm * UNIT
    b.tok = tpm * UNIT
    b.started = true
  end
  b.last = math.max(b.last, now)
end

local function saveBucket(rkey, b, rpm, tpm)
  redis.call('HSET', rkey, 'req', int(b.req), 'tok', int(b.tok), 'last', int(b.last))
  local full = 0
  if rpm > 0 then
    full = ceildiv(rpm * UNIT - b.req, rpm)
  end
  if tpm > 0 then
    full = math.max(full, ceildiv(tpm * UNIT - b.tok, tpm))
  end
  redis.call('PEXPIRE', rkey, int(full + bucketIdle))
end

