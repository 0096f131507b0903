package dev.tollgate.wire.openai;

import static dev.tollgate.wire.Transcripts.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

import com.openai.models.chat.completions.ChatCompletion;

import dev.tollgate.api.GatewayException;
import dev.tollgate.call.CallResponse;
import dev.tollgate.call.Part;
import dev.tollgate.call.RawJson;
import dev.tollgate.call.StopReason;
import dev.tollgate.call.TokenCounts;
import dev.tollgate.wire.Json;

class OpenAiResponsesTest {

    /** A tool-call completion as OpenAI's API reference shows the object (content null, arguments a JSON string). */
    private static final String TOOL_CALL = """
            {"id":"chatcmpl-BcQ8ko2nz9B7CRvV0uVbcowidHpQU","object":"chat.completion","created":1748496646,
             "model":"gpt-4o-2024-08-06","choices":[{"index":0,"message":{"role":"assistant","content":null,
             "refusal":null,"annotations":[],"tool_calls":[{"id":"call_qOfTGgDrItLORNfC6VwUbyLL","type":"function",
             "function":{"name":"get_weather","arguments":"{\\"location\\":\\"Shanghai\\"}"}}]},"logprobs":null,
             "finish_reason":"tool_calls"}],"usage":{"prompt_tokens":91,"completion_tokens":14,"total_tokens":105,
             "prompt_tokens_details":{"cached_tokens":64,"audio_tokens":0},
             "completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0}},"service_tier":"default",
             "system_fingerprint":"fp_76544d79cb"}""";

    @Test
    void aToolCallCompletionIsRead() {
        CallResponse r = OpenAiResponses.read(utf8(TOOL_CALL));

        assertThat(r.id()).isEqualTo("chatcmpl-BcQ8ko2nz9B7CRvV0uVbcowidHpQU");
        assertThat(r.model()).isEqualTo("gpt-4o-2024-08-06");
        assertThat(r.content()).containsExactly(new Part.ToolUse("call_qOfTGgDrItLORNfC6VwUbyLL", "get_weather",
                new RawJson("{\"location\":\"Shanghai\"}"), null));
        assertThat(r.stopReason()).isEqualTo(new StopReason(StopReason.Kind.TOOL_USE, "tool_calls"));
        assertThat(r.usage()).as("cached reads split out of prompt_tokens")
                .isEqualTo(new TokenCounts(27, 64, 0, 0, 14, 0));
    }

    @Test
    void deepSeekReasoningAndCacheHitsAreRead() {
        CallResponse r = OpenAiResponses.read(utf8("""
                {"id":"x","object":"chat.completion","created":1,"model":"deepseek-reasoner","choices":[{"index":0,
                 "message":{"role":"assistant","content":"4","reasoning_content":"2+2 is 4."},"finish_reason":"stop"}],
                 "usage":{"prompt_tokens":20,"completion_tokens":30,"total_tokens":50,"prompt_cache_hit_tokens":16,
                 "prompt_cache_miss_tokens":4,"completion_tokens_details":{"reasoning_tokens":25}}}"""));

        assertThat(r.content()).containsExactly(new Part.Thinking("2+2 is 4.", null), Part.Text.of("4"));
        assertThat(r.usage()).isEqualTo(new TokenCounts(4, 16, 0, 0, 30, 25));
        assertThat(r.stopReason().kind()).isEqualTo(StopReason.Kind.END_TURN);
    }

    @Test
    void aVllmMatchedStopStringIsAStopSequence() {
        CallResponse r = OpenAiResponses.read(utf8("""
                {"id":"x","model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"a"},
                 "finish_reason":"stop","stop_reason":"END"}]}"""));

        assertThat(r.stopReason().kind()).isEqualTo(StopReason.Kind.STOP_SEQUENCE);
        assertThat(r.stopSequence()).isEqualTo("END");
    }

    @Test
    void writtenCompletionIsWhatTheSdkReads() {
        CallResponse r = new CallResponse("msg_01XFDUDYJgAACzvnptvVoYEL", "claude-sonnet-4-5",
                List.of(new Part.Thinking("Paris it is.", "sig"), Part.Text.of("Let me check. "),
                        Part.Text.of("One moment."),
                        new Part.ToolUse("toolu_01A", "get_weather", new RawJson("{\"city\":\"Paris\"}"), null),
                        new Part.RedactedThinking("EmwKAhgB")),
                new StopReason(StopReason.Kind.TOOL_USE, "tool_use"), null,
                new TokenCounts(10, 100, 30, 20, 50, 0));

        byte[] written = OpenAiResponses.write(r, "claude-fast", 1735689600L);
        ChatCompletion c = OpenAiSdk.completion(written);

        assertThat(c.id()).isEqualTo("chatcmpl-01XFDUDYJgAACzvnptvVoYEL");
        assertThat(c.model()).isEqualTo("claude-fast");
        assertThat(c.created()).isEqualTo(1735689600L);
        ChatCompletion.Choice choice = c.choices().get(0);
        assertThat(choice.finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);
        assertThat(choice.message().content()).hasValue("Let me check. One moment.");
        assertThat(Json.tree(written).path("choices").path(0).path("message").path("reasoning_content").asString())
                .isEqualTo("Paris it is.");
        assertThat(choice.message().toolCalls().orElseThrow()).singleElement().satisfies(call -> {
            assertThat(call.function().orElseThrow().id()).isEqualTo("toolu_01A");
            assertThat(call.function().orElseThrow().function().name()).isEqualTo("get_weather");
            assertThat(call.function().orElseThrow().function().arguments()).isEqualTo("{\"city\":\"Paris\"}");
        });
        assertThat(c.usage().orElseThrow().promptTokens()).as("input + cache reads + cache writes").isEqualTo(160);
        assertThat(c.usage().orElseThrow().completionTokens()).isEqualTo(50);
        assertThat(c.usage().orElseThrow().totalTokens()).isEqualTo(210);
        assertThat(c.usage().orElseThrow().promptTokensDetails().orElseThrow().cachedTokens()).hasValue(100L);
    }

    @Test
    void readThenWrittenKeepsTheAnswer() {
        CallResponse first = OpenAiResponses.read(utf8(TOOL_CALL));

        CallResponse again = OpenAiResponses.read(OpenAiResponses.write(first, "gpt-4o-2024-08-06", 1));

        assertThat(again).isEqualTo(first);
    }

    @Test
    void anUnreadableAnswerIsA502() {
        assertThatThrownBy(() -> OpenAiResponses.read(utf8("<html>oops</html>")))
                .isInstanceOfSatisfying(GatewayException.class, e -> assertThat(e.error().status()).isEqualTo(502));
        assertThatThrownBy(() -> OpenAiResponses.read(utf8("""
                {"choices":[{"message":{"tool_calls":[{"id":"c","type":"function",
                 "function":{"name":"f","arguments":"{broken"}}]},"finish_reason":"tool_calls"}]}""")))
                .isInstanceOfSatisfying(GatewayException.class, e -> assertThat(e.error().status()).isEqualTo(502));
    }
}
