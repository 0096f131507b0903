package dev.tollgate.budget.redis;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.tollgate.budget.AdmitRequest;
import dev.tollgate.budget.BudgetMode;
import dev.tollgate.budget.SettleRequest;

/**
 * Not a test (its name keeps it out of the test stage): the time of one admit plus its settle against a real
 * redis-server on loopback, one call at a time, printed as percentiles. Run with
 * {@code ./mvnw -o -pl gateway test -Dtest=RedisLatencyMeasurement -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class RedisLatencyMeasurement {

    @Test
    void admitAndSettleRoundTrips() {
        try (EmbeddedRedis redis = EmbeddedRedis.start()) {
            RedisLimitStore store = new RedisLimitStore(redis.url(), Duration.ofSeconds(2));
            List<AdmitRequest.BudgetCheck> budgets = List.of(
                    new AdmitRequest.BudgetCheck("team:t@1764547200", Long.MAX_VALUE / 4096, BudgetMode.HARD,
                            1_767_225_600_000L),
                    new AdmitRequest.BudgetCheck("key:t-web@1764547200", Long.MAX_VALUE / 4096, BudgetMode.HARD,
                            1_767_225_600_000L),
                    new AdmitRequest.BudgetCheck("app:t/web@1764547200", Long.MAX_VALUE / 4096, BudgetMode.SOFT,
                            1_767_225_600_000L));
            List<AdmitRequest.RateCheck> rates = List.of(new AdmitRequest.RateCheck("key:t-web", 1_000_000, 0),
                    new AdmitRequest.RateCheck("team:t", 1_000_000, 0));
            int warmup = 5_000;
            int measured = 20_000;
            long[] admit = new long[measured];
            long[] both = new long[measured];
            long now = 1_764_547_200_000L;
            for (int i = 0; i < warmup + measured; i++) {
                String id = "call-" + i;
                long t0 = System.nanoTime();
                store.admit(new AdmitRequest(id, "t", now + i, 3_600_000, budgets, rates, new long[] {5_000, 4_000},
                        600)).toCompletableFuture().join();
                long t1 = System.nanoTime();
                store.settle(new SettleRequest(id, "t", now + i, 1_234, 500)).toCompletableFuture().join();
                long t2 = System.nanoTime();
                if (i >= warmup) {
                    admit[i - warmup] = t1 - t0;
                    both[i - warmup] = t2 - t0;
                }
            }
            store.close();
            String stats = redis.with(c -> c.info("commandstats"));
            for (String line : stats.split("\r?\n")) {
                if (line.startsWith("cmdstat_evalsha")) {
                    System.out.println("time in Redis per script (admits and settles): " + line);
                }
            }
            System.out.printf("admit:          p50 %s  p99 %s  p99.9 %s%n", us(admit, 50), us(admit, 99),
                    us(admit, 99.9));
            System.out.printf("admit + settle: p50 %s  p99 %s  p99.9 %s  (%d pairs after %d warm-up)%n", us(both, 50),
                    us(both, 99), us(both, 99.9), measured, warmup);
        }
    }

    private static String us(long[] nanos, double percentile) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        int i = (int) Math.min(sorted.length - 1, Math.ceil(percentile / 100 * sorted.length) - 1);
        return String.format("%.0f µs", sorted[i] / 1_000.0);
    }
}
