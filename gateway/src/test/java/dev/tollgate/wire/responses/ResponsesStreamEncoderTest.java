package dev.tollgate.wire.responses;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.tollgate.call.StopReason;
import dev.tollgate.call.StreamEvent;
import dev.tollgate.call.StreamEvent.Block;
import dev.tollgate.call.TokenCounts;
import dev.tollgate.wire.Json;
import dev.tollgate.wire.Sse;
import tools.jackson.databind.JsonNode;

class ResponsesStreamEncoderTest {

    private static final TokenCounts USAGE = new TokenCounts(90, 10, 0, 0, 25, 5);

    /** The events written for {@code events}: each as (event name, data tree). */
    private static List<JsonNode> encode(List<StreamEvent> events) {
        ResponsesStreamEncoder encoder = new ResponsesStreamEncoder("gpt-test", 1_700_000_000L);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        events.forEach(e -> encoder.encode(e, out));
        List<JsonNode> written = new ArrayList<>();
        Sse.forEachEvent(out.toByteArray(), (name, data) -> {
            JsonNode tree = Json.tree(data);
            // the event line names the type the data carries
            assertThat(tree.path("type").asString()).isEqualTo(name);
            written.add(tree);
        });
        assertThat(encoder.nextSequenceNumber()).isEqualTo(written.size());
        return written;
    }

    private static List<String> types(List<JsonNode> events) {
        return events.stream().map(e -> e.path("type").asString()).toList();
    }

    private static List<StreamEvent> textThenTool(StopReason stop) {
        return List.of(new StreamEvent.MessageStart("chatcmpl-abc", "up", TokenCounts.ZERO),
                new StreamEvent.BlockStart(0, Block.TEXT),
                new StreamEvent.TextDelta(0, "Hel"), new StreamEvent.TextDelta(0, "lo"),
                new StreamEvent.BlockStop(0),
                new StreamEvent.BlockStart(1, new Block.ToolUse("call_1", "get_weather")),
                new StreamEvent.ToolInputDelta(1, "{\"city\":"), new StreamEvent.ToolInputDelta(1, "\"Paris\"}"),
                new StreamEvent.BlockStop(1),
                new StreamEvent.MessageDelta(stop, null, USAGE), StreamEvent.MESSAGE_STOP);
    }

    @Test
    void eventsComeInTheResponsesOrderWithSequenceNumbersIncreasingByOne() {
        List<JsonNode> events = encode(textThenTool(StopReason.of(StopReason.Kind.TOOL_USE)));
        assertThat(types(events)).containsExactly("response.created", "response.in_progress",
                "response.output_item.added", "response.content_part.added",
                "response.output_text.delta", "response.output_text.delta",
                "response.output_text.done", "response.content_part.done", "response.output_item.done",
                "response.output_item.added",
                "response.function_call_arguments.delta", "response.function_call_arguments.delta",
                "response.function_call_arguments.done", "response.output_item.done",
                "response.completed");
        for (int i = 0; i < events.size(); i++) {
            assertThat(events.get(i).path("sequence_number").asInt(-1)).isEqualTo(i);
        }
    }

    @Test
    void itemsCarryTheirIdsIndicesAndWholeTextInTheirDoneEvents() {
        List<JsonNode> events = encode(textThenTool(StopReason.of(StopReason.Kind.TOOL_USE)));
        JsonNode messageAdded = events.get(2);
        String messageId = messageAdded.path("item").path("id").asString();
        assertThat(messageId).startsWith("msg_");
        assertThat(messageAdded.path("output_index").asInt()).isZero();
        assertThat(messageAdded.path("item").path("status").asString()).isEqualTo("in_progress");
        assertThat(events.get(4).path("item_id").asString()).isEqualTo(messageId);
        assertThat(events.get(4).path("content_index").asInt()).isZero();
        assertThat(events.get(4).path("delta").asString()).isEqualTo("Hel");
        assertThat(events.get(6).path("text").asString()).isEqualTo("Hello");
        assertThat(events.get(7).path("part").path("text").asString()).isEqualTo("Hello");
        assertThat(events.get(8).path("item").path("content").get(0).path("text").asString()).isEqualTo("Hello");

        JsonNode callAdded = events.get(9);
        assertThat(callAdded.path("output_index").asInt()).isEqualTo(1);
        assertThat(callAdded.path("item").path("type").asString()).isEqualTo("function_call");
        assertThat(callAdded.path("item").path("call_id").asString()).isEqualTo("call_1");
        assertThat(callAdded.path("item").path("name").asString()).isEqualTo("get_weather");
        assertThat(events.get(12).path("arguments").asString()).isEqualTo("{\"city\":\"Paris\"}");
        assertThat(events.get(13).path("item").path("arguments").asString()).isEqualTo("{\"city\":\"Paris\"}");
    }

