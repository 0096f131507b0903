package dev.tollgate.wire.openai;

import static dev.tollgate.wire.Transcripts.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import dev.tollgate.api.ApiError;

class OpenAiErrorsTest {

    @Test
    void anOpenAiErrorBodyIsRead() {
        ApiError e = OpenAiErrors.read(429, utf8("""
                {"error":{"message":"Rate limit reached for gpt-4o","type":"tokens","param":null,
                 "code":"rate_limit_exceeded"}}"""));

        assertThat(e).isEqualTo(new ApiError(429, "tokens", "rate_limit_exceeded", "Rate limit reached for gpt-4o",
                null));
    }

    @Test
    void aBodyOfAnotherShapeIsQuoted() {
        ApiError e = OpenAiErrors.read(502, utf8("<html>Bad Gateway</html>"));

        assertThat(e).isEqualTo(new ApiError(502, "server_error", null, "<html>Bad Gateway</html>", null));
    }

    @Test
    void anAnthropicErrorKeepsItsTypeAsTheCode() {
        ApiError anthropic = new ApiError(529, "overloaded_error", null, "Overloaded", null);

        ApiError e = OpenAiErrors.fromForeign(anthropic);

        assertThat(e).isEqualTo(new ApiError(529, "server_error", "overloaded_error", "Overloaded", null));
        assertThat(OpenAiErrors.fromForeign(new ApiError(400, "invalid_request_error", null, "bad", null)).type())
                .isEqualTo("invalid_request_error");
        assertThat(OpenAiErrors.fromForeign(new ApiError(429, "rate_limit_error", null, "slow", null)).type())
                .isEqualTo("rate_limit_exceeded");
    }
}
