package dev.tollgate.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;

import org.junit.jupiter.api.Test;

import dev.tollgate.soak.KeepAliveSoak;

/**
 * {@link KeepAliveSoak} against the test gateway: kept-alive connections mixing non-streamed and streamed calls,
 * cancelled streams, every error class the gateway answers itself, {@code /v1/models}, {@code /v1/budgets} and
 * pipelined requests; every request must be answered, with the status its kind expects. 30 s inside the build;
 * longer on demand: {@code -Dsoak.duration=PT5M} (and {@code -Dsoak.connections=N}).
 */
class KeepAliveSoakIT extends GatewayITSupport {

    /** A day no other test spends on: the soak's ledger rows stay out of their sums. */
    private static final Instant SOAK_DAY = Instant.parse("2028-05-17T12:00:00Z");

    @Test
    void everyRequestOnKeptAliveConnectionsIsAnswered() throws Exception {
        CLOCK.set(SOAK_DAY);
        UPSTREAM.behave(FakeUpstream.chatOrStream(Duration.ofMillis(2)));
        KeepAliveSoak.Options options = new KeepAliveSoak.Options(port, ALPHA, "gpt-4o-mini",
                Integer.getInteger("soak.connections", 4), Duration.parse(System.getProperty("soak.duration", "PT30S")),
                Duration.ofSeconds(10), 50, 65 * 1024, 1, EnumSet.allOf(KeepAliveSoak.Kind.class));

        KeepAliveSoak.Report report = KeepAliveSoak.run(options);

        System.out.print("KeepAliveSoakIT: " + report);
        if (!report.hangs().isEmpty()) {
            printThreads("kept-alive soak");
        }
        assertThat(report.hangs()).as("requests with no answer").isEmpty();
        assertThat(report.errors()).as("requests answered otherwise than their kind expects").isEmpty();
        assertThat(report.statuses().keySet()).as("every kind was sent")
                .containsExactlyInAnyOrderElementsOf(EnumSet.allOf(KeepAliveSoak.Kind.class));
    }
}
