package dev.tollgate.wire.anthropic;

import static dev.tollgate.wire.Transcripts.bytes;
import static dev.tollgate.wire.Transcripts.decode;
import static dev.tollgate.wire.Transcripts.encode;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.tollgate.call.StreamEvent;
import dev.tollgate.wire.Json;
import dev.tollgate.wire.Transcripts;
import dev.tollgate.wire.openai.OpenAiStreamDecoder;
import tools.jackson.databind.JsonNode;

class AnthropicStreamEncoderTest {

    @Test
    void decodedThenEncodedTheDocsStreamsKeepEveryEvent() {
        for (String resource : List.of("anthropic-text.sse", "anthropic-tool-use.sse", "anthropic-thinking.sse")) {
            byte[] original = bytes(resource);
            List<StreamEvent> events = decode(new AnthropicStreamDecoder(), original);

            String encoded = encode(new AnthropicStreamEncoder("claude-sonnet-4-5-20250929"), events);

            List<String[]> before = Transcripts.parse(new String(original, StandardCharsets.UTF_8));
            List<String[]> after = Transcripts.parse(encoded);
            assertThat(after).as(resource).hasSameSizeAs(before);
            for (int i = 0; i < before.size(); i++) {
                assertThat(after.get(i)[0]).as(resource + " event " + i).isEqualTo(before.get(i)[0]);
                JsonNode expected = Json.tree(before.get(i)[1]);
                JsonNode actual = Json.tree(after.get(i)[1]);
                // what the encoder adds: the full usage object and an empty signature on a thinking block start
                assertThat(actual.path("type")).isEqualTo(expected.path("type"));
                assertThat(actual.path("index")).isEqualTo(expected.path("index"));
                assertThat(actual.path("delta")).isEqualTo(expected.path("delta"));
                assertThat(actual.path("content_block").path("type"))
                        .isEqualTo(expected.path("content_block").path("type"));
                assertThat(actual.path("usage").path("output_tokens"))
                        .isEqualTo(expected.path("usage").path("output_tokens"));
            }
        }
    }

    @Test
    void anOpenAiStreamBecomesTheExactAnthropicSequence() {
        List<StreamEvent> events = decode(new OpenAiStreamDecoder(), bytes("openai-tool-calls.sse"));

        List<String[]> out = Transcripts.parse(encode(new AnthropicStreamEncoder("gpt-served"), events));

        assertThat(out).extracting(e -> e[0]).containsExactly(
                "message_start",
                "content_block_start", "content_block_delta", "content_block_delta", "content_block_delta",
                "content_block_delta", "content_block_delta", "content_block_delta", "content_block_delta",
                "content_block_stop",
                "content_block_start", "content_block_delta", "content_block_delta", "content_block_delta",
                "content_block_stop",
                "message_delta", "message_stop");
        JsonNode start = Json.tree(out.get(0)[1]);
        assertThat(start).isEqualTo(Json.tree("""
                {"type":"message_start","message":{"id":"msg_ToolCalls42","type":"message","role":"assistant",
                 "model":"gpt-served","content":[],"stop_reason":null,"stop_sequence":null,
                 "usage":{"input_tokens":0,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,
                   "cache_creation":{"ephemeral_5m_input_tokens":0,"ephemeral_1h_input_tokens":0},
                   "output_tokens":0}}}"""));
        assertThat(Json.tree(out.get(1)[1])).isEqualTo(Json.tree("""
                {"type":"content_block_start","index":0,"content_block":{"type":"tool_use",
                 "id":"call_DdmO9pD3xa9XTPNJ32zg2hcA","name":"get_weather","input":{}}}"""));
        assertThat(Json.tree(out.get(2)[1])).isEqualTo(Json.tree("""
                {"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{\\""}}"""));
        assertThat(Json.tree(out.get(15)[1])).isEqualTo(Json.tree("""
                {"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},
                 "usage":{"input_tokens":18,"cache_creation_input_tokens":0,"cache_read_input_tokens":64,
                   "cache_creation":{"ephemeral_5m_input_tokens":0,"ephemeral_1h_input_tokens":0},
                   "output_tokens":35}}"""));
        assertThat(Json.tree(out.get(16)[1])).isEqualTo(Json.tree("{\"type\":\"message_stop\"}"));
    }

    @Test
    void aStreamErrorIsAnErrorEventWithAnAnthropicType() {
        List<String[]> out = Transcripts.parse(encode(new AnthropicStreamEncoder("m"),
                List.of(new StreamEvent.StreamError("server_error", "The server had an error"))));

        assertThat(out).singleElement().satisfies(e -> {
            assertThat(e[0]).isEqualTo("error");
            assertThat(Json.tree(e[1])).isEqualTo(Json.tree("""
                    {"type":"error","error":{"type":"api_error","message":"The server had an error"}}"""));
        });
    }
}
