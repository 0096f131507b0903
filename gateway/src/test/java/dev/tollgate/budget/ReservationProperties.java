package dev.tollgate.budget;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.LongRange;

/**
 * The reservation arithmetic, whatever the order of reserve, settle (at, below or above the reservation: a provider
 * may bill past the cap it was sent), expiry and late settle: the settled sum of a hard budget never exceeds its
 * limit, spent plus reserved never exceeds it after an admission, the counter is exactly what the calls were charged
 * (a settled call its cost but at most its reservation; an expired, unsettled one its whole reservation), and a soft
 * budget is never refused.
 */
class ReservationProperties {

    private static final long TTL = 60_000;

    /**
     * One step: reserve a call (amount, flexible minimum), settle a call (its actual as a share of its amount, up to
     * three times it), or let time pass (reservations older than the TTL expire; a later settle is late).
     */
    record Op(int kind, int call, long amount, int sharePercent, long advanceMillis, long flexibleMinimum) {
    }

    @Provide
    Arbitrary<List<Op>> ops() {
        Arbitrary<Op> op = Combinators.combine(Arbitraries.integers().between(0, 3), Arbitraries.integers().between(0, 40),
                Arbitraries.longs().between(1, 5_000), Arbitraries.integers().between(0, 300),
                Arbitraries.longs().between(0, 90_000), Arbitraries.longs().between(0, 2_000)).as(Op::new);
        return op.list().ofMinSize(1).ofMaxSize(200);
    }

    @Property(tries = 400)
    void settledSumOfAHardBudgetNeverExceedsItsLimit(@ForAll("ops") List<Op> ops,
            @ForAll @LongRange(min = 1, max = 20_000) long limit) {
        InMemoryLimitStore store = new InMemoryLimitStore();
        String key = "team:t@0";
        Map<String, Long> active = new HashMap<>(); // id -> amount reserved
        Map<String, Long> activeSince = new HashMap<>();
        Map<String, Long> expired = new HashMap<>(); // charged their whole amount at expiry
        long charged = 0; // what the counter must hold
        long now = 0;
        for (Op op : ops) {
            String id = "call-" + op.call();
            switch (op.kind()) {
                case 0, 1 -> {
                    if (active.containsKey(id) || expired.containsKey(id)) {
                        continue; // the gateway admits a request id once
                    }
                    AdmitResult r = store.admit(new AdmitRequest(id, "t", now, TTL,
                            List.of(new AdmitRequest.BudgetCheck(key, limit, BudgetMode.HARD)), List.of(),
                            new long[] {op.amount()}, 0, op.flexibleMinimum())).toCompletableFuture().join();
                    if (r.admitted()) {
                        assertThat(r.reservedNanos()).isLessThanOrEqualTo(op.amount());
                        assertThat(r.reservedNanos() == op.amount() || r.reservedNanos() >= op.flexibleMinimum())
                                .isTrue();
                        active.put(id, r.reservedNanos());
                        activeSince.put(id, now);
                        BudgetState s = r.budgets().get(0);
                        assertThat(s.spentNanos() + s.reservedNanos()).isLessThanOrEqualTo(limit);
                    } else {
                        assertThat(r.outcome()).isEqualTo(AdmitResult.Outcome.BUDGET_EXCEEDED);
                    }
                }
                case 2 -> {
                    expire(active, activeSince, expired, now);
                    Long amount = active.remove(id);
                    Long late = amount == null ? expired.remove(id) : null;
                    long base = amount != null ? amount : late != null ? late : op.amount();
                    long actual = base * op.sharePercent() / 100;
                    SettleResult r = store.settle(new SettleRequest(id, "t", now, actual, 0)).toCompletableFuture()
                            .join();
                    assertThat(r.changes().isEmpty()).isEqualTo(amount == null && late == null);
                    if (amount != null) {
                        charged += Math.min(actual, amount);
                    } else if (late != null) {
                        charged += Math.min(actual, late); // its amount leaves the expired ones
                    }
                }
                default -> now += op.advanceMillis();
            }
            expire(active, activeSince, expired, now);
            BudgetState s = store.read("t", List.of(key), now).toCompletableFuture().join().get(0);
            assertThat(s.spentNanos()).isEqualTo(charged + expiredAmounts(expired));
            assertThat(s.spentNanos()).isLessThanOrEqualTo(limit);
            assertThat(s.reservedNanos()).isBetween(0L, limit);
            assertThat(s.spentNanos() + s.reservedNanos()).isLessThanOrEqualTo(limit);
        }
    }

    /** Moves the model's reservations past their TTL to expired (the store charges them their amount). */
    private static void expire(Map<String, Long> active, Map<String, Long> since, Map<String, Long> expired, long now) {
        active.entrySet().removeIf(e -> {
            if (since.get(e.getKey()) + TTL <= now) {
                expired.put(e.getKey(), e.getValue());
                return true;
            }
            return false;
        });
    }

    private static long expiredAmounts(Map<String, Long> expired) {
        long sum = 0;
        for (long v : expired.values()) {
            sum += v;
        }
        return sum;
    }

    @Property(tries = 200)
    void softAndShadowBudgetsNeverRefuseButReportGoingOver(@ForAll("ops") List<Op> ops,
            @ForAll @LongRange(min = 1, max = 20_000) long limit) {
        InMemoryLimitStore store = new InMemoryLimitStore();
        long now = 0;
        for (Op op : ops) {
            BudgetMode mode = op.call() % 2 == 0 ? BudgetMode.SOFT : BudgetMode.SHADOW;
            AdmitResult r = admit(store, "call-" + op.call() + "-" + now, now, "team:t@0", limit, mode, op.amount());
            assertThat(r.admitted()).isTrue();
            BudgetState s = r.budgets().get(0);
            assertThat(r.overSoftLimits().isEmpty())
                    .isEqualTo(s.spentNanos() + s.reservedNanos() <= limit);
            now += op.advanceMillis() / 100;
        }
    }

    private static AdmitResult admit(InMemoryLimitStore store, String id, long now, String key, long limit,
            BudgetMode mode, long amount) {
        return store.admit(new AdmitRequest(id, "t", now, TTL, List.of(new AdmitRequest.BudgetCheck(key, limit, mode)),
                List.of(), new long[] {amount}, 0)).toCompletableFuture().join();
    }
}
