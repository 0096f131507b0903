package dev.tollgate.budget;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.tollgate.it.MutableClock;
import dev.tollgate.metering.BudgetMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * A budget store that is down is counted on every call but logged once, then at most once a minute with the
 * number of failures since, and once when it answers again.
 */
class StoreOutageLogTest {

    private static final Instant T0 = Instant.parse("2026-11-29T10:00:00Z");

    private final Logger logger = (Logger) LoggerFactory.getLogger(BudgetMetrics.class);
    private final ListAppender<ILoggingEvent> lines = new ListAppender<>();
    private final MutableClock clock = new MutableClock(T0);
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final ResilientLimitStoreTest.FlakyStore primary = new ResilientLimitStoreTest.FlakyStore();

    StoreOutageLogTest() {
        lines.start();
        logger.addAppender(lines);
    }

    @AfterEach
    void detach() {
        logger.detachAppender(lines);
    }

    @Test
    void anOutageIsLoggedOnceAMinuteWithItsCountAndOnceWhenItEnds() {
        BudgetMetrics metrics = new BudgetMetrics(registry, clock);
        ResilientLimitStore store = new ResilientLimitStore(primary, ResilientLimitStore.Policy.FAIL_OPEN,
                Duration.ofMillis(100), new BigDecimal("0.1"), metrics, clock);
        primary.mode = ResilientLimitStoreTest.FlakyStore.Mode.DOWN;

        admit(store, 200);
        clock.advance(Duration.ofSeconds(30));
        admit(store, 50);
        assertThat(lines.list).hasSize(1);
        clock.advance(Duration.ofSeconds(31));
        admit(store, 1);
        primary.mode = ResilientLimitStoreTest.FlakyStore.Mode.UP;
        clock.advance(Duration.ofSeconds(4));
        admit(store, 3);

        assertThat(registry.get(BudgetMetrics.STORE_ERRORS).tag("operation", "admit").counter().count())
                .isEqualTo(251);
        List<String> messages = lines.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        assertThat(messages).hasSize(3);
        assertThat(lines.list.get(0).getLevel()).isEqualTo(Level.WARN);
        assertThat(messages.get(0)).startsWith("budget store: admit failed: java.lang.IllegalStateException: "
                + "connection refused (further failures are counted and logged at most once every 60 s)");
        assertThat(messages.get(1)).startsWith("budget store: 250 more failures in the last 61 s (failing since "
                + T0 + ")");
        assertThat(lines.list.get(2).getLevel()).isEqualTo(Level.INFO);
        assertThat(messages.get(2)).isEqualTo("budget store: works again after 65 s; 251 failures in all");
    }

    private static void admit(ResilientLimitStore store, int calls) {
        for (int i = 0; i < calls; i++) {
            store.admit(new AdmitRequest("r" + i, "t", 0, 60_000, List.of(new AdmitRequest.BudgetCheck("team:t@0",
                    1_000_000, BudgetMode.HARD)), List.of(), new long[] {1}, 10)).toCompletableFuture().join();
        }
    }
}
