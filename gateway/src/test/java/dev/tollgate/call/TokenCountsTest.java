package dev.tollgate.call;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import dev.tollgate.pricing.Usage;

class TokenCountsTest {

    @Test
    void eachCacheWriteLifetimeIsBilledApart() {
        TokenCounts counts = new TokenCounts(10, 20, 30, 40, 50, 5);

        assertThat(counts.toUsage()).isEqualTo(new Usage(10, 20, 30, 40, 50, 5, false));
        assertThat(counts.promptTokens()).isEqualTo(100);
        assertThat(counts.cacheWrite()).isEqualTo(70);
    }

    @Test
    void negativeCountsAreRefused() {
        assertThatThrownBy(() -> new TokenCounts(0, 0, 0, -1, 0, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cacheWrite1h=-1");
    }
}
