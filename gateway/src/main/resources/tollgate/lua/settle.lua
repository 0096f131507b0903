-- settle (after common.lua): moves a reservation to the call's actual cost (for a hard budget at most the amount
-- reserved) and gives back the tokens it did not use (or takes the excess). A reservation charged at its expiry has
-- that charge replaced by the actual cost. An unknown reservation (settled already, or expired long ago) changes
-- nothing.
-- ARGV[6] request id, ARGV[7] actual cost (nano-USD), ARGV[8] actual tokens.
-- Returns {counter key, limit, spent before, spent after} for each counter of the reservation, flat; {} if unknown.

purge()
local id = ARGV[6]
local packed = redis.call('HGET', KEYS[1], id)
if not packed then
  return {}
end
forget(id)
local rec = cmsgpack.unpack(packed)
local amount, reservedTokens, keys, ends, rateList = rec[1], rec[2], rec[4], rec[5], rec[6]
local actual = tonumber(ARGV[7])
local actualTokens = tonumber(ARGV[8])

local late = rec[8] == 1
local out = {}
for i, key in ipairs(keys) do
  local rkey = counterKey(key)
  local v = redis.call('HMGET', rkey, 'limit', 'spent')
  local exists = redis.call('EXISTS', rkey) == 1
  local c = charge(rec, i, actual)
  local after
  if late then
    -- its expiry charged the whole amount (if the counter was there then)
    if exists then
      after = redis.call('HINCRBY', rkey, 'spent', int(c - amount))
    else
      after = redis.call('HINCRBY', rkey, 'spent', int(c))
    end
  else
    if exists then
      redis.call('HINCRBY', rkey, 'reserved', int(-amount))
    end
    -- a counter gone (its period ended a day ago) starts again from this cost
    after = redis.call('HINCRBY', rkey, 'spent', int(c))
  end
  expireCounter(rkey, ends[i])
  out[#out + 1] = key
  out[#out + 1] = tonumber(v[1] or 0)
  out[#out + 1] = tonumber(v[2] or 0)
  out[#out + 1] = after
end

for j = 1, #rateList, 3 do
  local key, rpm, tpm = rateList[j], rateList[j + 1], rateList[j + 2]
  if tpm > 0 then
    local rkey = bucketKey(key)
    local b = loadBucket(rkey)
    refill(b, rpm, tpm)
    b.tok = math.min(tpm * UNIT, b.tok + (reservedTokens - actualTokens) * UNIT)
    saveBucket(rkey, b, rpm, tpm)
  end
end
return out
