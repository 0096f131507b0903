package dev.tollgate.wire.openai;

import static dev.tollgate.wire.openai.SseStreams.MAPPER;
import static dev.tollgate.wire.openai.SseStreams.bytes;
import static dev.tollgate.wire.openai.SseStreams.contentJson;
import static dev.tollgate.wire.openai.SseStreams.event;
import static dev.tollgate.wire.openai.SseStreams.events;
import static dev.tollgate.wire.openai.SseStreams.feed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.tollgate.metering.TokenCounter;
import dev.tollgate.pricing.Usage;

class SseUsageTapTest {

    private static final List<String> DELTAS = List.of("Hel", "lo wor", "ld");
    private static final Usage REPORTED = new Usage(10, 2, 0, 34, 0, false);

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    @Test
    void eventSplitAcrossChunksIsCarriedAndEmittedWhole() {
        List<String> events = events(DELTAS, true, "\n");
        String first = events.get(0);
        String second = events.get(1);
        SseUsageTap tap = new SseUsageTap(MAPPER, false);

        byte[] out1 = tap.onChunk(bytes(first + second.substring(0, 20)));
        byte[] out2 = tap.onChunk(bytes(second.substring(20, 40)));
        byte[] out3 = tap.onChunk(bytes(second.substring(40) + events.get(2).substring(0, 5)));

        assertThat(text(out1)).isEqualTo(first);
        assertThat(out2).isEmpty();
        assertThat(text(out3)).isEqualTo(second);
    }

    @Test
    void crlfDelimitedEventsAreFoundAndUsageRead() {
        List<String> events = events(DELTAS, true, "\r\n");
        byte[] stream = bytes(events);
        SseUsageTap tap = new SseUsageTap(MAPPER, false);
        // cut inside the first event's "\r\n\r\n" and right after the second's
        int firstEnd = events.get(0).length();
        int secondEnd = firstEnd + events.get(1).length();

        byte[] out1 = tap.onChunk(SseStreams.slice(stream, 0, firstEnd - 2));
        byte[] out2 = tap.onChunk(SseStreams.slice(stream, firstEnd - 2, secondEnd));
        byte[] rest = tap.onChunk(SseStreams.slice(stream, secondEnd, stream.length));

        assertThat(out1).isEmpty();
        assertThat(text(out2)).isEqualTo(events.get(0) + events.get(1));
        assertThat(text(rest)).isEqualTo(String.join("", events.subList(2, events.size())));
        assertThat(tap.reportedUsage()).isEqualTo(REPORTED);
        assertThat(tap.sawDone()).isTrue();
    }

    @Test
    void chunkEndingOnAnEventBoundaryIsPassedOnAsTheSameArray() {
        List<String> events = events(DELTAS, true, "\n");
        byte[] chunk = bytes(events.get(0) + events.get(1));
        SseUsageTap tap = new SseUsageTap(MAPPER, true);

        assertThat(tap.onChunk(chunk)).isSameAs(chunk);
    }

    @Test
    void usageEventIsDroppedWhenTheGatewayAskedForIt() {
        List<String> events = events(DELTAS, true, "\n");
        SseUsageTap tap = new SseUsageTap(MAPPER, true);

        byte[] out = tap.onChunk(bytes(events));

        assertThat(text(out)).isEqualTo(String.join("", events).replace(SseStreams.usageEvent("\n"), ""));
        assertThat(tap.reportedUsage()).isEqualTo(REPORTED);
    }

    @Test
    void usageEventIsKeptWhenTheClientAskedForIt() {
        byte[] stream = bytes(events(DELTAS, true, "\n"));
        SseUsageTap tap = new SseUsageTap(MAPPER, false);

        assertThat(tap.onChunk(stream)).isSameAs(stream);
        assertThat(tap.reportedUsage()).isEqualTo(REPORTED);
    }

