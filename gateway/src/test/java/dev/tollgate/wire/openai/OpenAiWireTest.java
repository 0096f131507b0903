package dev.tollgate.wire.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.tollgate.wire.openai.ChatRequest;
import dev.tollgate.pricing.OutputCapField;
import dev.tollgate.pricing.Usage;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

class OpenAiWireTest {

    private static final ObjectMapper MAPPER = JsonMapper.builder().build();
    private static final OpenAiWire WIRE = new OpenAiWire(MAPPER);

    private static final String USAGE = "\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":34,\"total_tokens\":46,"
            + "\"prompt_tokens_details\":{\"cached_tokens\":2}}";
    private static final String CHOICES = "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
            + "\"content\":\"{\\\"usage\\\":{\\\"prompt_tokens\\\":999}}\"},\"finish_reason\":\"stop\"}]";

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static ChatRequest chat(String json) {
        return ChatRequest.parse(bytes(json), MAPPER);
    }

    private static JsonNode tree(byte[] body) {
        return MAPPER.readTree(body);
    }

    // --- upstreamBody

    @ParameterizedTest
    @ValueSource(strings = {
            "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"x-extra\":[1,2]}",
            "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stream\":true,"
                    + "\"stream_options\":{\"include_usage\":true}}"
    })
    void unchangedRequestGoesUpstreamAsTheSameBytes(String json) {
        ChatRequest request = chat(json);

        assertThat(WIRE.upstreamBody(request, "gpt-4o")).isSameAs(request.body());
    }

