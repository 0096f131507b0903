package dev.tollgate.wire.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import dev.tollgate.api.GatewayException;
import dev.tollgate.call.WireFormat;
import dev.tollgate.metering.TokenCounter;
import dev.tollgate.pricing.Capability;
import tools.jackson.databind.json.JsonMapper;

class EmbeddingsRequestTest {

    private static final JsonMapper MAPPER = new JsonMapper();

    private static EmbeddingsRequest parse(String json) {
        return EmbeddingsRequest.parse(json.getBytes(StandardCharsets.UTF_8), MAPPER);
    }

    /**
     * The bound: each string's UTF-8 bytes, each token id once, and 2 special tokens per input.
     * "héllo" is 6 bytes (é is 2), "日本" 6 (3 each), "😀" 4 (a surrogate pair), "a\nb" 3 (the escape is one byte).
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "\"hello\"|1|7",
            "[\"hello\", \"héllo\"]|2|15",
            "\"日本\"|1|8",
            "\"😀\"|1|6",
            "[1, 2, 3, 50000]|1|6",
            "[[1, 2], [3], [4, 5, 6]]|3|12",
            "\"a\\nb\"|1|5"
    })
    void promptBoundCountsTextBytesAndTokenIdsExactly(String input, int inputs, long bound) {
        EmbeddingsRequest r = parse("{\"model\":\"m\",\"input\":" + input + "}");

        assertThat(r.inputs()).isEqualTo(inputs);
        assertThat(r.promptBoundTokens(4200)).isEqualTo(bound);
    }

    @Test
    void theBoundIsNeverBelowTheTokenizersCount() {
        TokenCounter tokens = new TokenCounter();
        EmbeddingsRequest r = parse("{\"model\":\"m\",\"input\":[\"The quick brown fox\", \"jumps over 日本 😀\"]}");

        long counted = r.promptTokens(tokens);
        assertThat(counted).isEqualTo(tokens.count("The quick brown fox") + tokens.count("jumps over 日本 😀"));
        assertThat(r.promptBoundTokens(0)).isGreaterThanOrEqualTo(counted);
        assertThat(parse("{\"model\":\"m\",\"input\":[[1,2,3],[4]]}").promptTokens(tokens)).isEqualTo(4);
    }

    @Test
    void featuresOfAnEmbeddingsCall() {
        EmbeddingsRequest r = parse("{\"model\":\"text-embedding-3-small\",\"input\":\"x\",\"dimensions\":256,"
                + "\"encoding_format\":\"base64\",\"user\":\"u\"}");

        assertThat(r.format()).isEqualTo(WireFormat.OPENAI_EMBEDDINGS);
        assertThat(r.model()).isEqualTo("text-embedding-3-small");
        assertThat(r.stream()).isFalse();
        assertThat(r.maxOutputTokens()).isNull();
        assertThat(r.needs()).containsExactly(Capability.EMBEDDINGS);
    }

    @Test
    void upstreamBodyIsTheClientsBytesWithOnlyTheModelReplaced() {
        String body = "{\"input\": [\"a\"],\n \"model\" : \"acme/emb\", \"dimensions\":8}";
        EmbeddingsRequest r = parse(body);

        assertThat(r.upstreamBody("acme/emb")).isSameAs(r.body());
        assertThat(new String(r.upstreamBody("emb"), StandardCharsets.UTF_8))
                .isEqualTo("{\"input\": [\"a\"],\n \"model\" : \"emb\", \"dimensions\":8}");
        assertThat(new String(r.upstreamBody("a\"b\\ü"), StandardCharsets.UTF_8))
                .isEqualTo("{\"input\": [\"a\"],\n \"model\" : \"a\\\"b\\\\ü\", \"dimensions\":8}");
        String escaped = "{\"model\":\"x\\u0041\",\"input\":\"a\"}";
        assertThat(new String(parse(escaped).upstreamBody("B"), StandardCharsets.UTF_8))
                .isEqualTo("{\"model\":\"B\",\"input\":\"a\"}");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "{\"input\":\"x\"}|model",
            "{\"model\":5,\"input\":\"x\"}|model",
            "{\"model\":\"m\"}|input",
            "{\"model\":\"m\",\"input\":null}|input",
            "{\"model\":\"m\",\"input\":[]}|input",
            "{\"model\":\"m\",\"input\":\"\"}|input",
            "{\"model\":\"m\",\"input\":7}|input",
            "{\"model\":\"m\",\"input\":[\"a\",\"\"]}|input[1]",
            "{\"model\":\"m\",\"input\":[\"a\",[1]]}|input[1]",
            "{\"model\":\"m\",\"input\":[1,-2]}|input[1]",
            "{\"model\":\"m\",\"input\":[1.5]}|input[0]",
            "{\"model\":\"m\",\"input\":[[1],[]]}|input[1]",
            "{\"model\":\"m\",\"input\":[[1],[\"a\"]]}|input[1][0]",
            "{\"model\":\"m\",\"input\":\"x\",\"stream\":true}|stream",
            "{\"model\":\"m\",\"input\":\"x\",\"stream\":false}|stream",
            "{\"model\":\"m\",\"input\":\"x\",\"encoding_format\":\"int8\"}|encoding_format",
            "{\"model\":\"m\",\"input\":\"x\",\"dimensions\":0}|dimensions",
            "{\"model\":\"m\",\"input\":\"x\",\"dimensions\":\"8\"}|dimensions"
    })
    void badRequestsAreRefusedNamingTheField(String body, String param) {
        GatewayException e = catchThrowableOfType(GatewayException.class, () -> parse(body));

        assertThat(e).as(body).isNotNull();
        assertThat(e.error().status()).isEqualTo(400);
        assertThat(e.error().param()).as(body).isEqualTo(param);
    }

    @Test
    void notJsonIsRefused() {
        GatewayException e = catchThrowableOfType(GatewayException.class, () -> parse("{\"model\":"));

        assertThat(e.error().code()).isEqualTo("invalid_json");
    }
}
