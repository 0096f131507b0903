package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;

import dev.tollgate.call.WireFormat;
import dev.tollgate.wire.Json;

class IngressTest {

    @Test
    void eachCallPathSpeaksItsFormat() {
        assertThat(Ingress.format("/v1/chat/completions")).isEqualTo(WireFormat.OPENAI_CHAT);
        assertThat(Ingress.format("/v1/messages")).isEqualTo(WireFormat.ANTHROPIC_MESSAGES);
        assertThat(Ingress.format("/v1/messages/count_tokens")).isEqualTo(WireFormat.ANTHROPIC_MESSAGES);
        assertThat(Ingress.format("/v1/responses")).isEqualTo(WireFormat.OPENAI_RESPONSES);
        assertThat(Ingress.format("/v1/responses/resp_1")).isEqualTo(WireFormat.OPENAI_RESPONSES);
        assertThat(Ingress.format("/v1/responsesx")).isEqualTo(WireFormat.OPENAI_CHAT);
        assertThat(Ingress.isCall("/v1/responses")).isTrue();
        assertThat(Ingress.isCall("/v1/responses/resp_1")).isFalse();
    }

    @Test
    void explainAndCompareTellAResponsesBodyByItsInputAndNoMessages() {
        assertThat(parse("{\"model\":\"m\",\"input\":\"hi\"}", new HttpHeaders()).format())
                .isEqualTo(WireFormat.OPENAI_RESPONSES);
        assertThat(parse("{\"model\":\"m\",\"input\":[{\"role\":\"user\",\"content\":\"hi\"}]}", new HttpHeaders())
                .format()).isEqualTo(WireFormat.OPENAI_RESPONSES);
        assertThat(parse("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"input\":1}",
                new HttpHeaders()).format()).isEqualTo(WireFormat.OPENAI_CHAT);
        assertThat(parse("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                new HttpHeaders()).format()).isEqualTo(WireFormat.OPENAI_CHAT);
        HttpHeaders anthropic = new HttpHeaders();
        anthropic.add(Ingress.ANTHROPIC_VERSION, "2023-06-01");
        assertThat(parse("{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                anthropic).format()).isEqualTo(WireFormat.ANTHROPIC_MESSAGES);
    }

    private static dev.tollgate.call.CallRequest parse(String body, HttpHeaders headers) {
        return Ingress.parse(body.getBytes(StandardCharsets.UTF_8), Json.mapper(), headers);
    }
}
