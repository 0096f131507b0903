package dev.tollgate.wire.anthropic;

import static dev.tollgate.wire.Transcripts.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.tollgate.api.GatewayException;
import dev.tollgate.call.CallResponse;
import dev.tollgate.call.Part;
import dev.tollgate.call.RawJson;
import dev.tollgate.call.StopReason;
import dev.tollgate.call.TokenCounts;
import dev.tollgate.wire.Json;

class AnthropicResponsesTest {

    /** A tool-use answer as the Messages API reference shows one, with cache usage split by lifetime. */
    private static final String TOOL_USE = """
            {"id":"msg_01Aq9w938a90dw8q","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929",
             "content":[{"type":"thinking","thinking":"Use the tool.","signature":"EqQBCgIYAh"},
               {"type":"text","text":"I'll check the weather."},
               {"type":"tool_use","id":"toolu_01A09q90qw90lq917835lq9","name":"get_weather",
                "input":{"location":"San Francisco, CA","unit":"celsius"}}],
             "stop_reason":"tool_use","stop_sequence":null,
             "usage":{"input_tokens":2095,"cache_creation_input_tokens":556,"cache_read_input_tokens":1800,
               "cache_creation":{"ephemeral_5m_input_tokens":456,"ephemeral_1h_input_tokens":100},
               "output_tokens":503,"service_tier":"standard"}}""";

    @Test
    void aToolUseMessageIsRead() {
        CallResponse r = AnthropicResponses.read(utf8(TOOL_USE));

        assertThat(r.id()).isEqualTo("msg_01Aq9w938a90dw8q");
        assertThat(r.content()).containsExactly(new Part.Thinking("Use the tool.", "EqQBCgIYAh"),
                Part.Text.of("I'll check the weather."),
                new Part.ToolUse("toolu_01A09q90qw90lq917835lq9", "get_weather",
                        new RawJson("{\"location\":\"San Francisco, CA\",\"unit\":\"celsius\"}"), null));
        assertThat(r.stopReason()).isEqualTo(new StopReason(StopReason.Kind.TOOL_USE, "tool_use"));
        assertThat(r.usage()).isEqualTo(new TokenCounts(2095, 1800, 456, 100, 503, 0));
        assertThat(r.usage().toUsage().cacheWriteTokens()).isEqualTo(456);
        assertThat(r.usage().toUsage().cacheWrite1hTokens()).isEqualTo(100);
    }

    @Test
    void readThenWrittenKeepsTheMessage() {
        CallResponse first = AnthropicResponses.read(utf8(TOOL_USE));

        byte[] written = AnthropicResponses.write(first, "claude-sonnet-4-5-20250929");

        assertThat(AnthropicResponses.read(written)).isEqualTo(first);
        assertThat(Json.tree(written).path("usage").path("cache_creation_input_tokens").asInt()).isEqualTo(556);
    }

    @Test
    void anOpenAiAnswerIsWrittenAsAMessage() {
        CallResponse r = new CallResponse("chatcmpl-abc", "gpt-4o",
                List.of(new Part.Thinking("Think.", null), Part.Text.of("Hi")),
                new StopReason(StopReason.Kind.CONTENT_FILTER, "content_filter"), null,
                new TokenCounts(5, 10, 0, 0, 7, 3));

        assertThat(Json.tree(AnthropicResponses.write(r, "served"))).isEqualTo(Json.tree("""
                {"id":"msg_abc","type":"message","role":"assistant","model":"served",
                 "content":[{"type":"thinking","thinking":"Think.","signature":""},{"type":"text","text":"Hi"}],
                 "stop_reason":"refusal","stop_sequence":null,
                 "usage":{"input_tokens":5,"cache_creation_input_tokens":0,"cache_read_input_tokens":10,
                   "cache_creation":{"ephemeral_5m_input_tokens":0,"ephemeral_1h_input_tokens":0},
                   "output_tokens":7}}"""));
    }

    @Test
    void aBodyThatIsNotAMessageIsA502() {
        assertThatThrownBy(() -> AnthropicResponses.read(utf8("{\"type\":\"message\"}")))
                .isInstanceOfSatisfying(GatewayException.class, e -> assertThat(e.error().status()).isEqualTo(502));
    }
}
