-- reset: starts a budget's current period again, spent to zero; reservations in flight stay.
-- KEYS[1] the counter. A counter the store did not know is created (with no expiry: its period end is unknown
-- here; the next admission on it sets one).
redis.call('HSET', KEYS[1], 'spent', '0')
return 0
