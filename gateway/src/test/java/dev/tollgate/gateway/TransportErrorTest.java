package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import dev.tollgate.api.UpstreamException;
import dev.tollgate.call.AttemptOutcome;
import reactor.netty.internal.shaded.reactor.pool.PoolAcquirePendingLimitException;
import reactor.netty.internal.shaded.reactor.pool.PoolAcquireTimeoutException;

/** How a failure to get an answer at all is classified for failover ({@link ForwardFilter#transportError}). */
class TransportErrorTest {

    @Test
    void aConnectionRefusedByAFullPoolIsAFailoverThatDoesNotCountAgainstTheProvider() {
        UpstreamException refused = ForwardFilter.transportError("p", new PoolAcquirePendingLimitException(1000), null);
        UpstreamException waitedTooLong = ForwardFilter.transportError("p",
                new PoolAcquireTimeoutException(Duration.ofSeconds(5)), Duration.ofSeconds(300));

        for (UpstreamException e : new UpstreamException[] {refused, waitedTooLong}) {
            assertThat(e.attemptOutcome()).isEqualTo(AttemptOutcome.POOL_EXHAUSTED);
            assertThat(e.attemptOutcome().failover()).isTrue();
            assertThat(e.attemptOutcome().breakerFailure()).isFalse();
            assertThat(e.attemptOutcome().skipped()).as("nothing was sent").isTrue();
            assertThat(e.error().status()).isEqualTo(503);
            assertThat(e.error().code()).isEqualTo("upstream_connections_exhausted");
        }
        assertThat(refused.error().message()).contains("too many calls are already waiting");
        assertThat(waitedTooLong.error().message()).contains("none within 5000 ms");
    }
}
