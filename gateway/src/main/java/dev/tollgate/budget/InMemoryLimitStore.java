package dev.tollgate.budget;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The counters of one replica, in memory (restored from the ledger at start, see {@code LedgerRestore}).
 * <p>
 * The invariant of a hard budget: {@code spent + reserved <= limit} after every admission, where {@code reserved} is
 * the sum of the amounts reserved for the calls in flight. It holds because the check ({@code spent + reserved +
 * amount <= limit}) and the reservation happen in one step under the team's lock, and because nothing later moves
 * more than a reservation's amount into {@code spent}:
 * <ul>
 * <li>a settle charges a hard budget the call's actual cost, but at most the amount reserved for it (the gateway caps
 * the call's output at what the amount covers; a provider that answers beyond that cap is recorded in full in the
 * ledger, and the difference is reported as an overrun, never charged past the limit);</li>
 * <li>a reservation whose call has not settled when its time is up (its replica died, or the settle is late) is
 * charged its whole amount, not released: its call may still be running and costing. It is kept as expired for
 * {@value #EXPIRED_KEPT_MILLIS} ms, and a late settle then replaces that charge by the actual cost, which is lower.</li>
 * </ul>
 * So the settled sum of a hard budget never exceeds its limit, whatever the concurrency, the answers and the order of
 * settles and expiries. Soft and shadow budgets are charged the actual cost. Every counter of a team (team, key and
 * app budgets; key and team rate limits) is under the same lock, so a call's checks and charges across them are one
 * step too; teams do not contend with each other. Redis' store runs the same algorithm as one Lua script per step.
 * <p>
 * Rate limits are token buckets in integer units ({@link RateState#UNITS}): a limit of L per minute holds
 * {@code L * 60000} units when full and refills L units per millisecond; one request (or token) costs 60000 units.
 * A settle gives back the tokens a call reserved but did not use, or takes the excess (the bucket may go negative:
 * the next calls wait until it has refilled). Thread-safe.
 */
public final class InMemoryLimitStore implements LimitStore {

    static final long UNIT = RateState.UNITS;
    /** How long an expired reservation is kept for a late settle: one day (as the Redis store keeps it). */
    public static final long EXPIRED_KEPT_MILLIS = 86_400_000;

    private final Map<String, Team> teams = new ConcurrentHashMap<>();

    @Override
    public String kind() {
        return "memory";
    }

    @Override
    public CompletionStage<AdmitResult> admit(AdmitRequest r) {
        Team t = team(r.team());
        synchronized (t) {
            return CompletableFuture.completedFuture(t.admit(r));
        }
    }

    @Override
    public CompletionStage<SettleResult> settle(SettleRequest r) {
        Team t = team(r.team());
        synchronized (t) {
            return CompletableFuture.completedFuture(t.settle(r));
        }
    }

    @Override
    public CompletionStage<List<BudgetState>> read(String team, List<String> keys, long nowMillis) {
        Team t = team(team);
        synchronized (t) {
            t.purge(nowMillis);
            List<BudgetState> out = new ArrayList<>(keys.size());
            for (String key : keys) {
                Counter c = t.budgets.get(key);
                out.add(c == null ? new BudgetState(key, 0, 0, 0) : c.state(key));
            }
            return CompletableFuture.completedFuture(out);
        }
    }

    @Override
    public CompletionStage<Void> reset(String team, String key) {
        Team t = team(team);
        synchronized (t) {
            t.budgets.computeIfAbsent(key, k -> new Counter()).spent = 0;
        }
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<Void> restore(String team, String key, long spentNanos) {
        Team t = team(team);
        synchronized (t) {
            t.budgets.computeIfAbsent(key, k -> {
                Counter c = new Counter();
                c.spent = spentNanos;
                return c;
            });
        }
        return CompletableFuture.completedFuture(null);
    }

    private Team team(String id) {
        return teams.computeIfAbsent(id, k -> new Team());
    }

    /** A budget counter; guarded by its team's lock. */
    private static final class Counter {
        long limit;
        long spent;
        long reserved;

        BudgetState state(String key) {
            return new BudgetState(key, limit, spent, reserved);
        }
    }

    /** A token bucket pair; guarded by its team's lock. */
    private static final class Bucket {
        boolean started; // a new bucket starts full
        long requestUnits;
        long tokenUnits; // negative after a settle whose call used more tokens than it reserved
        long lastMillis;

        void refill(long rpm, long tpm, long now) {
            long elapsed = Math.max(0, now - lastMillis);
            requestUnits = !started ? rpm * UNIT : Math.min(rpm * UNIT, requestUnits + elapsed * rpm);
            tokenUnits = !started ? tpm * UNIT : Math.min(tpm * UNIT, tokenUnits + elapsed * tpm);
            started = true;
            lastMillis = Math.max(lastMillis, now);
        }

        RateState state(String key, long rpm, long tpm) {
            return RateState.ofUnits(key, rpm, tpm, requestUnits, tokenUnits);
        }
    }

    /** @param hard per budget key, whether it is a hard budget (charged at most {@code amount}) */
    private record Reservation(String requestId, long amount, long tokens, List<String> budgetKeys, boolean[] hard,
            List<AdmitRequest.RateCheck> rates, long expiresAt) {

        long charge(int i, long actual) {
            return hard[i] ? Math.min(actual, amount) : actual;
        }
    }

    /** Every counter of one team; guarded by itself. */
    private static final class Team {
        final Map<String, Counter> budgets = new HashMap<>();
        final Map<String, Bucket> buckets = new HashMap<>();
        final Map<String, Reservation> reservations = new HashMap<>();
        final PriorityQueue<Reservation> expiry = new PriorityQueue<>((a, b) -> Long.compare(a.expiresAt, b.expiresAt));
        /** Reservations charged at their expiry, kept for a late settle; dropped {@value #EXPIRED_KEPT_MILLIS} ms on. */
        final Map<String, Reservation> expired = new HashMap<>();
        final PriorityQueue<Reservation> expiredOrder = new PriorityQueue<>(
                (a, b) -> Long.compare(a.expiresAt, b.expiresAt));

        AdmitResult admit(AdmitRequest r) {
            long now = r.nowMillis();
            purge(now);
            Reservation previous = reservations.remove(r.requestId());
            if (previous != null) {
                // the same request admitted again (a retried step): its older reservation is released first
                expiry.remove(previous);
                release(previous);
            }
            Reservation expiredBefore = expired.remove(r.requestId());
            if (expiredBefore != null) {
                expiredOrder.remove(expiredBefore); // its charge stays; only its record is replaced (as in Redis)
            }
            List<RateState> rates = new ArrayList<>(r.rates().size());
            for (AdmitRequest.RateCheck rc : r.rates()) {
                Bucket b = buckets.computeIfAbsent(rc.key(), k -> new Bucket());
                b.refill(rc.requestsPerMinute(), rc.tokensPerMinute(), now);
            }
            for (AdmitRequest.RateCheck rc : r.rates()) {
                Bucket b = buckets.get(rc.key());
                if (rc.requestsPerMinute() > 0 && b.requestUnits < UNIT) {
                    return refused(AdmitResult.Outcome.REQUESTS_LIMITED, rc.key(),
                            ceilDiv(UNIT - b.requestUnits, rc.requestsPerMinute()), r);
                }
                if (rc.tokensPerMinute() > 0 && b.tokenUnits < r.tokens() * UNIT) {
                    long wait = r.tokens() > rc.tokensPerMinute() ? -1
                            : ceilDiv(r.tokens() * UNIT - b.tokenUnits, rc.tokensPerMinute());
                    return refused(AdmitResult.Outcome.TOKENS_LIMITED, rc.key(), wait, r);
                }
            }
            int option = -1;
            String refusedBy = null;
            for (int i = 0; i < r.amounts().length && option < 0; i++) {
                refusedBy = null;
                for (AdmitRequest.BudgetCheck bc : r.budgets()) {
                    Counter c = counter(bc);
                    if (bc.mode() == BudgetMode.HARD && c.spent + c.reserved + r.amounts()[i] > bc.limitNanos()) {
                        refusedBy = bc.key();
                        break;
                    }
                }
                if (refusedBy == null) {
                    option = i;
                }
            }
            long amount = option >= 0 ? r.amounts()[option] : 0;
            if (option < 0 && r.flexibleMinimum() > 0) {
                // what every hard budget has left, if it covers the minimum: the call's output is capped to it
                long left = Long.MAX_VALUE;
                for (AdmitRequest.BudgetCheck bc : r.budgets()) {
                    Counter c = counter(bc);
                    if (bc.mode() == BudgetMode.HARD) {
                        left = Math.min(left, bc.limitNanos() - c.spent - c.reserved);
                    }
                }
                if (left >= r.flexibleMinimum()) {
                    option = r.amounts().length;
                    amount = Math.min(left, r.amounts()[0]);
                }
            }
            if (option < 0) {
                return refused(AdmitResult.Outcome.BUDGET_EXCEEDED, refusedBy, -1, r);
            }
            long softAmount = r.softCheckAmount(amount);
            List<String> over = new ArrayList<>();
            List<String> keys = new ArrayList<>(r.budgets().size());
            boolean[] hard = new boolean[r.budgets().size()];
            for (AdmitRequest.BudgetCheck bc : r.budgets()) {
                Counter c = counter(bc);
                if (bc.mode() != BudgetMode.HARD && c.spent + c.reserved + softAmount > bc.limitNanos()) {
                    over.add(bc.key());
                }
                c.reserved += amount;
                hard[keys.size()] = bc.mode() == BudgetMode.HARD;
                keys.add(bc.key());
            }
            for (AdmitRequest.RateCheck rc : r.rates()) {
                Bucket b = buckets.get(rc.key());
                if (rc.requestsPerMinute() > 0) {
                    b.requestUnits -= UNIT;
                }
                if (rc.tokensPerMinute() > 0) {
                    b.tokenUnits -= r.tokens() * UNIT;
                }
                rates.add(b.state(rc.key(), rc.requestsPerMinute(), rc.tokensPerMinute()));
            }
            Reservation res = new Reservation(r.requestId(), amount, r.tokens(), List.copyOf(keys), hard, r.rates(),
                    now + r.reservationTtlMillis());
            reservations.put(r.requestId(), res);
            expiry.add(res);
            return new AdmitResult(AdmitResult.Outcome.ADMITTED, option, amount, null, -1, states(r), rates, over);
        }

        SettleResult settle(SettleRequest s) {
            purge(s.nowMillis());
            Reservation res = reservations.remove(s.requestId());
            boolean late = false;
            if (res != null) {
                expiry.remove(res);
            } else {
                res = expired.remove(s.requestId());
                if (res == null) {
                    return SettleResult.NONE;
                }
                expiredOrder.remove(res);
                late = true;
            }
            List<SettleResult.Change> changes = new ArrayList<>(res.budgetKeys().size());
            for (int i = 0; i < res.budgetKeys().size(); i++) {
                String key = res.budgetKeys().get(i);
                Counter c = budgets.computeIfAbsent(key, k -> new Counter());
                long before = c.spent;
                long charge = res.charge(i, s.actualNanos());
                if (late) {
                    c.spent += charge - res.amount(); // its expiry charged the whole amount
                } else {
                    c.reserved -= res.amount();
                    c.spent += charge;
                }
                changes.add(new SettleResult.Change(key, c.limit, before, c.spent));
            }
            for (AdmitRequest.RateCheck rc : res.rates()) {
                Bucket b = buckets.get(rc.key());
                if (b != null && rc.tokensPerMinute() > 0) {
                    b.refill(rc.requestsPerMinute(), rc.tokensPerMinute(), s.nowMillis());
                    // give back what was taken but not used (or take the excess)
                    b.tokenUnits = Math.min(rc.tokensPerMinute() * UNIT,
                            b.tokenUnits + (res.tokens() - s.actualTokens()) * UNIT);
                }
            }
            return new SettleResult(changes);
        }

        /**
         * Charges reservations whose time is up with their whole amount (their call may still be running: its replica
         * died, or its settle is late) and keeps them for a late settle; drops those kept long enough.
         */
        void purge(long now) {
            while (!expiry.isEmpty() && expiry.peek().expiresAt() <= now) {
                Reservation res = expiry.poll();
                reservations.remove(res.requestId());
                for (String key : res.budgetKeys()) {
                    Counter c = budgets.get(key);
                    if (c != null) {
                        c.reserved -= res.amount();
                        c.spent += res.amount();
                    }
                }
                expired.put(res.requestId(), res);
                expiredOrder.add(res);
            }
            while (!expiredOrder.isEmpty() && expiredOrder.peek().expiresAt() + EXPIRED_KEPT_MILLIS <= now) {
                expired.remove(expiredOrder.poll().requestId());
            }
        }

        private void release(Reservation res) {
            for (String key : res.budgetKeys()) {
                Counter c = budgets.get(key);
                if (c != null) {
                    c.reserved -= res.amount();
                }
            }
        }

        private Counter counter(AdmitRequest.BudgetCheck bc) {
            Counter c = budgets.computeIfAbsent(bc.key(), k -> new Counter());
            c.limit = bc.limitNanos();
            return c;
        }

        private List<BudgetState> states(AdmitRequest r) {
            List<BudgetState> out = new ArrayList<>(r.budgets().size());
            for (AdmitRequest.BudgetCheck bc : r.budgets()) {
                out.add(counter(bc).state(bc.key()));
            }
            return out;
        }

        private AdmitResult refused(AdmitResult.Outcome outcome, String key, long retryAfter, AdmitRequest r) {
            List<RateState> rates = new ArrayList<>(r.rates().size());
            for (AdmitRequest.RateCheck rc : r.rates()) {
                rates.add(buckets.get(rc.key()).state(rc.key(), rc.requestsPerMinute(), rc.tokensPerMinute()));
            }
            return AdmitResult.refused(outcome, key, retryAfter, states(r), rates);
        }
    }

    static long ceilDiv(long a, long b) {
        return RateState.millisToRefill(a, b);
    }
}
