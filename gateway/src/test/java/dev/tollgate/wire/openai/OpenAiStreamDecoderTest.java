package dev.tollgate.wire.openai;

import static dev.tollgate.wire.Transcripts.bytes;
import static dev.tollgate.wire.Transcripts.decode;
import static dev.tollgate.wire.Transcripts.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.tollgate.call.StopReason;
import dev.tollgate.call.StreamEvent;
import dev.tollgate.call.StreamEvent.Block;
import dev.tollgate.call.StreamEvent.BlockStart;
import dev.tollgate.call.StreamEvent.BlockStop;
import dev.tollgate.call.StreamEvent.MessageDelta;
import dev.tollgate.call.StreamEvent.MessageStart;
import dev.tollgate.call.StreamEvent.TextDelta;
import dev.tollgate.call.StreamEvent.ThinkingDelta;
import dev.tollgate.call.StreamEvent.ToolInputDelta;
import dev.tollgate.call.TokenCounts;

class OpenAiStreamDecoderTest {

    @Test
    void aTextStreamGetsOneBlockAndItsDeltaWaitsForTheUsageChunk() {
        List<StreamEvent> events = decode(new OpenAiStreamDecoder(), bytes("openai-text.sse"));

        assertThat(events).containsExactly(
                new MessageStart("chatcmpl-AbC123", "gpt-4o-mini-2024-07-18", TokenCounts.ZERO),
                new BlockStart(0, Block.TEXT),
                new TextDelta(0, "Hello"), new TextDelta(0, "!"), new TextDelta(0, " How"), new TextDelta(0, " can"),
                new TextDelta(0, " I"), new TextDelta(0, " help"), new TextDelta(0, "?"),
                new BlockStop(0),
                new MessageDelta(new StopReason(StopReason.Kind.END_TURN, "stop"), null,
                        new TokenCounts(19, 0, 0, 0, 10, 0)),
                StreamEvent.MESSAGE_STOP);
    }

    @Test
    void theMessageDeltaIsEmittedWhenTheUsageChunkArrivesNotAtTheFinishChunk() {
        OpenAiStreamDecoder decoder = new OpenAiStreamDecoder();
        List<List<StreamEvent>> perEvent = new ArrayList<>();
        dev.tollgate.wire.Sse.forEachEvent(bytes("openai-text.sse"), (name, data) -> {
            List<StreamEvent> out = new ArrayList<>();
            decoder.decode(name, data, out::add);
            perEvent.add(out);
        });

        assertThat(perEvent.get(8)).as("finish chunk: the block closes, the stop reason waits")
                .containsExactly(new BlockStop(0));
        assertThat(perEvent.get(9)).as("usage chunk").singleElement().isInstanceOf(MessageDelta.class);
        assertThat(perEvent.get(10)).as("[DONE]").containsExactly(StreamEvent.MESSAGE_STOP);
    }

    @Test
    void toolCallsStreamedInFragmentsBecomeOneBlockEach() {
        List<StreamEvent> events = decode(new OpenAiStreamDecoder(), bytes("openai-tool-calls.sse"));

        assertThat(events).filteredOn(BlockStart.class::isInstance).containsExactly(
                new BlockStart(0, new Block.ToolUse("call_DdmO9pD3xa9XTPNJ32zg2hcA", "get_weather")),
                new BlockStart(1, new Block.ToolUse("call_rnXxpWJCOHCPvSkAaxiLEAhG", "get_weather")));
        assertThat(inputOf(events, 0)).isEqualTo("{\"location\":\"Paris, France\"}");
        assertThat(inputOf(events, 1)).isEqualTo("{\"location\":\"Bogotá, Colombia\"}");
        assertThat(events).filteredOn(BlockStop.class::isInstance)
                .containsExactly(new BlockStop(0), new BlockStop(1));
        assertThat(events.get(events.size() - 2)).isEqualTo(new MessageDelta(
                new StopReason(StopReason.Kind.TOOL_USE, "tool_calls"), null, new TokenCounts(18, 64, 0, 0, 35, 0)));
    }

    @Test
    void reasoningContentBecomesAThinkingBlockBeforeTheTextBlock() {
        List<StreamEvent> events = decode(new OpenAiStreamDecoder(), bytes("openai-reasoning.sse"));

        assertThat(events).containsExactly(
                new MessageStart("0f1d2c3b-4a59-6877-8695-a4b3c2d1e0f9", "deepseek-reasoner", TokenCounts.ZERO),
                new BlockStart(0, Block.THINKING),
                new ThinkingDelta(0, "The user"), new ThinkingDelta(0, " greets me"), new ThinkingDelta(0, ". I should"),
                new ThinkingDelta(0, " greet back."),
                new BlockStop(0),
                new BlockStart(1, Block.TEXT), new TextDelta(1, "Hi"), new TextDelta(1, " there!"),
                new BlockStop(1),
                new MessageDelta(new StopReason(StopReason.Kind.END_TURN, "stop"), null,
                        new TokenCounts(13, 0, 0, 0, 24, 18)),
                StreamEvent.MESSAGE_STOP);
    }

    @Test
    void withoutAUsageChunkTheDeltaGoesOutAtDone() {
        String stream = "data: {\"id\":\"c1\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"},"
                + "\"finish_reason\":null}]}\n\n"
                + "data: {\"id\":\"c1\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"length\"}]}\n\n"
                + "data: [DONE]\n\n";

        List<StreamEvent> events = decode(new OpenAiStreamDecoder(), utf8(stream));

        assertThat(events.subList(events.size() - 2, events.size())).containsExactly(
                new MessageDelta(new StopReason(StopReason.Kind.MAX_TOKENS, "length"), null, TokenCounts.ZERO),
                StreamEvent.MESSAGE_STOP);
    }

    @Test
    void aStreamCutBeforeItsFinishGetsNoEndButOneCutAfterItDoes() {
        String head = "data: {\"id\":\"c1\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"},"
                + "\"finish_reason\":null}]}\n\n";
        String finish = "data: {\"id\":\"c1\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{},"
                + "\"finish_reason\":\"stop\"}]}\n\n";

        List<StreamEvent> cut = decode(new OpenAiStreamDecoder(), utf8(head));
        List<StreamEvent> whole = decode(new OpenAiStreamDecoder(), utf8(head + finish));

        assertThat(cut).doesNotHaveAnyElementsOfTypes(MessageDelta.class, StreamEvent.MessageStop.class);
        assertThat(whole).last().isEqualTo(StreamEvent.MESSAGE_STOP);
    }

    @Test
    void anErrorChunkIsAStreamError() {
        List<StreamEvent> events = decode(new OpenAiStreamDecoder(),
                utf8("data: {\"error\":{\"message\":\"upstream overloaded\",\"type\":\"server_error\"}}\n\n"));

        assertThat(events).containsExactly(new StreamEvent.StreamError("server_error", "upstream overloaded"));
    }

    private static String inputOf(List<StreamEvent> events, int block) {
        StringBuilder sb = new StringBuilder();
        events.stream().filter(e -> e instanceof ToolInputDelta d && d.index() == block)
                .forEach(e -> sb.append(((ToolInputDelta) e).partialJson()));
        return sb.toString();
    }
}