    @Test
    void completedCarriesTheWholeResponseAndItsUsage() {
        List<JsonNode> events = encode(textThenTool(StopReason.of(StopReason.Kind.TOOL_USE)));
        JsonNode created = events.get(0).path("response");
        JsonNode response = events.get(events.size() - 1).path("response");
        assertThat(created.path("status").asString()).isEqualTo("in_progress");
        assertThat(created.path("id").asString()).isEqualTo("resp_abc").isEqualTo(response.path("id").asString());
        assertThat(response.path("status").asString()).isEqualTo("completed");
        assertThat(response.path("model").asString()).isEqualTo("gpt-test");
        assertThat(response.path("created_at").asLong()).isEqualTo(1_700_000_000L);
        assertThat(response.path("output")).hasSize(2);
        // input_tokens counts every prompt token (90 uncached + 10 cached); output includes the 5 of reasoning
        JsonNode usage = response.path("usage");
        assertThat(usage.path("input_tokens").asLong()).isEqualTo(100);
        assertThat(usage.path("input_tokens_details").path("cached_tokens").asLong()).isEqualTo(10);
        assertThat(usage.path("output_tokens").asLong()).isEqualTo(25);
        assertThat(usage.path("output_tokens_details").path("reasoning_tokens").asLong()).isEqualTo(5);
        assertThat(usage.path("total_tokens").asLong()).isEqualTo(125);
    }

    @Test
    void anOutputCapStopEndsWithResponseIncomplete() {
        List<JsonNode> events = encode(textThenTool(StopReason.of(StopReason.Kind.MAX_TOKENS)));
        JsonNode last = events.get(events.size() - 1);
        assertThat(last.path("type").asString()).isEqualTo("response.incomplete");
        assertThat(last.path("response").path("status").asString()).isEqualTo("incomplete");
        assertThat(last.path("response").path("incomplete_details").path("reason").asString())
                .isEqualTo("max_output_tokens");
    }

    @Test
    void anErrorIsTheLastEventWithItsSequenceNumber() {
        List<JsonNode> events = encode(List.of(new StreamEvent.MessageStart("m", "up", TokenCounts.ZERO),
                new StreamEvent.BlockStart(0, Block.TEXT), new StreamEvent.TextDelta(0, "Hi"),
                new StreamEvent.StreamError("overloaded_error", "Overloaded"),
                new StreamEvent.TextDelta(0, "never"), StreamEvent.MESSAGE_STOP));
        JsonNode error = events.get(events.size() - 1);
        assertThat(types(events)).endsWith("response.output_text.delta", "error");
        assertThat(error.path("code").asString()).isEqualTo("overloaded_error");
        assertThat(error.path("message").asString()).isEqualTo("Overloaded");
        assertThat(error.has("param")).isTrue();
        assertThat(error.path("sequence_number").asInt()).isEqualTo(events.size() - 1);
    }

    @Test
    void thinkingBecomesAReasoningItemAndPingsAndSignaturesWriteNothing() {
        List<JsonNode> events = encode(List.of(new StreamEvent.MessageStart("m", "up", TokenCounts.ZERO),
                StreamEvent.PING, new StreamEvent.BlockStart(0, Block.THINKING),
                new StreamEvent.ThinkingDelta(0, "Let me think"), new StreamEvent.SignatureDelta(0, "sig"),
                new StreamEvent.BlockStop(0), new StreamEvent.MessageDelta(StopReason.END_TURN, null, USAGE),
                StreamEvent.MESSAGE_STOP));
        assertThat(types(events)).containsExactly("response.created", "response.in_progress",
                "response.output_item.added", "response.reasoning_text.delta", "response.reasoning_text.done",
                "response.output_item.done", "response.completed");
        assertThat(events.get(2).path("item").path("type").asString()).isEqualTo("reasoning");
        assertThat(events.get(4).path("text").asString()).isEqualTo("Let me think");
    }

    @Test
    void whatTheEncoderWritesTheDecoderReadsBack() {
        List<StreamEvent> sent = textThenTool(StopReason.of(StopReason.Kind.TOOL_USE));
        ResponsesStreamEncoder encoder = new ResponsesStreamEncoder("gpt-test", 1L);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        sent.forEach(e -> encoder.encode(e, out));
        List<StreamEvent> read = new ArrayList<>();
        ResponsesStreamDecoder decoder = new ResponsesStreamDecoder();
        Sse.forEachEvent(out.toByteArray(), (name, data) -> decoder.decode(name, data, read::add));
        assertThat(read).containsExactly(new StreamEvent.MessageStart("resp_abc", "gpt-test", TokenCounts.ZERO),
                new StreamEvent.BlockStart(0, Block.TEXT),
                new StreamEvent.TextDelta(0, "Hel"), new StreamEvent.TextDelta(0, "lo"),
                new StreamEvent.BlockStop(0),
                new StreamEvent.BlockStart(1, new Block.ToolUse("call_1", "get_weather")),
                new StreamEvent.ToolInputDelta(1, "{\"city\":"), new StreamEvent.ToolInputDelta(1, "\"Paris\"}"),
                new StreamEvent.BlockStop(1),
                new StreamEvent.MessageDelta(StopReason.of(StopReason.Kind.TOOL_USE), null, USAGE),
                StreamEvent.MESSAGE_STOP);
        assertThat(new String(out.toByteArray(), StandardCharsets.UTF_8)).startsWith("event: response.created\n");
    }
}
