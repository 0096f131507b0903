package dev.tollgate.wire.anthropic;

import static dev.tollgate.wire.Transcripts.bytes;
import static dev.tollgate.wire.Transcripts.decode;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.tollgate.call.StopReason;
import dev.tollgate.call.StreamEvent;
import dev.tollgate.call.StreamEvent.Block;
import dev.tollgate.call.StreamEvent.BlockStart;
import dev.tollgate.call.StreamEvent.BlockStop;
import dev.tollgate.call.StreamEvent.MessageDelta;
import dev.tollgate.call.StreamEvent.MessageStart;
import dev.tollgate.call.StreamEvent.SignatureDelta;
import dev.tollgate.call.StreamEvent.TextDelta;
import dev.tollgate.call.StreamEvent.ToolInputDelta;
import dev.tollgate.call.TokenCounts;

class AnthropicStreamDecoderTest {

    @Test
    void theBasicStreamIsReadEventForEvent() {
        List<StreamEvent> events = decode(new AnthropicStreamDecoder(), bytes("anthropic-text.sse"));

        assertThat(events).containsExactly(
                new MessageStart("msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY", "claude-sonnet-4-5-20250929",
                        new TokenCounts(25, 0, 0, 0, 1, 0)),
                new BlockStart(0, Block.TEXT),
                StreamEvent.PING,
                new TextDelta(0, "Hello"), new TextDelta(0, "!"),
                new BlockStop(0),
                new MessageDelta(new StopReason(StopReason.Kind.END_TURN, "end_turn"), null,
                        new TokenCounts(25, 0, 0, 0, 15, 0)),
                StreamEvent.MESSAGE_STOP);
    }

    @Test
    void toolInputFragmentsAreKeptAsTheyCame() {
        List<StreamEvent> events = decode(new AnthropicStreamDecoder(), bytes("anthropic-tool-use.sse"));

        assertThat(events).contains(new BlockStart(1,
                new Block.ToolUse("toolu_01T1x1fJ34qAmk2tNTrN7Up6", "get_weather")));
        StringBuilder input = new StringBuilder();
        events.stream().filter(ToolInputDelta.class::isInstance)
                .forEach(e -> input.append(((ToolInputDelta) e).partialJson()));
        assertThat(input).hasToString("{\"location\": \"San Francisco, CA\", \"unit\": \"fahrenheit\"}");
        assertThat(events.get(events.size() - 2)).isEqualTo(new MessageDelta(
                new StopReason(StopReason.Kind.TOOL_USE, "tool_use"), null, new TokenCounts(472, 0, 0, 0, 89, 0)));
    }

    @Test
    void thinkingAndItsSignatureAreRead() {
        List<StreamEvent> events = decode(new AnthropicStreamDecoder(), bytes("anthropic-thinking.sse"));

        assertThat(events.get(1)).isEqualTo(new BlockStart(0, Block.THINKING));
        assertThat(events).contains(new SignatureDelta(0,
                "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds..."));
    }

    @Test
    void theDeltaUsageReplacesRepeatedCountsAndKeepsTheCacheSplit() {
        List<StreamEvent> events = decode(new AnthropicStreamDecoder(), bytes("anthropic-cache.sse"));

        assertThat(events.get(0)).isEqualTo(new MessageStart("msg_01CacheCacheCacheCache01",
                "claude-sonnet-4-5-20250929", new TokenCounts(21, 1800, 456, 100, 1, 0)));
        assertThat(events.get(events.size() - 2)).isEqualTo(new MessageDelta(
                new StopReason(StopReason.Kind.MAX_TOKENS, "max_tokens"), null,
                new TokenCounts(21, 1800, 456, 100, 40, 0)));
    }
}
