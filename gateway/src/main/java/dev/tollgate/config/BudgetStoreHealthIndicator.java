package dev.tollgate.config;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

import dev.tollgate.budget.LimitStore;
import dev.tollgate.budget.ResilientLimitStore;

/**
 * {@code /actuator/health} component {@code budgetStore}: where the budget counters live, whether Redis answers
 * (each look pings it, waiting at most the store timeout; Boot runs this off the event loops), the store-failure
 * policy, the last error and since when. DOWN while Redis does not answer. It is not part of the liveness or
 * readiness groups: with {@code fail-open} the replica still serves, and with {@code fail-closed} taking every
 * replica out of the load balancer would not bring Redis back. Thread-safe.
 */
public final class BudgetStoreHealthIndicator implements HealthIndicator {

    private final LimitStore store;
    private final String policy;
    private final Duration timeout;

    public BudgetStoreHealthIndicator(LimitStore store, String policy, Duration timeout) {
        this.store = store;
        this.policy = policy;
        this.timeout = timeout;
    }

    @Override
    public Health health() {
        if (!(store instanceof ResilientLimitStore shared)) {
            return Health.up().withDetail("store", store.kind()).build();
        }
        try {
            shared.ping().toCompletableFuture().get(timeout.toMillis() + 100, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // the status below has the error
        }
        ResilientLimitStore.Status s = shared.status();
        Health.Builder b = s.up() ? Health.up() : Health.down();
        b.withDetail("store", shared.kind()).withDetail("redis", s.up() ? "up" : "down").withDetail("policy", policy)
                .withDetail("since", s.since().toString());
        if (s.lastError() != null) {
            b.withDetail("lastError", s.lastError());
        }
        return b.withDetail("pendingSettles", shared.pendingSettles())
                .withDetail("droppedSettles", shared.droppedSettles()).build();
    }
}
