package dev.tollgate.gateway;

import java.math.BigDecimal;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tollgate.budget.AdmitResult;
import dev.tollgate.budget.Applicable;
import dev.tollgate.budget.BudgetMode;
import dev.tollgate.budget.BudgetSpec;
import dev.tollgate.budget.BudgetState;
import dev.tollgate.budget.LimitStore;
import dev.tollgate.budget.Nanos;
import dev.tollgate.budget.SettleRequest;
import dev.tollgate.metering.BudgetMetrics;
import dev.tollgate.metering.CallRecord;

/**
 * One call's budget reservation, from before the store step until its one settle. It is attached to the call before
 * the step, so that a client leaving while the store admits still settles (to nothing, releasing whatever the step
 * reserved); {@link #admitted} records what the step reserved. The settle is sent once, whichever of the relay (the
 * cost is known: before a whole answer is written, at a stream's end) and the call's completion comes first.
 * Thread-safe.
 */
final class BudgetSettlement implements CallRecord.Settlement {

    private static final Logger log = LoggerFactory.getLogger(BudgetSettlement.class);

    private final CallRecord call;
    private final Applicable applicable;
    private final LimitStore store;
    private final BudgetMetrics metrics;
    private final Clock clock;
    private final AtomicBoolean settled = new AtomicBoolean();
    private volatile AdmitResult admitted;

    BudgetSettlement(CallRecord call, Applicable applicable, LimitStore store, BudgetMetrics metrics, Clock clock) {
        this.call = call;
        this.applicable = applicable;
        this.store = store;
        this.metrics = metrics;
        this.clock = clock;
    }

    /** The store reserved {@code result.reservedNanos()} for the call. */
    void admitted(AdmitResult result) {
        this.admitted = result;
    }

    @Override
    public void settle(BigDecimal costUsd, long tokens) {
        if (!settled.compareAndSet(false, true)) {
            return;
        }
        String team = call.principal().team();
        long actual = costUsd == null ? 0 : Nanos.ofUsd(costUsd);
        AdmitResult result = admitted;
        long reserved = result != null ? result.reservedNanos() : 0;
        if (result != null && actual > reserved && applicable.hasHard()) {
            // the provider billed beyond the output cap it was sent (or the prompt beyond its bound): the ledger keeps
            // its figure, hard budgets are charged what was reserved
            metrics.overrun(team, actual - reserved);
            log.warn("call {} cost {} USD at {}/{}, more than the {} USD reserved for it: hard budgets are charged "
                    + "the reserved amount", call.requestId(), Nanos.toUsd(actual).toPlainString(), call.provider(),
                    call.model(), Nanos.toUsd(reserved).toPlainString());
        }
        SettleRequest request = new SettleRequest(call.requestId(), team, clock.millis(), actual, tokens);
        store.settle(request).whenComplete((r, error) -> {
            if (error != null) {
                metrics.settleFailed(team, error);
            } else {
                metrics.settled(team, applicable, r, reserved);
            }
        });
    }

    @Override
    public BigDecimal remainingAfter(BigDecimal costUsd) {
        AdmitResult result = admitted;
        if (result == null || result.budgets().isEmpty()) {
            return null;
        }
        long actual = costUsd == null ? 0 : Nanos.ofUsd(costUsd);
        long reserved = result.reservedNanos();
        long tightest = Long.MAX_VALUE;
        List<BudgetState> states = result.budgets();
        for (BudgetState s : states) {
            long charge = hard(s.key()) ? Math.min(actual, reserved) : actual;
            tightest = Math.min(tightest, s.remainingNanos() + reserved - charge);
        }
        return Nanos.toUsd(Math.max(0, tightest));
    }

    @Override
    public BigDecimal reservedUsd() {
        AdmitResult result = admitted;
        return result == null || result.budgets().isEmpty() ? null : Nanos.toUsd(result.reservedNanos());
    }

    private boolean hard(String counterKey) {
        int at = counterKey.lastIndexOf('@');
        String id = at < 0 ? counterKey : counterKey.substring(0, at);
        for (BudgetSpec b : applicable.budgets()) {
            if (b.id().equals(id)) {
                return b.mode() == BudgetMode.HARD;
            }
        }
        return false;
    }
}
