package dev.tollgate.budget;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * Money in the budget counters: whole nano-USD in a {@code long}. Costs (12 decimals) are rounded up, so a counter
 * is never below the exact spend; limits are whole nano-USD. Redis' Lua numbers are doubles, exact up to 2^53, so
 * a counter holds at most {@link #MAX_USD} exactly. Stateless.
 */
public final class Nanos {

    /** Largest budget amount accepted, in USD (2^53 nano-USD is about 9.007 million USD). */
    public static final BigDecimal MAX_USD = new BigDecimal("9000000");

    private Nanos() {
    }

    /** USD to nano-USD, rounded up. */
    public static long ofUsd(BigDecimal usd) {
        return usd.movePointRight(9).setScale(0, RoundingMode.CEILING).longValueExact();
    }

    /** nano-USD to USD (exact, 9 decimals). */
    public static BigDecimal toUsd(long nanos) {
        return BigDecimal.valueOf(nanos, 9);
    }
}
