package dev.tollgate.budget;

import java.math.BigDecimal;
import java.util.List;

/**
 * One budget: who it is for, how much per period, and what happens at the limit. Immutable.
 *
 * @param scope          team, key or app
 * @param team           the team it belongs to (for a key or app budget: the key's or app's team)
 * @param subject        the team id, key id or app name
 * @param amountUsd      the limit per period (at most {@link Nanos#MAX_USD})
 * @param period         calendar period, or {@link BudgetPeriod#NONE}
 * @param mode           hard, soft or shadow
 * @param thresholds     alert thresholds in percent of the amount, ascending (e.g. 50, 80, 100)
 * @param downgradeToFit when the first candidate's worst case does not fit the rest of a hard budget, let the first
 *                       cheaper candidate that fits serve the call instead of refusing it
 */
public record BudgetSpec(Scope scope, String team, String subject, BigDecimal amountUsd, BudgetPeriod period,
        BudgetMode mode, List<Integer> thresholds, boolean downgradeToFit) {

    public static final List<Integer> DEFAULT_THRESHOLDS = List.of(50, 80, 100);

    public BudgetSpec {
        thresholds = List.copyOf(thresholds);
    }

    /** {@code team:alpha}, {@code key:alpha-web}, {@code app:alpha/web}. */
    public String id() {
        return scope.id(team, subject);
    }

    public long limitNanos() {
        return Nanos.ofUsd(amountUsd);
    }
}
