package dev.tollgate.wire.gemini;

import static dev.tollgate.wire.gemini.GeminiResponsesTest.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.tollgate.api.ApiError;
import dev.tollgate.wire.AnswerReader;
import dev.tollgate.wire.Json;

class GeminiErrorsTest {

    private static final String EXHAUSTED = """
            {"error":{"code":429,"message":"You exceeded your current quota.","status":"RESOURCE_EXHAUSTED",
              "details":[{"@type":"type.googleapis.com/google.rpc.QuotaFailure","violations":[]},
                {"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"%s"}]}}
            """;

    @Test
    void resourceExhaustedIsAPerModelRateLimit() {
        ApiError e = GeminiErrors.read(429, utf8(EXHAUSTED.formatted("30s")));

        assertThat(e).isEqualTo(new ApiError(429, "requests", "rate_limit_exceeded",
                "You exceeded your current quota.", null));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"30s, 30", "1.5s, 1.5", "0.250s, 0.25", "0s, ", "soon, "})
    void theRetryInfoDelayIsRetryAfterInSeconds(String delay, String seconds) {
        assertThat(GeminiErrors.retryDelay(utf8(EXHAUSTED.formatted(delay)))).isEqualTo(seconds);
        assertThat(new GeminiWire(Json.mapper()).retryAfter(utf8(EXHAUSTED.formatted(delay)))).isEqualTo(seconds);
    }

    @Test
    void aBodyWithoutRetryInfoHasNoDelay() {
        assertThat(GeminiErrors.retryDelay(utf8("{\"error\":{\"code\":503,\"status\":\"UNAVAILABLE\"}}"))).isNull();
        assertThat(GeminiErrors.retryDelay(utf8("<html>busy</html>"))).isNull();
    }

    @Test
    void unavailableIsAnOverloadAndNotFoundAnUnknownModel() {
        assertThat(GeminiErrors.read(503, utf8("{\"error\":{\"code\":503,\"message\":\"The model is overloaded.\","
                + "\"status\":\"UNAVAILABLE\"}}")).code()).isEqualTo("upstream_overloaded");
        ApiError notFound = GeminiErrors.read(404, utf8("{\"error\":{\"code\":404,\"message\":\"models/x is not "
                + "found\",\"status\":\"NOT_FOUND\"}}"));
        assertThat(notFound.code()).isEqualTo("model_not_found");
        assertThat(notFound.param()).isEqualTo("model");
    }

    @Test
    void anErrorInAnArrayIsRead() {
        AnswerReader.UpstreamError e = new GeminiWire(Json.mapper()).error(utf8("[{\"error\":{\"code\":400,"
                + "\"message\":\"bad\",\"status\":\"INVALID_ARGUMENT\"}}]"));

        assertThat(e).isEqualTo(new AnswerReader.UpstreamError("INVALID_ARGUMENT", null, "bad", null));
        assertThat(GeminiErrors.read(400, utf8("[{\"error\":{\"code\":400,\"message\":\"bad\",\"status\":"
                + "\"INVALID_ARGUMENT\"}}]"))).isEqualTo(new ApiError(400, ApiError.INVALID_REQUEST,
                "invalid_argument", "bad", null));
    }

    @Test
    void aBodyNotInGooglesShapeIsQuoted() {
        assertThat(GeminiErrors.read(502, utf8("Bad Gateway"))).isEqualTo(new ApiError(502, ApiError.SERVER_ERROR,
                null, "Bad Gateway", null));
        assertThat(new GeminiWire(Json.mapper()).error(utf8("Bad Gateway"))).isNull();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"INVALID_ARGUMENT, 400", "UNAUTHENTICATED, 401", "PERMISSION_DENIED, 403", "NOT_FOUND, 404",
            "RESOURCE_EXHAUSTED, 429", "INTERNAL, 500", "UNAVAILABLE, 503", "DEADLINE_EXCEEDED, 504"})
    void googleStatusesHaveTheirHttpStatus(String status, int http) {
        assertThat(GeminiErrors.statusFor(status)).isEqualTo(http);
    }
}
