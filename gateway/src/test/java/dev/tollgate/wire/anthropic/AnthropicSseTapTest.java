package dev.tollgate.wire.anthropic;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import dev.tollgate.pricing.Usage;
import tools.jackson.databind.json.JsonMapper;

/** The tap on a stream from an Anthropic backend, with events as Anthropic's streaming docs show them. */
class AnthropicSseTapTest {

    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    private static byte[] event(String name, String data) {
        return ("event: " + name + "\ndata: " + data + "\n\n").getBytes(StandardCharsets.UTF_8);
    }

    private static final byte[] START = event("message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\","
            + "\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"model\":\"claude-sonnet-4-5\",\"usage\":{"
            + "\"input_tokens\":25,\"cache_creation_input_tokens\":300,\"cache_read_input_tokens\":1000,"
            + "\"cache_creation\":{\"ephemeral_5m_input_tokens\":100,\"ephemeral_1h_input_tokens\":200},"
            + "\"output_tokens\":1}}}");
    private static final byte[] PING = event("ping", "{\"type\":\"ping\"}");
    private static final byte[] DELTA = event("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,"
            + "\"delta\":{\"type\":\"text_delta\",\"text\":\"Hello world\"}}");
    private static final byte[] MESSAGE_DELTA = event("message_delta", "{\"type\":\"message_delta\",\"delta\":{"
            + "\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":15}}");
    private static final byte[] STOP = event("message_stop", "{\"type\":\"message_stop\"}");

    @Test
    void usageComesFromMessageStartAndTheCumulativeMessageDeltaOutputCountedOnce() {
        AnthropicSseTap tap = new AnthropicSseTap(MAPPER);

        tap.onChunk(START);
        assertThat(tap.reportedUsage()).as("no final usage before message_delta").isNull();
        assertThat(tap.reportedPromptUsage().inputTokens()).isEqualTo(25);
        tap.onChunk(concat(PING, DELTA, MESSAGE_DELTA));
        assertThat(tap.sawDone()).isFalse();
        tap.onChunk(STOP);

        assertThat(tap.sawDone()).isTrue();
        assertThat(tap.reportedUsage()).isEqualTo(new Usage(25, 1000, 100, 200, 15, 0, false));
    }

    @Test
    void pingAndAnErrorFirstAreNotDataSoTheAttemptCanFailOver() {
        AnthropicSseTap tap = new AnthropicSseTap(MAPPER);

        byte[] out = tap.onChunk(concat(PING, event("error", "{\"type\":\"error\",\"error\":{\"type\":"
                + "\"overloaded_error\",\"message\":\"Overloaded\"}}")));

        assertThat(out).isNotEmpty(); // passed on (the relay holds it back until a first data event)
        assertThat(tap.sawData()).isFalse();
        assertThat(tap.streamError().type()).isEqualTo("overloaded_error");
        tap.onChunk(START);
        assertThat(tap.sawData()).isTrue();
    }

    @Test
    void eventsPassThroughUntouchedAcrossChunkBoundaries() {
        AnthropicSseTap tap = new AnthropicSseTap(MAPPER);
        byte[] all = concat(START, DELTA, MESSAGE_DELTA, STOP);
        int cut = START.length + 7;

        byte[] first = tap.onChunk(java.util.Arrays.copyOfRange(all, 0, cut));
        byte[] second = tap.onChunk(java.util.Arrays.copyOfRange(all, cut, all.length));

        assertThat(concat(first, second)).isEqualTo(all);
        assertThat(tap.reportedUsage().outputTokens()).isEqualTo(15);
    }

    @Test
    void aCutStreamIsCountedFromItsDeltas() {
        AnthropicSseTap tap = new AnthropicSseTap(MAPPER);
        tap.onChunk(concat(START, DELTA));

        assertThat(tap.reportedUsage()).isNull();
        assertThat(tap.countDeliveredOutputTokens(text -> text.split(" ").length)).isEqualTo(2);
    }

    private static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
