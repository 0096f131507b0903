package dev.tollgate.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

class TollgatePropertiesTest {

    private static TollgateProperties properties(Duration ttl, Duration deadline, Duration providerTotal) {
        TollgateProperties.BackendResilience slow = new TollgateProperties.BackendResilience(null, null,
                providerTotal, null, null, null, null, null, null, null, null, null);
        Map<String, TollgateProperties.Provider> providers = Map.of("slow", new TollgateProperties.Provider("openai",
                "http://127.0.0.1:1/v1", null, null, null, null, null, null, null, slow, null, null, null));
        return new TollgateProperties(null, null, providers, null, null,
                new TollgateProperties.Resilience(null, deadline, null, null),
                new TollgateProperties.Budgets(null, null, null, ttl, null, null, null, null, null), null);
    }

    @Test
    void theLongestCallIsTheDeadlinePlusTheLongestTotalTimeout() {
        TollgateProperties p = properties(Duration.ofHours(2), Duration.ofSeconds(300), Duration.ofMinutes(40));

        assertThat(TollgateProperties.longestCall(p.resilience(), p.providers()))
                .isEqualTo(Duration.ofSeconds(300).plusMinutes(40));
    }

    @Test
    void aReservationTtlShorterThanACallCanLiveIsRefusedAtStart() {
        assertThatThrownBy(() -> properties(Duration.ofMinutes(30), Duration.ofSeconds(300), Duration.ofMinutes(40)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tollgate.budgets.reservation-ttl must be at least as long as a call can live")
                .hasMessageContaining("PT45M").hasMessageContaining("but was PT30M");
        assertThat(properties(Duration.ofMinutes(45), Duration.ofSeconds(300), Duration.ofMinutes(40)).budgets()
                .reservationTtl()).isEqualTo(Duration.ofMinutes(45));
    }

    @Test
    void theDefaultsAreConsistent() {
        TollgateProperties p = new TollgateProperties(null, null, null, null, null, null, null, null);

        assertThat(p.budgets().reservationTtl()).isEqualTo(Duration.ofHours(1));
        assertThat(TollgateProperties.longestCall(p.resilience(), p.providers())).isEqualTo(Duration.ofMinutes(20));
        assertThat(p.budgets().minCappedOutputTokens()).isEqualTo(256);
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"authorization", "X-Api-Key", "cookie", "host",
            "anthropic-version", "x-goog-api-key"})
    void forwardHeadersMayNotNameCredentialsOrConnectionHeaders(String name) {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new TollgateProperties.Provider("anthropic",
                "https://api.anthropic.com/v1", "k", null, null, null, null, null, null, null, null, null,
                java.util.List.of(name)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(name);
    }

    @Test
    void anAnthropicProviderSendsItsKeyAsXApiKeyWithAVersion() {
        TollgateProperties.Provider p = new TollgateProperties.Provider("anthropic", "https://api.anthropic.com/v1",
                "k", null, null, null, null, null, null, null, null, null, java.util.List.of("anthropic-beta"));

        assertThat(p.apiKeyHeader()).isEqualTo("x-api-key");
        assertThat(p.apiKeyRequired()).isTrue();
        assertThat(p.anthropicVersion()).isEqualTo("2023-06-01");
        assertThat(p.settings("anthropic").forwardHeaders()).containsExactly("anthropic-beta");
    }

    @Test
    void aGeminiProviderSendsItsKeyAsXGoogApiKeyAndNeedsOne() {
        TollgateProperties.Provider p = new TollgateProperties.Provider("gemini",
                "https://generativelanguage.googleapis.com/v1beta", "k", null, null, null, null, null, null, null,
                null, null, null);

        assertThat(p.apiKeyHeader()).isEqualTo("x-goog-api-key");
        assertThat(p.apiKeyRequired()).isTrue();
    }
}
