package dev.tollgate.wire.anthropic;

import static dev.tollgate.wire.Transcripts.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import dev.tollgate.api.ApiError;
import dev.tollgate.wire.Json;

class AnthropicErrorsTest {

    @ParameterizedTest(name = "{0} is {1}")
    @CsvSource({
            "400, invalid_request_error",
            "401, authentication_error",
            "402, billing_error",
            "403, permission_error",
            "404, not_found_error",
            "409, invalid_request_error",
            "413, request_too_large",
            "429, rate_limit_error",
            "500, api_error",
            "502, api_error",
            "503, overloaded_error",
            "529, overloaded_error",
    })
    void typesByStatus(int status, String type) {
        assertThat(AnthropicErrors.typeFor(status)).isEqualTo(type);
        assertThat(Json.tree(AnthropicErrors.toJson(new ApiError(status, "x", null, "m", null)))
                .path("error").path("type").asString()).isEqualTo(type);
    }

    @Test
    void theGatewaysOwnErrorNamesItsParameterInTheMessage() {
        ApiError cap = ApiError.invalidRequest("invalid_value", "must be at most 8192 for this budget.",
                "max_tokens");

        assertThat(Json.tree(AnthropicErrors.toJson(cap))).isEqualTo(Json.tree("""
                {"type":"error","error":{"type":"invalid_request_error",
                 "message":"max_tokens: must be at most 8192 for this budget."}}"""));
        assertThat(Json.tree(AnthropicErrors.toJson(ApiError.unauthorized("Bad key.")))
                .path("error").path("type").asString()).isEqualTo("authentication_error");
    }

    @Test
    void anAnthropicErrorBodyIsRead() {
        ApiError e = AnthropicErrors.read(529, utf8("""
                {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"},
                 "request_id":"req_011CSHoEeqs5C35K2UUqR7Fy"}"""));

        assertThat(e).isEqualTo(new ApiError(529, "overloaded_error", null, "Overloaded", null));
        assertThat(AnthropicErrors.read(0, utf8("{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\","
                + "\"message\":\"slow down\"}}")).status()).as("status from the type").isEqualTo(429);
        assertThat(AnthropicErrors.read(502, utf8("upstream connect error")))
                .isEqualTo(new ApiError(502, "api_error", null, "upstream connect error", null));
    }

    @Test
    void openAiTypesBecomeAnthropicTypes() {
        assertThat(AnthropicErrors.typeOf("server_error")).isEqualTo("api_error");
        assertThat(AnthropicErrors.typeOf("rate_limit_exceeded")).isEqualTo("rate_limit_error");
        assertThat(AnthropicErrors.typeOf("insufficient_quota")).isEqualTo("billing_error");
        assertThat(AnthropicErrors.typeOf("overloaded_error")).isEqualTo("overloaded_error");
        assertThat(AnthropicErrors.typeOf("invalid_request_error")).isEqualTo("invalid_request_error");
    }
}
