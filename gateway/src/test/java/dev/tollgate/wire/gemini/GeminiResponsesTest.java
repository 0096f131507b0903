package dev.tollgate.wire.gemini;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.tollgate.api.GatewayException;
import dev.tollgate.call.CallResponse;
import dev.tollgate.call.Part;
import dev.tollgate.call.StopReason;
import dev.tollgate.call.TokenCounts;
import dev.tollgate.pricing.Usage;
import dev.tollgate.wire.Json;

class GeminiResponsesTest {

    private static final String ANSWER = """
            {"candidates":[{"content":{"parts":[{"text":"Let me see.","thought":true},{"text":"It is "},
              {"text":"sunny."},{"functionCall":{"name":"get_weather","args":{"city":"Paris"}}}],"role":"model"},
              "finishReason":"STOP","index":0}],
             "usageMetadata":{"promptTokenCount":5000,"candidatesTokenCount":12,"totalTokenCount":5132,
               "cachedContentTokenCount":4096,"thoughtsTokenCount":100,"toolUsePromptTokenCount":20,
               "promptTokensDetails":[{"modality":"TEXT","tokenCount":5000}]},
             "modelVersion":"gemini-2.5-pro","responseId":"abc123"}
            """;

    @Test
    void anAnswerIsReadWithItsThoughtsTextAndFunctionCall() {
        CallResponse r = GeminiResponses.read(utf8(ANSWER));

        assertThat(r.id()).isEqualTo("abc123");
        assertThat(r.model()).isEqualTo("gemini-2.5-pro");
        assertThat(r.content()).hasSize(4);
        assertThat(r.content().get(0)).isEqualTo(new Part.Thinking("Let me see.", null));
        assertThat(r.content().get(1)).isEqualTo(Part.Text.of("It is "));
        Part.ToolUse call = (Part.ToolUse) r.content().get(3);
        assertThat(call.name()).isEqualTo("get_weather");
        assertThat(call.input().json()).isEqualTo("{\"city\":\"Paris\"}");
        assertThat(call.id()).as("Gemini gave no id: one is made").startsWith("toolu_");
        assertThat(r.stopReason().kind()).isEqualTo(StopReason.Kind.TOOL_USE);
    }

    @Test
    void usageIsReadExactly() {
        // prompt 5,000 includes 4,096 cached: uncached 904, plus 20 tool-use prompt tokens = 924 input;
        // output = 12 candidates + 100 thoughts = 112, of which 100 reasoning
        TokenCounts expected = new TokenCounts(924, 4096, 0, 0, 112, 100);

        assertThat(GeminiResponses.read(utf8(ANSWER)).usage()).isEqualTo(expected);
        assertThat(new GeminiWire(Json.mapper()).usageOfResponse(utf8(ANSWER))).isEqualTo(expected.toUsage());
        assertThat(expected.toUsage().promptTokens()).as("what the long-context threshold sees").isEqualTo(5020);
    }

    @Test
    void absentCountsAreZeroAndAMissingUsageIsNull() {
        assertThat(GeminiUsage.read(Json.tree("{\"promptTokenCount\":7}"))).isEqualTo(new TokenCounts(7, 0, 0, 0, 0, 0));
        assertThat(new GeminiWire(Json.mapper()).usageOfResponse(utf8("{\"candidates\":[]}"))).isNull();
        assertThatThrownBy(() -> new GeminiWire(Json.mapper()).usageOfResponse(utf8("{\"usageMetadata\":{")))
                .isInstanceOf(tools.jackson.core.JacksonException.class);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "STOP, END_TURN", "MAX_TOKENS, MAX_TOKENS", "SAFETY, CONTENT_FILTER", "RECITATION, CONTENT_FILTER",
            "PROHIBITED_CONTENT, CONTENT_FILTER", "SPII, CONTENT_FILTER", "BLOCKLIST, CONTENT_FILTER",
            "MALFORMED_FUNCTION_CALL, OTHER", "OTHER, OTHER", "FINISH_REASON_UNSPECIFIED, OTHER"})
    void finishReasonsMapToCanonicalStopReasons(String finish, StopReason.Kind kind) {
        CallResponse r = GeminiResponses.read(utf8("{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"x\"}]},"
                + "\"finishReason\":\"" + finish + "\"}]}"));

        assertThat(r.stopReason().kind()).isEqualTo(kind);
    }

    @Test
    void aBlockedPromptIsAnEmptyAnswerStoppedByTheFilter() {
        CallResponse r = GeminiResponses.read(utf8("{\"promptFeedback\":{\"blockReason\":\"SAFETY\"},"
                + "\"usageMetadata\":{\"promptTokenCount\":9,\"totalTokenCount\":9}}"));

        assertThat(r.content()).isEmpty();
        assertThat(r.stopReason().kind()).isEqualTo(StopReason.Kind.CONTENT_FILTER);
        assertThat(r.usage()).isEqualTo(new TokenCounts(9, 0, 0, 0, 0, 0));
    }

    @Test
    void aBodyThatIsNoResponseIsA502() {
        assertThatThrownBy(() -> GeminiResponses.read(utf8("not json")))
                .isInstanceOfSatisfying(GatewayException.class, e -> assertThat(e.error().status()).isEqualTo(502));
    }

    @Test
    void answerTextHoldsTextThoughtsAndArguments() {
        assertThat(new GeminiWire(Json.mapper()).answerText(utf8(ANSWER)))
                .isEqualTo("Let me see.It is sunny.{\"city\":\"Paris\"}");
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static Usage usage(long input, long cached, long output, long reasoning) {
        return new Usage(input, cached, 0, output, reasoning, false);
    }
}