    @Test
    void anOutputCapIsWrittenInTheModelsFieldWhenTheClientSentNone() {
        ChatRequest plain = chat("{\"model\":\"o1\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        ChatRequest stream = chat("{\"model\":\"o1\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                + "\"stream\":true}");
        ChatRequest own = chat("{\"model\":\"o1\",\"max_tokens\":9000,\"stream\":true,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

        JsonNode spliced = tree(WIRE.upstreamBody(plain, "o1", OutputCapField.MAX_COMPLETION_TOKENS, 321));
        JsonNode serialised = tree(WIRE.upstreamBody(stream, "o1", OutputCapField.MAX_COMPLETION_TOKENS, 321));
        JsonNode clients = tree(WIRE.upstreamBody(own, "o1", OutputCapField.MAX_COMPLETION_TOKENS, 321));

        assertThat(spliced.path("max_completion_tokens").asInt()).isEqualTo(321);
        assertThat(serialised.path("max_completion_tokens").asInt()).isEqualTo(321);
        assertThat(serialised.path("stream_options").path("include_usage").asBoolean()).isTrue();
        assertThat(clients.path("max_tokens").asInt()).as("the client's own field").isEqualTo(321);
        assertThat(clients.has("max_completion_tokens")).isFalse();
        assertThat(WIRE.upstreamBody(plain, "o1", OutputCapField.MAX_COMPLETION_TOKENS, 0)).isSameAs(plain.body());
    }

    @Test
    void streamWithoutIncludeUsageGetsItAndKeepsEverythingElse() {
        ChatRequest request = chat("{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                + "\"stream\":true,\"stream_options\":{\"continuous_usage_stats\":false},"
                + "\"vendor_extension\":{\"a\":[1,{\"b\":null}]},\"temperature\":0.25}");
        ObjectNode expected = request.tree().deepCopy();
        ((ObjectNode) expected.get("stream_options")).put("include_usage", true);

        byte[] body = WIRE.upstreamBody(request, "gpt-4o");

        assertThat(tree(body)).isEqualTo(expected);
        assertThat(request.tree().get("stream_options").has("include_usage")).isFalse();
    }

    @Test
    void streamWithoutStreamOptionsGetsThem() {
        ChatRequest request = chat("{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                + "\"stream\":true}");

        JsonNode sent = tree(WIRE.upstreamBody(request, "gpt-4o"));

        assertThat(sent.path("stream_options").path("include_usage").asBoolean()).isTrue();
        assertThat(sent.get("stream_options").size()).isEqualTo(1);
    }

    @Test
    void streamWithIncludeUsageFalseGetsItTurnedOn() {
        ChatRequest request = chat("{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                + "\"stream\":true,\"stream_options\":{\"include_usage\":false}}");

        JsonNode sent = tree(WIRE.upstreamBody(request, "gpt-4o"));

        assertThat(sent.path("stream_options").path("include_usage").asBoolean()).isTrue();
    }

    @Test
    void providerSlashModelIsRenamedToTheUpstreamModel() {
        ChatRequest request = chat("{\"model\":\"deepseek/deepseek-chat\",\"messages\":[{\"role\":\"user\","
                + "\"content\":\"hi\"}],\"seed\":7,\"unknown\":\"kept\"}");
        ObjectNode expected = request.tree().deepCopy();
        expected.put("model", "deepseek-chat");

        byte[] body = WIRE.upstreamBody(request, "deepseek-chat");

        assertThat(tree(body)).isEqualTo(expected);
        assertThat(request.tree().get("model").stringValue()).isEqualTo("deepseek/deepseek-chat");
    }

    // --- usageOfResponse

    @Test
    void usageIsReadWhenItIsTheLastField() {
        byte[] body = bytes("{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\"," + CHOICES + "," + USAGE + "}");

        assertThat(WIRE.usageOfResponse(body)).isEqualTo(new Usage(10, 2, 0, 34, 0, false));
    }

    @Test
    void usageIsReadWhenItIsTheFirstField() {
        byte[] body = bytes("{" + USAGE + ",\"id\":\"chatcmpl-1\"," + CHOICES + "}");

        assertThat(WIRE.usageOfResponse(body)).isEqualTo(new Usage(10, 2, 0, 34, 0, false));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "{\"id\":\"chatcmpl-1\"," + CHOICES + "}",
            "{\"id\":\"chatcmpl-1\",\"usage\":null}",
            "{\"id\":\"chatcmpl-1\",\"data\":{\"usage\":{\"prompt_tokens\":1}}}",
            "[{\"usage\":{\"prompt_tokens\":1}}]",
            "{}"
    })
    void validJsonWithoutTopLevelUsageHasNoUsage(String json) {
        assertThat(WIRE.usageOfResponse(bytes(json))).isNull();
    }

    /** ResponseRelay answers 502 only when usageOfResponse throws: a malformed body must not pass as "no usage". */
    @ParameterizedTest
    @ValueSource(strings = {
            "",
            "not json",
            "<html>502 Bad Gateway</html>",
            "{\"id\":\"chatcmpl-1\",\"choices\":[",
            "{\"id\":\"chatcmpl-1\"," + CHOICES,
            "{" + USAGE + ",\"choices\":[{\"message\":",
            "{" + USAGE + ",\"id\":}",
            "{\"id\":\"chatcmpl-1\"," + USAGE + "} trailing",
            "{\"id\":\"chatcmpl-1\"}{\"id\":\"chatcmpl-2\"}"
    })
    void malformedBodyThrows(String body) {
        assertThatThrownBy(() -> WIRE.usageOfResponse(bytes(body))).isInstanceOf(RuntimeException.class);
    }

    // --- usage

    @Test
    void deepSeekCacheHitTokensAreCachedInput() {
        JsonNode usage = MAPPER.readTree("{\"prompt_tokens\":100,\"completion_tokens\":50,\"total_tokens\":150,"
                + "\"prompt_cache_hit_tokens\":60,\"prompt_cache_miss_tokens\":40}");

        assertThat(OpenAiWire.usage(usage)).isEqualTo(new Usage(40, 60, 0, 50, 0, false));
    }

    @Test
    void reasoningTokensAreReportedAndStayInOutput() {
        JsonNode usage = MAPPER.readTree("{\"prompt_tokens\":20,\"completion_tokens\":500,\"total_tokens\":520,"
                + "\"completion_tokens_details\":{\"reasoning_tokens\":448}}");

        assertThat(OpenAiWire.usage(usage)).isEqualTo(new Usage(20, 0, 0, 500, 448, false));
    }

    @Test
    void countsBeyondTheirTotalsAreClamped() {
        JsonNode usage = MAPPER.readTree("{\"prompt_tokens\":5,\"completion_tokens\":3,"
                + "\"prompt_tokens_details\":{\"cached_tokens\":9},"
                + "\"completion_tokens_details\":{\"reasoning_tokens\":4}}");

        assertThat(OpenAiWire.usage(usage)).isEqualTo(new Usage(0, 5, 0, 3, 3, false));
    }

    @Test
    void usageWithoutCountsIsNoUsage() {
        assertThat(OpenAiWire.usage(MAPPER.readTree("{\"total_tokens\":46}"))).isNull();
        assertThat(OpenAiWire.usage(null)).isNull();
    }
}
