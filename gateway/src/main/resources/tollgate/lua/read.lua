-- read (after common.lua): budget counters as {limit, spent, reserved} each, flat; absent counters read as zeros.
-- KEYS[3 ..] the counters.

purge()
local out = {}
for i = 3, #KEYS do
  local v = redis.call('HMGET', KEYS[i], 'limit', 'spent', 'reserved')
  out[#out + 1] = tonumber(v[1] or 0)
  out[#out + 1] = tonumber(v[2] or 0)
  out[#out + 1] = tonumber(v[3] or 0)
end
return out
