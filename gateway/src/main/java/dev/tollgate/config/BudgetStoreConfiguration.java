package dev.tollgate.config;

import java.time.Clock;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.tollgate.budget.InMemoryLimitStore;
import dev.tollgate.budget.LimitStore;
import dev.tollgate.budget.ResilientLimitStore;
import dev.tollgate.budget.redis.RedisLimitStore;
import dev.tollgate.metering.BudgetMetrics;

/**
 * Where the budget and rate-limit counters live ({@code tollgate.budgets.store}): in this replica's memory, or in
 * Redis behind the store-failure policy; and the {@code budgetStore} health component that reports on it.
 */
@Configuration(proxyBeanMethods = false)
public class BudgetStoreConfiguration {

    private static final Logger log = LoggerFactory.getLogger(BudgetStoreConfiguration.class);

    /** The Redis client is closed with the context (the store is AutoCloseable: Spring infers its close method). */
    @Bean
    LimitStore limitStore(TollgateProperties properties, BudgetMetrics metrics, Clock clock) {
        TollgateProperties.Budgets b = properties.budgets();
        if (b.store().equals("memory")) {
            return new InMemoryLimitStore();
        }
        TollgateProperties.Redis redis = b.redis();
        ResilientLimitStore.Policy policy = ResilientLimitStore.Policy.of(b.storeFailurePolicy());
        log.info("budget counters in Redis at {} ({}, timeout {}, fail-open share {})", redis, b.storeFailurePolicy(),
                redis.timeout(), b.fallbackShare().toPlainString());
        return new ResilientLimitStore(new RedisLimitStore(redis.url(), redis.timeout()), policy, redis.timeout(),
                b.fallbackShare(), metrics, clock);
    }

    @Bean
    BudgetStoreHealthIndicator budgetStoreHealthIndicator(LimitStore store, TollgateProperties properties) {
        return new BudgetStoreHealthIndicator(store, properties.budgets().storeFailurePolicy(),
                properties.budgets().redis().timeout());
    }
}
