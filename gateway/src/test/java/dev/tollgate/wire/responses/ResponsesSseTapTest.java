package dev.tollgate.wire.responses;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import dev.tollgate.pricing.Usage;
import dev.tollgate.wire.Json;

class ResponsesSseTapTest {

    private static final String CREATED = "event: response.created\ndata: {\"type\":\"response.created\","
            + "\"sequence_number\":0,\"response\":{\"id\":\"resp_1\",\"status\":\"in_progress\",\"usage\":null}}\n\n";
    private static final String DELTA = "event: response.output_text.delta\ndata: {\"type\":"
            + "\"response.output_text.delta\",\"sequence_number\":1,\"item_id\":\"msg_1\",\"output_index\":0,"
            + "\"content_index\":0,\"delta\":\"Hello world\"}\n\n";
    private static final String ARGS = "event: response.function_call_arguments.delta\ndata: {\"type\":"
            + "\"response.function_call_arguments.delta\",\"sequence_number\":2,\"item_id\":\"fc_1\","
            + "\"output_index\":1,\"delta\":\"{}\"}\n\n";
    private static final String COMPLETED = "event: response.completed\ndata: {\"type\":\"response.completed\","
            + "\"sequence_number\":3,\"response\":{\"id\":\"resp_1\",\"status\":\"completed\",\"usage\":{"
            + "\"input_tokens\":1200,\"input_tokens_details\":{\"cached_tokens\":1000},\"output_tokens\":300,"
            + "\"output_tokens_details\":{\"reasoning_tokens\":200},\"total_tokens\":1500}}}\n\n";

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void usageComesFromResponseCompletedEvenSplitAcrossChunksAndNothingIsDropped() {
        ResponsesSseTap tap = new ResponsesSseTap(Json.mapper());
        String all = CREATED + DELTA + ARGS + COMPLETED;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int cut = all.length() - 40; // the usage event arrives in two pieces
        out.writeBytes(tap.onChunk(bytes(all.substring(0, cut))));
        assertThat(tap.reportedUsage()).isNull();
        assertThat(tap.sawData()).isTrue();
        out.writeBytes(tap.onChunk(bytes(all.substring(cut))));
        out.writeBytes(tap.onComplete());
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo(all);
        assertThat(tap.sawDone()).isTrue();
        // 1,200 input tokens of which 1,000 cached; 300 output of which 200 reasoning
        assertThat(tap.reportedUsage()).isEqualTo(new Usage(200, 1000, 0, 0, 300, 200, false));
    }

    @Test
    void anIncompleteOrFailedResponseEndsTheStreamWithItsUsage() {
        ResponsesSseTap tap = new ResponsesSseTap(Json.mapper());
        tap.onChunk(bytes(CREATED + COMPLETED.replace("response.completed", "response.incomplete")));
        assertThat(tap.sawDone()).isTrue();
        assertThat(tap.reportedUsage().outputTokens()).isEqualTo(300);
        ResponsesSseTap failed = new ResponsesSseTap(Json.mapper());
        failed.onChunk(bytes(CREATED + "event: response.failed\ndata: {\"type\":\"response.failed\","
                + "\"sequence_number\":1,\"response\":{\"status\":\"failed\",\"error\":{\"code\":\"server_error\","
                + "\"message\":\"boom\"},\"usage\":{\"input_tokens\":10,\"output_tokens\":0}}}\n\n"));
        assertThat(failed.sawDone()).isTrue();
        assertThat(failed.reportedUsage().inputTokens()).isEqualTo(10);
        assertThat(failed.streamError().message()).isEqualTo("boom");
    }

    @Test
    void aCutStreamReportsNoUsageButCountsTheDeliveredDeltas() {
        ResponsesSseTap tap = new ResponsesSseTap(Json.mapper());
        tap.onChunk(bytes(CREATED + DELTA + ARGS));
        assertThat(tap.sawDone()).isFalse();
        assertThat(tap.reportedUsage()).isNull();
        StringBuilder counted = new StringBuilder();
        long tokens = tap.countDeliveredOutputTokens(text -> {
            counted.append(text);
            return text.length();
        });
        assertThat(counted.toString()).isEqualTo("Hello world{}");
        assertThat(tokens).isEqualTo(13);
    }

    @Test
    void anErrorEventFirstIsNotDataAndIsReported() {
        ResponsesSseTap tap = new ResponsesSseTap(Json.mapper());
        tap.onChunk(bytes("event: error\ndata: {\"type\":\"error\",\"code\":\"rate_limit_exceeded\","
                + "\"message\":\"slow down\",\"param\":null,\"sequence_number\":0}\n\n"));
        assertThat(tap.sawData()).isFalse();
        assertThat(tap.streamError().code()).isEqualTo("rate_limit_exceeded");
    }

    @Test
    void theNextSequenceNumberFollowsTheLastEventSent() {
        assertThat(ResponsesWire.nextSequenceNumber(bytes(CREATED + DELTA + ARGS), 0)).isEqualTo(3);
        assertThat(ResponsesWire.nextSequenceNumber(bytes(": keep-alive\n\n"), 7)).isEqualTo(7);
    }
}
