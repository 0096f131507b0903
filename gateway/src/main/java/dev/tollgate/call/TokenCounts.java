package dev.tollgate.call;

import dev.tollgate.pricing.Usage;

/**
 * Tokens of one call by kind, as the formats report them once translated to one meaning: {@code input} excludes cache
 * reads and writes (Anthropic's {@code input_tokens}; OpenAI's {@code prompt_tokens} minus its cached tokens);
 * {@code cacheWrite5m} and {@code cacheWrite1h} are Anthropic's cache writes by lifetime; {@code output} includes
 * reasoning, of which {@code reasoning} is the part the upstream reported (OpenAI; Anthropic does not split it).
 * Immutable.
 */
public record TokenCounts(long input, long cacheRead, long cacheWrite5m, long cacheWrite1h, long output,
        long reasoning) {

    public static final TokenCounts ZERO = new TokenCounts(0, 0, 0, 0, 0, 0);

    public TokenCounts {
        if (input < 0 || cacheRead < 0 || cacheWrite5m < 0 || cacheWrite1h < 0 || output < 0 || reasoning < 0) {
            throw new IllegalArgumentException("token counts must be >= 0, but were input=" + input + " cacheRead="
                    + cacheRead + " cacheWrite5m=" + cacheWrite5m + " cacheWrite1h=" + cacheWrite1h + " output="
                    + output + " reasoning=" + reasoning);
        }
    }

    /** Cache writes of both lifetimes. */
    public long cacheWrite() {
        return cacheWrite5m + cacheWrite1h;
    }

    /** Every prompt-side token: uncached input, cache reads and cache writes. */
    public long promptTokens() {
        return input + cacheRead + cacheWrite();
    }

    public TokenCounts withOutput(long output) {
        return new TokenCounts(input, cacheRead, cacheWrite5m, cacheWrite1h, output, reasoning);
    }

    /** The counts as the pricing layer bills them. */
    public Usage toUsage() {
        return new Usage(input, cacheRead, cacheWrite5m, cacheWrite1h, output, reasoning, false);
    }
}
