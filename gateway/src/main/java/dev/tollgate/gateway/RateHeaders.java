package dev.tollgate.gateway;

import java.util.List;

import org.springframework.http.HttpHeaders;

import dev.tollgate.budget.RateState;

/**
 * OpenAI-style rate-limit headers ({@code x-ratelimit-limit-requests}, {@code x-ratelimit-remaining-tokens},
 * {@code x-ratelimit-reset-requests: 1s}, ...), for the tightest limit of each kind that applies. Stateless.
 */
final class RateHeaders {

    private RateHeaders() {
    }

    static void set(HttpHeaders headers, List<RateState> states) {
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
        }
        if (tokens != null) {
            headers.set("x-ratelimit-limit-tokens", Long.toString(tokens.tokensLimit()));
            headers.set("x-ratelimit-remaining-tokens", Long.toString(tokens.tokensRemaining()));
            headers.set("x-ratelimit-reset-tokens", duration(tokens.tokensResetMillis()));
        }
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
