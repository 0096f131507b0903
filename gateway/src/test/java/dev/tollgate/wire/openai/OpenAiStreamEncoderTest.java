package dev.tollgate.wire.openai;

import static dev.tollgate.wire.Transcripts.bytes;
import static dev.tollgate.wire.Transcripts.decode;
import static dev.tollgate.wire.Transcripts.encode;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import com.openai.models.chat.completions.ChatCompletion;

import dev.tollgate.call.StopReason;
import dev.tollgate.call.StreamEvent;
import dev.tollgate.call.StreamEvent.Block;
import dev.tollgate.call.TokenCounts;
import dev.tollgate.wire.Transcripts;
import dev.tollgate.wire.anthropic.AnthropicStreamDecoder;

class OpenAiStreamEncoderTest {

    @Test
    void anthropicToolUseStreamAccumulatesInTheSdkToTheSameCall() {
        List<StreamEvent> events = decode(new AnthropicStreamDecoder(), bytes("anthropic-tool-use.sse"));

        String sse = encode(new OpenAiStreamEncoder("claude-fast", 1735689600L, true), events);
        ChatCompletion c = OpenAiSdk.accumulate(sse);

        assertThat(c.id()).isEqualTo("chatcmpl-014p7gG3wDgGV9EUtLvnow3U");
        assertThat(c.model()).isEqualTo("claude-fast");
        ChatCompletion.Choice choice = c.choices().get(0);
        assertThat(choice.message().content()).hasValue("Okay, let's check the weather for San Francisco, CA:");
        assertThat(choice.message().toolCalls().orElseThrow()).singleElement().satisfies(call -> {
            assertThat(call.function().orElseThrow().id()).isEqualTo("toolu_01T1x1fJ34qAmk2tNTrN7Up6");
            assertThat(call.function().orElseThrow().function().name()).isEqualTo("get_weather");
            assertThat(call.function().orElseThrow().function().arguments())
                    .isEqualTo("{\"location\": \"San Francisco, CA\", \"unit\": \"fahrenheit\"}");
        });
        assertThat(choice.finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);
        assertThat(c.usage().orElseThrow().promptTokens()).isEqualTo(472);
        assertThat(c.usage().orElseThrow().completionTokens()).as("cumulative, not summed").isEqualTo(89);
    }

    @Test
    void theFirstChunkCarriesTheRoleAndTheLastOnesAreFinishUsageAndDone() {
        List<StreamEvent> events = decode(new AnthropicStreamDecoder(), bytes("anthropic-text.sse"));

        List<String[]> chunks = Transcripts.parse(encode(new OpenAiStreamEncoder("m", 1, true), events));

        assertThat(OpenAiSdk.chunk(chunks.get(0)[1]).choices().get(0).delta().role())
                .hasValueSatisfying(r -> assertThat(r.asString()).isEqualTo("assistant"));
        int n = chunks.size();
        assertThat(OpenAiSdk.chunk(chunks.get(n - 3)[1]).choices().get(0).finishReason()).isPresent();
        assertThat(OpenAiSdk.chunk(chunks.get(n - 2)[1]).choices()).as("the usage chunk").isEmpty();
        assertThat(OpenAiSdk.chunk(chunks.get(n - 2)[1]).usage().orElseThrow().totalTokens()).isEqualTo(40);
        assertThat(chunks.get(n - 1)[1]).isEqualTo("[DONE]");
        assertThat(chunks).as("no event names, no pings as data").allSatisfy(c -> assertThat(c[0]).isNull());
    }

    @Test
    void theUsageChunkIsWrittenOnlyWhenTheClientAskedForIt() {
        List<StreamEvent> events = decode(new AnthropicStreamDecoder(), bytes("anthropic-text.sse"));

        String sse = encode(new OpenAiStreamEncoder("m", 1, false), events);

        assertThat(sse).doesNotContain("\"usage\"").endsWith("data: [DONE]\n\n");
        assertThat(OpenAiSdk.accumulate(sse).choices().get(0).message().content()).hasValue("Hello!");
    }

    @Test
    void thinkingIsReasoningContentAndSignaturesAreLeftOut() {
        List<StreamEvent> events = decode(new AnthropicStreamDecoder(), bytes("anthropic-thinking.sse"));

        String sse = encode(new OpenAiStreamEncoder("m", 1, true), events);

        assertThat(sse).contains("\"reasoning_content\":\"Let me solve this step by step:\\n\\n1. First break down 27 * 453\"")
                .doesNotContain("EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds");
        assertThat(OpenAiSdk.accumulate(sse).choices().get(0).message().content()).hasValue("27 * 453 = 12,231");
    }

    @Test
    void aMidStreamErrorIsAnErrorPayloadAndEndsTheStream() {
        List<StreamEvent> events = List.of(
                new StreamEvent.MessageStart("msg_1", "c", TokenCounts.ZERO),
                new StreamEvent.BlockStart(0, Block.TEXT),
                new StreamEvent.StreamError("overloaded_error", "Overloaded"),
                new StreamEvent.MessageDelta(StopReason.END_TURN, null, TokenCounts.ZERO),
                StreamEvent.MESSAGE_STOP);

        List<String[]> chunks = Transcripts.parse(encode(new OpenAiStreamEncoder("m", 1, true), events));

        assertThat(chunks).hasSize(2);
        assertThat(chunks.get(1)[1])
                .isEqualTo("{\"error\":{\"message\":\"Overloaded\",\"type\":\"overloaded_error\",\"code\":null,"
                        + "\"param\":null}}");
    }
}
