package dev.tollgate.gateway;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

import org.springframework.http.HttpHeaders;

import dev.tollgate.budget.RateState;

/**
 * Rate-limit headers for the tightest limit of each kind that applies: OpenAI's ({@code x-ratelimit-limit-requests},
 * {@code x-ratelimit-remaining-tokens}, {@code x-ratelimit-reset-requests: 1s}, ...) on every call, and on the
 * Messages API also Anthropic's ({@code anthropic-ratelimit-requests-limit}, {@code -remaining}, {@code -reset} as an
 * RFC 3339 time, and the same for {@code tokens}). Stateless.
 */
final class RateHeaders {

    private RateHeaders() {
    }

    static void set(HttpHeaders headers, List<RateState> states) {
        set(headers, states, null);
    }

    /** @param anthropicNow the call's start, to also write Anthropic's headers; null for OpenAI's only */
    static void set(HttpHeaders headers, List<RateState> states, Instant anthropicNow) {
        RateState requests = null;
        RateState tokens = null;
        for (RateState s : states) {
            if (s.requestsLimit() > 0 && (requests == null || s.requestsRemaining() < requests.requestsRemaining())) {
                requests = s;
            }
            if (s.tokensLimit() > 0 && (tokens == null || s.tokensRemaining() < tokens.tokensRemaining())) {
                tokens = s;
            }
        }
        if (requests != null) {
            headers.set("x-ratelimit-limit-requests", Long.toString(requests.requestsLimit()));
            headers.set("x-ratelimit-remaining-requests", Long.toString(requests.requestsRemaining()));
            headers.set("x-ratelimit-reset-requests", duration(requests.requestsResetMillis()));
            if (anthropicNow != null) {
                anthropic(headers, "requests", requests.requestsLimit(), requests.requestsRemaining(),
                        anthropicNow.plusMillis(requests.requestsResetMillis()));
            }
        }
        if (tokens != null) {
            headers.set("x-ratelimit-limit-tokens", Long.toString(tokens.tokensLimit()));
            headers.set("x-ratelimit-remaining-tokens", Long.toString(tokens.tokensRemaining()));
            headers.set("x-ratelimit-reset-tokens", duration(tokens.tokensResetMillis()));
            if (anthropicNow != null) {
                anthropic(headers, "tokens", tokens.tokensLimit(), tokens.tokensRemaining(),
                        anthropicNow.plusMillis(tokens.tokensResetMillis()));
            }
        }
    }

    private static void anthropic(HttpHeaders headers, String kind, long limit, long remaining, Instant reset) {
        headers.set("anthropic-ratelimit-" + kind + "-limit", Long.toString(limit));
        headers.set("anthropic-ratelimit-" + kind + "-remaining", Long.toString(Math.max(0, remaining)));
        headers.set("anthropic-ratelimit-" + kind + "-reset", reset.truncatedTo(ChronoUnit.SECONDS).toString());
    }

    /** A duration the way OpenAI writes it: {@code 0s}, {@code 250ms}, {@code 1s}, {@code 6m0s}, {@code 1m30.5s}. */
    static String duration(long millis) {
        if (millis <= 0) {
            return "0s";
        }
        if (millis < 1000) {
            return millis + "ms";
        }
        long minutes = millis / 60_000;
        long rest = millis % 60_000;
        String seconds = rest % 1000 == 0 ? Long.toString(rest / 1000)
                : java.math.BigDecimal.valueOf(rest, 3).stripTrailingZeros().toPlainString();
        return minutes > 0 ? minutes + "m" + seconds + "s" : seconds + "s";
    }
}
