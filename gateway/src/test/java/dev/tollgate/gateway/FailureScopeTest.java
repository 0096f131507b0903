package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.tollgate.api.ApiError;
import dev.tollgate.api.UpstreamException;
import dev.tollgate.call.AttemptOutcome;
import dev.tollgate.call.Outcome;

class FailureScopeTest {

    @ParameterizedTest(name = "{0} {1} {2} -> provider-wide: {3}")
    @CsvSource({
        "CONNECT_ERROR, 0,   upstream_unreachable,              true",
        "TIMEOUT,       0,   upstream_timeout,                  true",
        "POOL_EXHAUSTED, 0,  upstream_connections_exhausted,    true",
        "HTTP_5XX,      500, upstream_error,                    true",
        "HTTP_5XX,      502, upstream_error,                    true",
        "HTTP_5XX,      503, upstream_error,                    true",
        "HTTP_5XX,      504, upstream_error,                    true",
        "HTTP_429,      429, insufficient_quota,                true",
        "HTTP_429,      429, organization_spend_limit_exceeded, true",
        "HTTP_429,      429, upstream_error,                    true",
        "HTTP_429,      429, ,                                  true",
        "HTTP_429,      429, rate_limit_exceeded,               false",
        "BAD_RESPONSE,  0,   upstream_bad_response,             false",
        "HTTP_4XX,      400, invalid_request_error,             false",
        "AUTH_FAILED,   401, upstream_auth_failed,              false"})
    void connectionTimeoutServerErrorsAndAccountLevelRateLimitsAreProviderWide(AttemptOutcome outcome, int status,
            String code, boolean providerWide) {
        UpstreamException e = new UpstreamException(outcome, status, new ApiError(status == 0 ? 502 : status,
                "error", code, "message", null), null, Outcome.UPSTREAM_ERROR, null);

        assertThat(FailureScope.providerWide(e)).isEqualTo(providerWide);
    }
}
