package dev.tollgate.wire.openai;

import static dev.tollgate.wire.Transcripts.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import dev.tollgate.call.TokenCounts;
import dev.tollgate.wire.Sse;

class OpenAiStreamUsageTest {

    @Test
    void usageContentAndTheEndAreSeen() {
        OpenAiStreamUsage usage = new OpenAiStreamUsage();

        Sse.forEachEvent(bytes("openai-tool-calls.sse"), usage::onEvent);

        assertThat(usage.usage()).isEqualTo(new TokenCounts(18, 64, 0, 0, 35, 0));
        assertThat(usage.sawContent()).isTrue();
        assertThat(usage.stopped()).isTrue();
    }

    @Test
    void theRoleChunkAloneIsNoContent() {
        OpenAiStreamUsage usage = new OpenAiStreamUsage();

        usage.onEvent(null, "{\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},"
                + "\"finish_reason\":null}],\"usage\":null}");

        assertThat(usage.sawContent()).isFalse();
        assertThat(usage.usage()).isNull();
        assertThat(usage.stopped()).isFalse();
    }

    @Test
    void deepSeekUsageOnTheFinishChunkIsRead() {
        OpenAiStreamUsage usage = new OpenAiStreamUsage();

        Sse.forEachEvent(bytes("openai-reasoning.sse"), usage::onEvent);

        assertThat(usage.usage()).isEqualTo(new TokenCounts(13, 0, 0, 0, 24, 18));
        assertThat(usage.sawContent()).isTrue();
    }
}
