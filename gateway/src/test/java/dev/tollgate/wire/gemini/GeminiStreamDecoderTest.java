package dev.tollgate.wire.gemini;

import static dev.tollgate.wire.gemini.GeminiResponsesTest.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.tollgate.call.StopReason;
import dev.tollgate.call.StreamEvent;
import dev.tollgate.call.StreamEvent.Block;
import dev.tollgate.call.TokenCounts;
import dev.tollgate.call.WireFormat;
import dev.tollgate.pricing.Usage;
import dev.tollgate.wire.Json;
import dev.tollgate.wire.StreamTranslator;

class GeminiStreamDecoderTest {

    private static final String C1 = "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"Hmm.\",\"thought\":true}],"
            + "\"role\":\"model\"},\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":50,\"totalTokenCount\":70,"
            + "\"cachedContentTokenCount\":32,\"thoughtsTokenCount\":20},\"modelVersion\":\"gemini-2.5-pro\","
            + "\"responseId\":\"r1\"}";
    private static final String C2 = "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"Hel\"}],\"role\":\"model\"},"
            + "\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":50,\"candidatesTokenCount\":1,\"totalTokenCount\":71,"
            + "\"cachedContentTokenCount\":32,\"thoughtsTokenCount\":20},\"modelVersion\":\"gemini-2.5-pro\","
            + "\"responseId\":\"r1\"}";
    private static final String C3 = "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"lo\"},{\"functionCall\":"
            + "{\"name\":\"f\",\"args\":{\"a\":1}}}],\"role\":\"model\"},\"finishReason\":\"STOP\",\"index\":0}],"
            + "\"usageMetadata\":{\"promptTokenCount\":50,\"candidatesTokenCount\":6,\"totalTokenCount\":76,"
            + "\"cachedContentTokenCount\":32,\"thoughtsTokenCount\":20},\"modelVersion\":\"gemini-2.5-pro\","
            + "\"responseId\":\"r1\"}";
    /** The final usage: 50 - 32 = 18 uncached, 32 cached, 6 + 20 = 26 output of which 20 thinking. */
    private static final TokenCounts FINAL = new TokenCounts(18, 32, 0, 0, 26, 20);

    private static String sse(String... chunks) {
        StringBuilder out = new StringBuilder();
        for (String c : chunks) {
            out.append("data: ").append(c).append("\r\n\r\n");
        }
        return out.toString();
    }

    @Test
    void chunksBecomeCanonicalEventsWithTheLastUsageNeverAddedUp() {
        GeminiStreamDecoder decoder = new GeminiStreamDecoder();
        List<StreamEvent> events = new ArrayList<>();
        for (String c : List.of(C1, C2, C3)) {
            decoder.decode(null, c, events::add);
        }
        decoder.end(events::add);

        String id = ((Block.ToolUse) ((StreamEvent.BlockStart) events.get(8)).block()).id();
        assertThat(events).containsExactly(
                new StreamEvent.MessageStart("r1", "gemini-2.5-pro", new TokenCounts(18, 32, 0, 0, 0, 0)),
                new StreamEvent.BlockStart(0, Block.THINKING),
                new StreamEvent.ThinkingDelta(0, "Hmm."),
                new StreamEvent.BlockStop(0),
                new StreamEvent.BlockStart(1, Block.TEXT),
                new StreamEvent.TextDelta(1, "Hel"),
                new StreamEvent.TextDelta(1, "lo"),
                new StreamEvent.BlockStop(1),
                new StreamEvent.BlockStart(2, new Block.ToolUse(id, "f")),
                new StreamEvent.ToolInputDelta(2, "{\"a\":1}"),
                new StreamEvent.BlockStop(2),
                new StreamEvent.MessageDelta(new StopReason(StopReason.Kind.TOOL_USE, "STOP"), null, FINAL),
                StreamEvent.MESSAGE_STOP);
    }

    @Test
    void theTextBlockClosesBeforeTheFunctionCall() {
        // the text block is closed before the call's block opens
        GeminiStreamDecoder decoder = new GeminiStreamDecoder();
        List<StreamEvent> events = new ArrayList<>();
        decoder.decode(null, C2, events::add);
        decoder.decode(null, C3, events::add);

        int stop = events.indexOf(new StreamEvent.BlockStop(0));
        int call = events.indexOf(events.stream().filter(e -> e instanceof StreamEvent.BlockStart s
                && s.block() instanceof Block.ToolUse).findFirst().orElseThrow());
        assertThat(stop).isPositive().isLessThan(call);
    }

