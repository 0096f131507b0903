package dev.tollgate.gateway;

import dev.tollgate.api.UpstreamException;

/**
 * Whether a failed attempt says its whole provider is failing (so the call's next attempt goes to another
 * provider) or only the model it tried. The rule, stated in docs/resilience.md:
 * <ul>
 * <li>provider-wide: the connection failed (refused, reset, closed before an answer, DNS, connect timeout), no first
 * byte came in time, no connection to its host became free in time (its models share the host's connection pool),
 * any 5xx (500 included: a provider's models share its front end and its operations, and an internal error says the
 * provider failed, not the request), and a 429 unless the provider says the limit is the model's;</li>
 * <li>the model only: a 429 whose error code is {@value #MODEL_RATE_LIMIT} (OpenAI and the APIs that copy it set
 * requests- and tokens-per-minute limits per model, and say "Rate limit reached for &lt;model&gt; in organization
 * ..." with that code), and an unusable answer (malformed, wrong content type, too large, a stream without data).
 * Account-level 429s ({@code insufficient_quota}, {@code credit_balance_exhausted},
 * {@code organization_spend_limit_exceeded}, ...), a 429 without a JSON error, and codes we do not know are
 * provider-wide.</li>
 * </ul>
 * The rule errs towards provider-wide because that mistake is cheap (the provider's other models only move to the
 * back of this call's order, they are not excluded) while the other one spends the call's attempts on a provider
 * that is down. Stateless, thread-safe.
 */
final class FailureScope {

    /** The 429 error code that names a per-model rate limit. */
    static final String MODEL_RATE_LIMIT = "rate_limit_exceeded";

    private FailureScope() {
    }

    static boolean providerWide(UpstreamException e) {
        return switch (e.attemptOutcome()) {
            case CONNECT_ERROR, TIMEOUT, HTTP_5XX, POOL_EXHAUSTED -> true;
            case HTTP_429 -> !MODEL_RATE_LIMIT.equals(e.error().code());
            default -> false;
        };
    }
}
