package dev.tollgate.wire.anthropic;

import static dev.tollgate.wire.Transcripts.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import dev.tollgate.call.TokenCounts;
import dev.tollgate.wire.Sse;

class AnthropicStreamUsageTest {

    private static AnthropicStreamUsage scan(String resource) {
        AnthropicStreamUsage usage = new AnthropicStreamUsage();
        Sse.forEachEvent(bytes(resource), usage::onEvent);
        return usage;
    }

    @Test
    void outputIsTheLastCumulativeCountNotASum() {
        AnthropicStreamUsage usage = scan("anthropic-text.sse");

        assertThat(usage.usage()).as("1 in message_start, 15 in message_delta: 15, not 16")
                .isEqualTo(new TokenCounts(25, 0, 0, 0, 15, 0));
        assertThat(usage.stopped()).isTrue();
        assertThat(usage.sawContent()).isTrue();
    }

    @Test
    void cacheWritesKeepTheirLifetimeWhenTheDeltaRepeatsTheTotal() {
        AnthropicStreamUsage usage = scan("anthropic-cache.sse");

        assertThat(usage.usage()).isEqualTo(new TokenCounts(21, 1800, 456, 100, 40, 0));
    }

    @Test
    void aDeltaCanCorrectTheInputCounts() {
        AnthropicStreamUsage usage = new AnthropicStreamUsage();

        usage.onEvent("message_start", "{\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":2679,"
                + "\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,\"output_tokens\":3}}}");
        usage.onEvent("message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},"
                + "\"usage\":{\"input_tokens\":10682,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,"
                + "\"output_tokens\":510,\"server_tool_use\":{\"web_search_requests\":1}}}");

        assertThat(usage.usage()).isEqualTo(new TokenCounts(10682, 0, 0, 0, 510, 0));
        assertThat(usage.stopped()).isFalse();
        assertThat(usage.sawContent()).isFalse();
    }

    @Test
    void eventsWithoutNamesAreRecognisedByType() {
        AnthropicStreamUsage usage = new AnthropicStreamUsage();

        usage.onEvent(null, "{\"type\": \"content_block_delta\", \"index\": 0, \"delta\": {\"type\": \"text_delta\"}}");
        usage.onEvent(null, "{\"type\": \"error\", \"error\": {\"type\": \"overloaded_error\", \"message\": \"Overloaded\"}}");
        usage.onEvent(null, "{\"type\": \"message_stop\"}");

        assertThat(usage.sawContent()).isTrue();
        assertThat(usage.errorType()).isEqualTo("overloaded_error");
        assertThat(usage.errorMessage()).isEqualTo("Overloaded");
        assertThat(usage.stopped()).isTrue();
    }
}
