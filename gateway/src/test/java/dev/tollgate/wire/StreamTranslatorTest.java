package dev.tollgate.wire;

import static dev.tollgate.wire.Transcripts.bytes;
import static dev.tollgate.wire.Transcripts.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.tollgate.call.TokenCounts;
import dev.tollgate.call.WireFormat;
import tools.jackson.databind.JsonNode;

class StreamTranslatorTest {

    private static final Clock CLOCK = Clock.fixed(Instant.ofEpochSecond(1735689600L), ZoneOffset.UTC);

    private static StreamTranslator openAiToAnthropic() {
        return StreamTranslator.create(WireFormat.OPENAI_CHAT, WireFormat.ANTHROPIC_MESSAGES, "served", true, CLOCK);
    }

    private static StreamTranslator anthropicToOpenAi(boolean usage) {
        return StreamTranslator.create(WireFormat.ANTHROPIC_MESSAGES, WireFormat.OPENAI_CHAT, "served", usage, CLOCK);
    }

    @Test
    void openAiToAnthropicEventByEventHoldsBackOnlyTheStopReason() {
        StreamTranslator t = openAiToAnthropic();

        List<String> out = translateEventByEvent(t, bytes("openai-text.sse"));

        assertThat(out.get(0)).as("role chunk").startsWith("event: message_start\n");
        assertThat(out.get(1)).as("first text").startsWith("event: content_block_start\n")
                .contains("event: content_block_delta\n").contains("\"text\":\"Hello\"");
        assertThat(out.get(2)).as("each text chunk at once").contains("\"text\":\"!\"");
        assertThat(out.get(8)).as("finish chunk: the block closes, nothing more")
                .isEqualTo("event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n");
        assertThat(out.get(9)).as("usage chunk: the held stop reason with the usage").startsWith("event: message_delta\n")
                .contains("\"stop_reason\":\"end_turn\"").contains("\"input_tokens\":19").contains("\"output_tokens\":10");
        assertThat(out.get(10)).as("[DONE]").isEqualTo("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
        assertThat(out.get(11)).as("end").isEmpty();
        assertThat(t.usage()).isEqualTo(new TokenCounts(19, 0, 0, 0, 10, 0));
        assertThat(t.stopped()).isTrue();
    }

    @Test
    void anthropicToOpenAiEventByEventHoldsNothingBack() {
        StreamTranslator t = anthropicToOpenAi(true);

        List<String> out = translateEventByEvent(t, bytes("anthropic-tool-use.sse"));

        assertThat(out.get(0)).as("message_start: the role chunk").contains("\"role\":\"assistant\"");
        assertThat(out.get(1)).as("a text block start has no chunk of its own").isEmpty();
        assertThat(out.get(2)).as("ping: an SSE comment").isEqualTo(": ping\n\n");
        assertThat(out.get(3)).contains("\"content\":\"Okay\"");
        int toolStart = 17;
        assertThat(out.get(toolStart)).contains("\"tool_calls\":[{\"index\":0,\"id\":\"toolu_01T1x1fJ34qAmk2tNTrN7Up6\","
                + "\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"\"}}]");
        assertThat(out.get(toolStart + 1)).as("an empty fragment has no chunk").isEmpty();
        assertThat(out.get(toolStart + 2)).contains("\"arguments\":\"{\\\"location\\\":\"");
        assertThat(out.get(out.size() - 3)).as("message_delta: the finish chunk")
                .contains("\"finish_reason\":\"tool_calls\"");
        assertThat(out.get(out.size() - 2)).as("message_stop: usage chunk and [DONE]")
                .contains("\"choices\":[],\"usage\":{\"prompt_tokens\":472,\"completion_tokens\":89")
                .endsWith("data: [DONE]\n\n");
        assertThat(t.usage()).isEqualTo(new TokenCounts(472, 0, 0, 0, 89, 0));
    }

    @Test
    void anyBatchingOfEventsGivesTheSameBytes() {
        for (String resource : List.of("openai-text.sse", "openai-tool-calls.sse", "openai-reasoning.sse")) {
            byte[] stream = bytes(resource);
            StreamTranslator oneByOne = openAiToAnthropic();
            StreamTranslator whole = openAiToAnthropic();

            String a = String.join("", translateEventByEvent(oneByOne, stream));
            String b = new String(whole.onEvents(stream), StandardCharsets.UTF_8)
                    + new String(whole.onEnd(), StandardCharsets.UTF_8);

            assertThat(a).as(resource).isEqualTo(b);
        }
    }

    @Test
    void usageIsNotDoubleCountedWhicheverWayItGoes() {
        StreamTranslator toOpenAi = anthropicToOpenAi(true);
        StreamTranslator back = openAiToAnthropic();

        byte[] openAi = toOpenAi.onEvents(bytes("anthropic-cache.sse"));
        byte[] anthropic = back.onEvents(openAi);

        assertThat(toOpenAi.usage()).isEqualTo(new TokenCounts(21, 1800, 456, 100, 40, 0));
        String chunks = new String(openAi, StandardCharsets.UTF_8);
        assertThat(chunks).contains("\"prompt_tokens\":2377,\"completion_tokens\":40,\"total_tokens\":2417");
        assertThat(back.usage()).as("OpenAI has no cache writes: they count as input")
                .isEqualTo(new TokenCounts(577, 1800, 0, 0, 40, 0));
        assertThat(new String(anthropic, StandardCharsets.UTF_8)).contains("\"stop_reason\":\"max_tokens\"");
    }

    @Test
    void aWholeAnswerIsTranslatedWithTheServedModel() {
        StreamTranslator t = anthropicToOpenAi(false);

        JsonNode body = Json.tree(t.translateResponse(utf8("""
                {"id":"msg_01","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929",
                 "content":[{"type":"text","text":"Hi!"}],"stop_reason":"end_turn","stop_sequence":null,
                 "usage":{"input_tokens":12,"output_tokens":3}}""")));

        assertThat(body.path("id").asString()).isEqualTo("chatcmpl-01");
        assertThat(body.path("model").asString()).isEqualTo("served");
        assertThat(body.path("created").asLong()).isEqualTo(1735689600L);
        assertThat(body.path("choices").path(0).path("message").path("content").asString()).isEqualTo("Hi!");
        assertThat(body.path("choices").path(0).path("finish_reason").asString()).isEqualTo("stop");
        assertThat(t.usage()).isEqualTo(new TokenCounts(12, 0, 0, 0, 3, 0));
    }

    @Test
    void upstreamErrorsAreTranslatedWithTheirStatusKept() {
        byte[] anthropic = utf8("{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}");
        byte[] openAi = utf8("{\"error\":{\"message\":\"Invalid 'messages[0].role'\",\"type\":\"invalid_request_error\","
                + "\"param\":\"messages[0].role\",\"code\":\"invalid_value\"}}");

        JsonNode forOpenAi = Json.tree(anthropicToOpenAi(false).translateError(529, anthropic));
        JsonNode forAnthropic = Json.tree(openAiToAnthropic().translateError(400, openAi));

        assertThat(forOpenAi).isEqualTo(Json.tree("""
                {"error":{"message":"Overloaded","type":"server_error","code":"overloaded_error","param":null}}"""));
        assertThat(forAnthropic).isEqualTo(Json.tree("""
                {"type":"error","error":{"type":"invalid_request_error",
                 "message":"messages[0].role: Invalid 'messages[0].role'"}}"""));
    }

    @Test
    void midStreamErrorsCrossFormats() {
        String fromAnthropic = new String(anthropicToOpenAi(true).onEvents(utf8(
                "event: error\ndata: {\"type\": \"error\", \"error\": {\"type\": \"overloaded_error\", "
                        + "\"message\": \"Overloaded\"}}\n\n")), StandardCharsets.UTF_8);
        String fromOpenAi = new String(openAiToAnthropic().onEvents(utf8(
                "data: {\"error\":{\"message\":\"boom\",\"type\":\"server_error\"}}\n\n")), StandardCharsets.UTF_8);

        assertThat(fromAnthropic).isEqualTo("data: {\"error\":{\"message\":\"Overloaded\",\"type\":\"overloaded_error\","
                + "\"code\":null,\"param\":null}}\n\n");
        assertThat(fromOpenAi).isEqualTo("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"api_error\","
                + "\"message\":\"boom\"}}\n\n");
    }

    @Test
    void crlfStreamsAreRead() {
        String crlf = new String(bytes("anthropic-text.sse"), StandardCharsets.UTF_8).replace("\n", "\r\n");

        String out = new String(anthropicToOpenAi(false).onEvents(utf8(crlf)), StandardCharsets.UTF_8);

        assertThat(out).contains("\"content\":\"Hello\"").endsWith("data: [DONE]\n\n");
    }

    /** Feeds a stream to a translator one event at a time; the output of each call, in order. */
    private static List<String> translateEventByEvent(StreamTranslator translator, byte[] stream) {
        List<String> out = new ArrayList<>();
        for (byte[] event : Transcripts.events(stream)) {
            out.add(new String(translator.onEvents(event), StandardCharsets.UTF_8));
        }
        out.add(new String(translator.onEnd(), StandardCharsets.UTF_8));
        return out;
    }
}
