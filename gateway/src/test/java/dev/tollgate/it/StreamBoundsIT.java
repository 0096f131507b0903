package dev.tollgate.it;

import static dev.tollgate.it.FakeUpstream.chunk;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.tollgate.wire.openai.SseUsageTap;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * An upstream stream whose event never ends is not carried without limit: past {@link SseUsageTap#MAX_EVENT_BYTES}
 * the stream is broken, ended with an error event after its first byte, or a failed attempt before it.
 */
class StreamBoundsIT extends GatewayITSupport {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String ENDLESS_EVENT = "data: " + "x".repeat(2 * SseUsageTap.MAX_EVENT_BYTES);

    @Test
    void anEventThatNeverEndsAfterTheFirstByteEndsTheStreamWithAnErrorEvent() throws Exception {
        UPSTREAM.behave(FakeUpstream.raw(200, "text/event-stream", FakeUpstream.event(chunk("Hello")) + ENDLESS_EVENT));

        HttpResponse<InputStream> response = openStream(ALPHA, chatBody("gpt-4o-mini", true));
        assertThat(response.statusCode()).isEqualTo(200);
        List<String> lines = ChatCompletionsIT.readAll(lines(response));

        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).isEqualTo("data: " + chunk("Hello"));
        JsonNode error = JSON.readTree(lines.get(1).substring("data: ".length())).path("error");
        assertThat(error.path("code").asString()).isEqualTo("upstream_stream_interrupted");
        Map<String, Object> row = ledgerRow(response.headers().firstValue("x-tollgate-request-id").orElseThrow());
        assertThat(row).containsEntry("STATUS", 200).containsEntry("OUTCOME", "stream_interrupted");
    }

    @Test
    void anEventThatNeverEndsBeforeTheFirstByteIsABadResponse() throws Exception {
        UPSTREAM.behave(FakeUpstream.raw(200, "text/event-stream", ENDLESS_EVENT));

        HttpResponse<String> response = post(ALPHA, chatBody("gpt-4o-mini", true));

        assertThat(response.statusCode()).as("%.300s", response.body()).isEqualTo(502);
        JsonNode error = JSON.readTree(response.body()).path("error");
        assertThat(error.path("code").asString()).isEqualTo("upstream_bad_response");
        assertThat(error.path("message").asString()).contains("stream event longer than");
        assertThat(response.body().length()).isLessThan(1024);
    }
}
