-- restore: sets a counter's spent amount only if the store does not know the counter yet (restoring from the ledger).
-- KEYS[1] the counter, ARGV[1] spent (nano-USD).
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('HSET', KEYS[1], 'spent', ARGV[1])
  return 1
end
return 0
