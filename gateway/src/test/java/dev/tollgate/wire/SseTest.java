package dev.tollgate.wire;

import static dev.tollgate.wire.Transcripts.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class SseTest {

    private static List<String> events(String sse) {
        List<String> out = new ArrayList<>();
        Sse.forEachEvent(utf8(sse), (name, data) -> out.add(name + "|" + data));
        return out;
    }

    @Test
    void namesAndDataAreReadWithAnyLineEnd() {
        assertThat(events("event: ping\ndata: {\"type\":\"ping\"}\n\ndata: x\n\n"))
                .containsExactly("ping|{\"type\":\"ping\"}", "null|x");
        assertThat(events("event: a\r\ndata: 1\r\n\r\nevent:b\rdata:2\r\r"))
                .containsExactly("a|1", "b|2");
    }

    @Test
    void dataLinesJoinAndCommentsAreSkipped() {
        assertThat(events(": keep-alive\n\ndata: {\"a\":\ndata: 1}\n\n")).containsExactly("null|{\"a\":\n1}");
    }

    @Test
    void aLastEventWithoutItsBlankLineCounts() {
        assertThat(events("data: [DONE]")).containsExactly("null|[DONE]");
    }

    @Test
    void writtenEventsReadBack() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Sse.write(out, "message_stop", utf8("{\"type\":\"message_stop\"}"));
        Sse.write(out, null, utf8("[DONE]"));

        assertThat(out.toString()).isEqualTo("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\ndata: [DONE]\n\n");
        assertThat(events(out.toString())).containsExactly("message_stop|{\"type\":\"message_stop\"}", "null|[DONE]");
    }
}
