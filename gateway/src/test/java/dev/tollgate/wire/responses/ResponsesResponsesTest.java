package dev.tollgate.wire.responses;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.tollgate.call.CallResponse;
import dev.tollgate.call.Part;
import dev.tollgate.call.StopReason;
import dev.tollgate.call.TokenCounts;
import dev.tollgate.wire.Json;
import tools.jackson.databind.JsonNode;

class ResponsesResponsesTest {

    private static final TokenCounts USAGE = new TokenCounts(70, 20, 10, 0, 40, 8);

    @Test
    void aWholeAnswerIsAResponseObjectWithItsItemsInOrder() {
        CallResponse answer = new CallResponse("msg_abc", "claude", List.of(new Part.Thinking("hmm", "sig"),
                Part.Text.of("It is "), Part.Text.of("sunny."),
                new Part.ToolUse("toolu_1", "get_weather", Json.parseRaw("{\"city\":\"Paris\"}"), null)),
                StopReason.of(StopReason.Kind.TOOL_USE), null, USAGE);

        JsonNode r = Json.tree(ResponsesResponses.write(answer, "claude-haiku-4-5", 1_700_000_000L));

        assertThat(r.path("id").asString()).isEqualTo("resp_abc");
        assertThat(r.path("object").asString()).isEqualTo("response");
        assertThat(r.path("status").asString()).isEqualTo("completed");
        assertThat(r.path("model").asString()).isEqualTo("claude-haiku-4-5");
        assertThat(r.path("created_at").asLong()).isEqualTo(1_700_000_000L);
        JsonNode output = r.path("output");
        assertThat(output).hasSize(3);
        assertThat(output.get(0).path("type").asString()).isEqualTo("reasoning");
        assertThat(output.get(1).path("type").asString()).isEqualTo("message");
        assertThat(output.get(1).path("content").get(0).path("type").asString()).isEqualTo("output_text");
        assertThat(output.get(1).path("content").get(0).path("text").asString()).isEqualTo("It is sunny.");
        assertThat(output.get(2).path("type").asString()).isEqualTo("function_call");
        assertThat(output.get(2).path("call_id").asString()).isEqualTo("toolu_1");
        assertThat(output.get(2).path("arguments").asString()).isEqualTo("{\"city\":\"Paris\"}");
        // every prompt token in input_tokens: 70 uncached + 20 cache reads + 10 cache writes
        assertThat(r.path("usage").path("input_tokens").asLong()).isEqualTo(100);
        assertThat(r.path("usage").path("input_tokens_details").path("cached_tokens").asLong()).isEqualTo(20);
        assertThat(r.path("usage").path("input_tokens_details").path("cache_write_tokens").asLong()).isEqualTo(10);
        assertThat(r.path("usage").path("output_tokens_details").path("reasoning_tokens").asLong()).isEqualTo(8);

        CallResponse back = ResponsesResponses.read(Json.mapper().writeValueAsBytes(r));
        assertThat(back.content()).containsExactly(new Part.Thinking("hmm", null), Part.Text.of("It is sunny."),
                new Part.ToolUse("toolu_1", "get_weather", Json.parseRaw("{\"city\":\"Paris\"}"), null));
        assertThat(back.stopReason().kind()).isEqualTo(StopReason.Kind.TOOL_USE);
        assertThat(back.usage()).isEqualTo(USAGE);
    }

    @Test
    void anAnswerStoppedByTheOutputCapIsIncomplete() {
        CallResponse answer = new CallResponse("chatcmpl-x", "m", List.of(Part.Text.of("It is")),
                StopReason.of(StopReason.Kind.MAX_TOKENS), null, USAGE);

        JsonNode r = Json.tree(ResponsesResponses.write(answer, "m", 1L));

        assertThat(r.path("id").asString()).isEqualTo("resp_x");
        assertThat(r.path("status").asString()).isEqualTo("incomplete");
        assertThat(r.path("incomplete_details").path("reason").asString()).isEqualTo("max_output_tokens");
        assertThat(ResponsesResponses.read(Json.mapper().writeValueAsBytes(r)).stopReason().kind())
                .isEqualTo(StopReason.Kind.MAX_TOKENS);
    }
}
