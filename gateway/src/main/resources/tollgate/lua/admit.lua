-- admit (after common.lua): InMemoryLimitStore's admit as one atomic step.
-- KEYS[3 .. 2+nb]        the budget counters, KEYS[3+nb .. 2+nb+nr] the rate buckets
-- ARGV[6] request id, ARGV[7] reservation ttl (ms), ARGV[8] tokens, ARGV[9] nb, ARGV[10] nr, ARGV[11] na,
-- then nb x (counter key, limit, hard 1|0, period end ms or 0), nr x (rate key, rpm, tpm), na amounts (nano-USD),
-- then the flexible minimum (nano-USD, 0 = none: see AdmitRequest).
-- Returns {outcome (0 admitted, 1 budget, 2 requests, 3 tokens), option (0-based, na for the flexible amount, or -1),
-- refusing index (0-based budget or rate, or -1), reserved amount (or 0), nb x (limit, spent, reserved),
-- nr x (request units, token units), soft-over indices...}.

purge()
local id = ARGV[6]
local ttl = tonumber(ARGV[7])
local tokens = tonumber(ARGV[8])
local nb, nr, na = tonumber(ARGV[9]), tonumber(ARGV[10]), tonumber(ARGV[11])

-- the same request admitted again (a retried step): its older reservation is released first
local previous = redis.call('HGET', KEYS[1], id)
if previous then
  local rec = cmsgpack.unpack(previous)
  if rec[8] ~= 1 then
    release(rec)
  end
  forget(id)
end

local a = 12
local budgets, counters = {}, {}
for i = 1, nb do
  local b = {key = ARGV[a], limit = tonumber(ARGV[a + 1]), hard = ARGV[a + 2] == '1',
             periodEnd = tonumber(ARGV[a + 3]), rkey = KEYS[2 + i]}
  a = a + 4
  budgets[i] = b
  if not counters[b.key] then
    local v = redis.call('HMGET', b.rkey, 'spent', 'reserved')
    counters[b.key] = {spent = tonumber(v[1] or 0), reserved = tonumber(v[2] or 0)}
  end
  -- every step records the counter's current limit, refused or not, as the in-memory store does
  redis.call('HSET', b.rkey, 'limit', int(b.limit))
  expireCounter(b.rkey, b.periodEnd)
end

local rates, buckets = {}, {}
for j = 1, nr do
  local r = {key = ARGV[a], rpm = tonumber(ARGV[a + 1]), tpm = tonumber(ARGV[a + 2]), rkey = KEYS[2 + nb + j]}
  a = a + 3
  rates[j] = r
  if not buckets[r.key] then
    buckets[r.key] = loadBucket(r.rkey)
  end
  refill(buckets[r.key], r.rpm, r.tpm)
end

local amounts = {}
for k = 1, na do
  amounts[k] = tonumber(ARGV[a])
  a = a + 1
end
local flexibleMinimum = tonumber(ARGV[a])

local function result(outcome, option, refusing, over, reserved)
  for _, r in ipairs(rates) do
    saveBucket(r.rkey, buckets[r.key], r.rpm, r.tpm)
  end
  local out = {outcome, option, refusing, reserved or 0}
  for _, b in ipairs(budgets) do
    local c = counters[b.key]
    out[#out + 1] = b.limit
    out[#out + 1] = c.spent
    out[#out + 1] = c.reserved
  end
  for _, r in ipairs(rates) do
    out[#out + 1] = buckets[r.key].req
    out[#out + 1] = buckets[r.key].tok
  end
  for _, i in ipairs(over) do
    out[#out + 1] = i
  end
  return out
end

for j, r in ipairs(rates) do
  local b = buckets[r.key]
  if r.rpm > 0 and b.req < UNIT then
    return result(2, -1, j - 1, {})
  end
  if r.tpm > 0 and b.tok < tokens * UNIT then
    return result(3, -1, j - 1, {})
  end
end

-- the first amount that fits every hard budget
local option, refusing = -1, -1
for k = 1, na do
  refusing = -1
  for i, b in ipairs(budgets) do
    local c = counters[b.key]
    if b.hard and c.spent + c.reserved + amounts[k] > b.limit then
      refusing = i - 1
      break
    end
  end
  if refusing < 0 then
    option = k - 1
    break
  end
end
local amount = 0
if option >= 0 then
  amount = amounts[option + 1]
elseif flexibleMinimum > 0 then
  -- what every hard budget has left, if it covers the minimum: the call's output is capped to it
  local left = nil
  for _, b in ipairs(budgets) do
    if b.hard then
      local c = counters[b.key]
      local l = b.limit - c.spent - c.reserved
      if left == nil or l < left then
        left = l
      end
    end
  end
  if left ~= nil and left >= flexibleMinimum then
    option = na
    amount = math.min(left, amounts[1])
  end
end
if option < 0 then
  return result(1, -1, refusing, {})
end

local softAmount = amount
if flexibleMinimum > 0 then
  softAmount = math.min(flexibleMinimum, amount)
end
local over, keys, ends, hard = {}, {}, {}, {}
-- the record lives as long as the reservation and as long as any counter it holds an amount on (-1: for ever)
local keep = ttl + reservationGrace
for i, b in ipairs(budgets) do
  local c = counters[b.key]
  if not b.hard and c.spent + c.reserved + softAmount > b.limit then
    over[#over + 1] = i - 1
  end
  c.reserved = redis.call('HINCRBY', b.rkey, 'reserved', int(amount))
  keys[i] = b.key
  ends[i] = b.periodEnd
  hard[i] = b.hard and 1 or 0
  if keep >= 0 then
    keep = b.periodEnd > 0 and math.max(keep, math.max(b.periodEnd - now, 0) + counterGrace) or -1
  end
end
local rateList = {}
for _, r in ipairs(rates) do
  local b = buckets[r.key]
  if r.rpm > 0 then
    b.req = b.req - UNIT
  end
  if r.tpm > 0 then
    b.tok = b.tok - tokens * UNIT
  end
  rateList[#rateList + 1] = r.key
  rateList[#rateList + 1] = r.rpm
  rateList[#rateList + 1] = r.tpm
end

local function keepFor(key, existed)
  if not existed then
    if keep >= 0 then
      redis.call('PEXPIRE', key, int(keep))
    end
    return
  end
  local left = redis.call('PTTL', key)
  if left == -1 then
    return -- already kept for ever
  end
  if keep < 0 then
    redis.call('PERSIST', key)
  elseif left < keep then
    redis.call('PEXPIRE', key, int(keep))
  end
end

local expires = now + ttl
local hadRecords = redis.call('EXISTS', KEYS[1]) == 1
local hadExpiries = redis.call('EXISTS', KEYS[2]) == 1
redis.call('HSET', KEYS[1], id, cmsgpack.pack({amount, tokens, expires, keys, ends, rateList, hard, 0}))
redis.call('ZADD', KEYS[2], int(expires), id)
keepFor(KEYS[1], hadRecords)
keepFor(KEYS[2], hadExpiries)
return result(0, option, -1, over, amount)