    @Test
    void usageCountsSplitCachedTokensOutOfThePrompt() {
        SseUsageTap tap = new SseUsageTap(MAPPER, true);

        tap.onChunk(bytes(SseStreams.usageEvent("\n")));

        Usage usage = tap.reportedUsage();
        assertThat(usage.inputTokens()).isEqualTo(10);
        assertThat(usage.cachedInputTokens()).isEqualTo(2);
        assertThat(usage.outputTokens()).isEqualTo(34);
        assertThat(usage.estimated()).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"usage", "\"usage\": {\"prompt_tokens\": 999}", "{\"usage\":{\"completion_tokens\":5}}"})
    void contentMentioningUsageIsNotMistakenForUsage(String content) {
        byte[] chunk = bytes(event(contentJson(content), "\n"));
        SseUsageTap tap = new SseUsageTap(MAPPER, true);

        assertThat(tap.onChunk(chunk)).isSameAs(chunk);
        assertThat(tap.reportedUsage()).isNull();
    }

    @Test
    void nullUsageInAContentChunkIsNeitherReadNorDropped() {
        String withNullUsage = contentJson("hi").replaceFirst("}$", ",\"usage\":null}");
        byte[] chunk = bytes(event(withNullUsage, "\n"));
        SseUsageTap tap = new SseUsageTap(MAPPER, true);

        assertThat(tap.onChunk(chunk)).isSameAs(chunk);
        assertThat(tap.reportedUsage()).isNull();
    }

    @Test
    void usageOnAChunkWithChoicesIsReadButNotDropped() {
        String finishWithUsage = SseStreams.chunkJson("{}", "stop").replaceFirst("}$",
                ",\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":34}}");
        byte[] chunk = bytes(event(finishWithUsage, "\n"));
        SseUsageTap tap = new SseUsageTap(MAPPER, true);

        assertThat(tap.onChunk(chunk)).isSameAs(chunk);
        assertThat(tap.reportedUsage()).isEqualTo(new Usage(12, 0, 0, 34, 0, false));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {": keep-alive\n\n", ":\n\n", "event: ping\n\n", "id: 7\nretry: 100\n\n",
        ": keep-alive\r\n\r\n", "database: {}\n\n"})
    void commentsAndEventsWithoutDataAreNoDataEvent(String event) {
        SseUsageTap tap = new SseUsageTap(MAPPER, true);

        byte[] out = tap.onChunk(event.getBytes(StandardCharsets.UTF_8));

        assertThat(new String(out, StandardCharsets.UTF_8)).isEqualTo(event);
        assertThat(tap.sawData()).isFalse();
    }

    @Test
    void aDataEventCountsOnceItIsPassedOnWholeButNotTheUsageEventTheGatewayDrops() {
        SseUsageTap tap = new SseUsageTap(MAPPER, true);

        tap.onChunk(": keep-alive\n\ndata: {\"choices\":[],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1}}\n\n"
                .getBytes(StandardCharsets.UTF_8));
        assertThat(tap.sawData()).as("the usage-only event is dropped").isFalse();
        tap.onChunk("data: {\"choices\":[{\"delta\":".getBytes(StandardCharsets.UTF_8));
        assertThat(tap.sawData()).as("half an event is held back").isFalse();
        tap.onChunk("{}}]}\n\n".getBytes(StandardCharsets.UTF_8));
        assertThat(tap.sawData()).isTrue();
    }

    @Test
    void anUnterminatedLastDataEventCountsWhenTheStreamEnds() {
        SseUsageTap tap = new SseUsageTap(MAPPER, true);

        tap.onChunk("data".getBytes(StandardCharsets.UTF_8));
        assertThat(tap.sawData()).isFalse();
        tap.onComplete();

        assertThat(tap.sawData()).isTrue();
    }

    @Test
    void sawDoneOnlyOnceDoneHasPassed() {
        List<String> events = events(DELTAS, true, "\n");
        SseUsageTap tap = new SseUsageTap(MAPPER, true);

        tap.onChunk(bytes(events.subList(0, events.size() - 1)));
        boolean before = tap.sawDone();
        tap.onChunk(bytes(events.get(events.size() - 1)));

        assertThat(before).isFalse();
        assertThat(tap.sawDone()).isTrue();
    }

    @Test
    void unterminatedLastEventIsPassedOnAtCompletion() {
        SseUsageTap tap = new SseUsageTap(MAPPER, false);
        String first = event(contentJson("Hi"), "\n");

        byte[] out = tap.onChunk(bytes(first + "data: {\"partial\""));

        assertThat(text(out)).isEqualTo(first);
        assertThat(text(tap.onComplete())).isEqualTo("data: {\"partial\"");
        assertThat(tap.onComplete()).isEmpty();
    }

    @Test
    void unterminatedUsageEventAtTheEndIsReadAndStillDropped() {
        SseUsageTap tap = new SseUsageTap(MAPPER, true);
        String first = event(contentJson("Hi"), "\n");
        String usage = SseStreams.usageEvent("\n").stripTrailing();

        byte[] out = tap.onChunk(bytes(first + usage));

        assertThat(text(out)).isEqualTo(first);
        assertThat(tap.onComplete()).isEmpty();
        assertThat(tap.reportedUsage()).isEqualTo(REPORTED);
    }

    @Test
    void unterminatedDoneAtTheEndIsSeen() {
        SseUsageTap tap = new SseUsageTap(MAPPER, true);

        tap.onChunk(bytes("data: [DONE]"));

        assertThat(tap.sawDone()).isFalse();
        assertThat(text(tap.onComplete())).isEqualTo("data: [DONE]");
        assertThat(tap.sawDone()).isTrue();
    }

    @Test
    void withoutUsageDeliveredOutputIsCountedFromTheConcatenatedDeltas() {
        TokenCounter counter = new TokenCounter();
        List<String> events = events(DELTAS, false, "\n");
        SseUsageTap tap = new SseUsageTap(MAPPER, true);

        feed(tap, bytes(events), List.of(7, 300, 301));

        assertThat(tap.reportedUsage()).isNull();
        assertThat(tap.countDeliveredOutputTokens(counter::count)).isEqualTo(counter.count("Hello world")).isEqualTo(2);
        // the deltas counted one by one would give more: the count is of the joined text
        assertThat(DELTAS.stream().mapToInt(counter::count).sum()).isGreaterThan(2);
        assertThat(tap.deliveredBytes()).isEqualTo(bytes(events).length);
    }

    @Test
    void aLongStreamKeepsAtMostTheBoundAndItsCountIsExtrapolatedClosely() {
        TokenCounter counter = new TokenCounter();
        List<String> deltas = wordDeltas(20_000, 1, 7);
        List<String> events = events(deltas, false, "\n");
        byte[] stream = bytes(events);
        SseUsageTap tap = new SseUsageTap(MAPPER, true);

        feed(tap, stream, cutsEvery(4096, stream.length));

        assertThat(stream.length).as("the stream is far longer than what is kept").isGreaterThan(
                16 * SseUsageTap.MAX_KEPT_BYTES);
        assertThat(tap.keptBytes()).isLessThanOrEqualTo(SseUsageTap.MAX_KEPT_BYTES);
        assertThat(tap.keptTextLength()).isLessThanOrEqualTo(SseUsageTap.MAX_KEPT_TEXT + SseUsageTap.MAX_KEPT_BYTES);
        assertThat(tap.deliveredBytes()).isEqualTo(stream.length);
        long exact = counter.count(String.join("", deltas));
        long estimated = tap.countDeliveredOutputTokens(counter::count);
        assertThat((double) Math.abs(estimated - exact) / exact).as("estimated %d of %d tokens", estimated, exact)
                .isLessThan(0.02);
    }

    @Test
    void aStreamOfAFewThousandTokensIsCountedExactlyFromItsKeptText() {
        TokenCounter counter = new TokenCounter();
        List<String> deltas = wordDeltas(800, 3, 11);
        byte[] stream = bytes(events(deltas, false, "\n"));
        SseUsageTap tap = new SseUsageTap(MAPPER, true);

        feed(tap, stream, cutsEvery(1024, stream.length));

        assertThat(stream.length).as("more than is kept raw").isGreaterThan(2 * SseUsageTap.MAX_KEPT_BYTES);
        assertThat(tap.keptBytes()).isLessThanOrEqualTo(SseUsageTap.MAX_KEPT_BYTES);
        assertThat(tap.countDeliveredOutputTokens(counter::count)).isEqualTo(counter.count(String.join("", deltas)));
    }

    @Test
    void anEventThatNeverEndsBreaksTheStreamOnceItOutgrowsTheBound() {
        SseUsageTap tap = new SseUsageTap(MAPPER, false);
        String first = event(contentJson("Hello"), "\n");
        byte[] endless = bytes("data: " + "x".repeat(2 * SseUsageTap.MAX_EVENT_BYTES));
        int chunk = 64 * 1024;

        assertThat(text(tap.onChunk(bytes(first)))).isEqualTo(first);
        int from = 0;
        // carried while it fits; the chunk that takes it past the bound still returns what completed before it
        while (from + chunk <= SseUsageTap.MAX_EVENT_BYTES) {
            assertThat(tap.onChunk(SseStreams.slice(endless, from, from + chunk))).isEmpty();
            from += chunk;
        }
        assertThat(tap.onChunk(SseStreams.slice(endless, from, from + chunk))).isEmpty();
        int next = from + chunk;

        assertThatThrownBy(() -> tap.onChunk(SseStreams.slice(endless, next, next + chunk)))
                .isInstanceOf(SseUsageTap.EventTooLargeException.class);
        assertThatThrownBy(tap::onComplete).isInstanceOf(SseUsageTap.EventTooLargeException.class);
        assertThat(tap.deliveredBytes()).isEqualTo(first.length());
    }

    /** {@code n} content deltas of one to {@code maxWords} words each, drawn from a fixed vocabulary (seeded). */
    private static List<String> wordDeltas(int n, int maxWords, long seed) {
        String[] words = {"the", "gateway", "routes", "each", "call", "to", "a", "backend", "and", "meters",
                "tokens", "exactly", "streams", "pass", "through", "chunk", "by", "budget", "price", "table",
                "Überprüfung", "naïve", "42", "1.5e3", "(x)", "{\"k\":1}", "\u4e2d\u6587", "emoji \ud83d\ude00"};
        java.util.Random random = new java.util.Random(seed);
        List<String> deltas = new java.util.ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            StringBuilder delta = new StringBuilder();
            for (int w = random.nextInt(maxWords); w >= 0; w--) {
                delta.append(' ').append(words[random.nextInt(words.length)]);
            }
            deltas.add(delta.toString());
        }
        return deltas;
    }

    private static List<Integer> cutsEvery(int step, int length) {
        List<Integer> cuts = new java.util.ArrayList<>();
        for (int at = step; at < length; at += step) {
            cuts.add(at);
        }
        return cuts;
    }
}
