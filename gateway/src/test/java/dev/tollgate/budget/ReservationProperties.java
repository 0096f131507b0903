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
 * The reservation arithmetic, whatever the order of reserve, settle, release and expiry: the settled sum of a hard
 * budget never exceeds its limit, spent plus reserved never exceeds it after an admission, and a soft budget is
 * never refused.
 */
class ReservationProperties {

    private static final long TTL = 60_000;

    /** One step: reserve a call (amount), settle a call (its actual as a share of its amount), or let time pass. */
    record Op(int kind, int call, long amount, int sharePercent, long advanceMillis) {
    }

    @Provide
    Arbitrary<List<Op>> ops() {
        Arbitrary<Op> op = Combinators.combine(Arbitraries.integers().between(0, 3), Arbitraries.integers().between(0, 40),
                Arbitraries.longs().between(1, 5_000), Arbitraries.integers().between(0, 100),
                Arbitraries.longs().between(0, 90_000)).as(Op::new);
        return op.list().ofMinSize(1).ofMaxSize(200);
    }

    @Property(tries = 400)
    void settledSumOfAHardBudgetNeverExceedsItsLimit(@ForAll("ops") List<Op> ops,
            @ForAll @LongRange(min = 1, max = 20_000) long limit) {
        InMemoryLimitStore store = new InMemoryLimitStore();
        String key = "team:t@0";
        Map<String, Long> reserved = new HashMap<>();
        long settled = 0;
        long now = 0;
        for (Op op : ops) {
            String id = "call-" + op.call();
            switch (op.kind()) {
                case 0, 1 -> {
                    AdmitResult r = admit(store, id, now, key, limit, BudgetMode.HARD, op.amount());
                    if (r.admitted()) {
                        reserved.put(id, op.amount());
                        BudgetState s = r.budgets().get(0);
                        assertThat(s.spentNanos() + s.reservedNanos()).isLessThanOrEqualTo(limit);
                    } else {
                        assertThat(r.outcome()).isEqualTo(AdmitResult.Outcome.BUDGET_EXCEEDED);
                    }
                }
                case 2 -> {
                    Long amount = reserved.remove(id);
                    long actual = amount == null ? op.amount() : amount * op.sharePercent() / 100;
                    SettleResult r = store.settle(new SettleRequest(id, "t", now, actual, 0)).toCompletableFuture()
                            .join();
                    if (!r.changes().isEmpty()) {
                        settled += actual;
                    }
                }
                default -> now += op.advanceMillis(); // reservations older than the TTL expire
            }
            assertThat(settled).isLessThanOrEqualTo(limit);
            BudgetState s = store.read("t", List.of(key), now).toCompletableFuture().join().get(0);
            assertThat(s.spentNanos()).isEqualTo(settled);
            assertThat(s.reservedNanos()).isBetween(0L, limit);
        }
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