    @Test
    void aStreamCutBeforeTheFinishChunkAddsNothingAtItsEnd() {
        GeminiStreamDecoder decoder = new GeminiStreamDecoder();
        List<StreamEvent> events = new ArrayList<>();
        decoder.decode(null, C1, events::add);
        decoder.decode(null, C2, events::add);
        int before = events.size();
        decoder.end(events::add);

        assertThat(events).hasSize(before).noneMatch(e -> e instanceof StreamEvent.MessageStop);
        assertThat(decoder.usage()).isEqualTo(new TokenCounts(18, 32, 0, 0, 21, 20));
    }

    @Test
    void anErrorChunkIsAStreamError() {
        List<StreamEvent> events = new ArrayList<>();
        new GeminiStreamDecoder().decode(null, "{\"error\":{\"code\":503,\"message\":\"overloaded\",\"status\":"
                + "\"UNAVAILABLE\"}}", events::add);

        assertThat(events).containsExactly(new StreamEvent.StreamError("overloaded_error", "overloaded"));
    }

    @Test
    void theTapSeesTheSameAtEveryChunkBoundaryAndTheTranslationIsTheSame() {
        byte[] stream = utf8(sse(C1, C2, C3));
        String whole = translate(List.of(stream));
        assertThat(whole).contains("\"reasoning_content\":\"Hmm.\"").contains("\"content\":\"Hel\"")
                .contains("\"finish_reason\":\"tool_calls\"").contains("\"prompt_tokens\":50")
                .contains("\"cached_tokens\":32").contains("\"completion_tokens\":26").endsWith("data: [DONE]\n\n");

        for (int cut = 1; cut < stream.length; cut++) {
            byte[] a = java.util.Arrays.copyOfRange(stream, 0, cut);
            byte[] b = java.util.Arrays.copyOfRange(stream, cut, stream.length);
            GeminiSseTap tap = new GeminiSseTap(Json.mapper());
            ByteArrayOutputStream passed = new ByteArrayOutputStream();
            passed.writeBytes(tap.onChunk(a));
            passed.writeBytes(tap.onChunk(b));
            passed.writeBytes(tap.onComplete());

            assertThat(passed.toByteArray()).as("cut at %d", cut).isEqualTo(stream);
            assertThat(tap.reportedUsage()).as("cut at %d", cut).isEqualTo(FINAL.toUsage());
            assertThat(tap.sawDone()).isTrue();
            assertThat(tap.sawData()).isTrue();
            assertThat(translate(List.of(a, b))).as("cut at %d", cut).isEqualTo(whole);
        }
    }

    @Test
    void aCutStreamReportsGeminisLastCumulativeCount() {
        GeminiSseTap tap = new GeminiSseTap(Json.mapper());
        tap.onChunk(utf8(sse(C1, C2)));
        tap.onComplete();

        assertThat(tap.sawDone()).isFalse();
        assertThat(tap.reportedUsage()).isEqualTo(new Usage(18, 32, 0, 21, 20, false));
        assertThat(tap.reportedPromptUsage()).isEqualTo(new Usage(18, 32, 0, 0, 0, false));
    }

    @Test
    void anErrorEventBeforeAnyContentIsNotData() {
        GeminiSseTap tap = new GeminiSseTap(Json.mapper());
        tap.onChunk(utf8(sse("{\"error\":{\"code\":429,\"message\":\"quota\",\"status\":\"RESOURCE_EXHAUSTED\"}}")));

        assertThat(tap.sawData()).isFalse();
        assertThat(tap.streamError().type()).isEqualTo("RESOURCE_EXHAUSTED");
        assertThat(tap.streamError().message()).isEqualTo("quota");
    }

    @Test
    void theTapCountsDeliveredTextWhenNeeded() {
        GeminiSseTap tap = new GeminiSseTap(Json.mapper());
        tap.onChunk(utf8(sse(C1, C2)));

        assertThat(tap.countDeliveredOutputTokens(String::length)).isEqualTo("Hmm.Hel".length());
    }

    /** The OpenAI client's bytes for the stream delivered in {@code chunks}, through a tap as the relay does. */
    private static String translate(List<byte[]> chunks) {
        GeminiSseTap tap = new GeminiSseTap(Json.mapper());
        StreamTranslator translator = StreamTranslator.create(WireFormat.GEMINI, WireFormat.OPENAI_CHAT,
                "gemini-2.5-pro", true, Clock.fixed(Instant.parse("2026-11-15T12:00:00Z"), ZoneOffset.UTC));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] chunk : chunks) {
            out.writeBytes(translator.onEvents(tap.onChunk(chunk)));
        }
        out.writeBytes(translator.onEvents(tap.onComplete()));
        out.writeBytes(translator.onEnd());
        // tool-call ids are made per stream: equal streams differ only in them
        return out.toString(StandardCharsets.UTF_8).replaceAll("toolu_[A-Za-z0-9]+", "toolu_X")
                .replaceAll("chatcmpl-[A-Za-z0-9-]+", "chatcmpl-X");
    }
}
