package dev.tollgate.wire.anthropic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.tollgate.api.GatewayException;
import dev.tollgate.metering.TokenCounter;
import dev.tollgate.pricing.Capability;
import tools.jackson.databind.json.JsonMapper;

class MessagesRequestTest {

    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    private static MessagesRequest parse(String json) {
        return MessagesRequest.parse(json.getBytes(StandardCharsets.UTF_8), MAPPER, false);
    }

    @Test
    void readsWhatRoutingAndMeteringNeedInOnePass() {
        MessagesRequest r = parse("{\"model\":\"claude-haiku-4-5\",\"max_tokens\":300,\"stream\":true,"
                + "\"system\":[{\"type\":\"text\",\"text\":\"Be brief.\"}],"
                + "\"tools\":[{\"name\":\"get_weather\",\"input_schema\":{\"type\":\"object\"}}],"
                + "\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":1024},"
                + "\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"hi\"},"
                + "{\"type\":\"image\",\"source\":{\"type\":\"base64\",\"media_type\":\"image/png\",\"data\":\"QUJD\"}}]}]}");

        assertThat(r.model()).isEqualTo("claude-haiku-4-5");
        assertThat(r.stream()).isTrue();
        assertThat(r.maxOutputTokens()).isEqualTo(300);
        assertThat(r.choices()).isEqualTo(1);
        assertThat(r.clientWantsUsage()).isTrue();
        assertThat(r.thinking()).isTrue();
        assertThat(r.needs()).containsExactlyInAnyOrder(Capability.TOOLS, Capability.VISION, Capability.REASONING);
        assertThat(r.images()).isEqualTo(1);
        // body bytes less the image's 4 data characters, plus one image at 1,000 and the tools' overhead
        assertThat(r.promptBoundTokens(1000)).isEqualTo(r.body().length - 4 + 1000 + MessagesRequest.TOOLS_OVERHEAD_TOKENS);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            no model        | {"max_tokens":5,"messages":[{"role":"user","content":"hi"}]}                    | model
            no max_tokens   | {"model":"m","messages":[{"role":"user","content":"hi"}]}                      | max_tokens
            max_tokens 0    | {"model":"m","max_tokens":0,"messages":[{"role":"user","content":"hi"}]}       | max_tokens
            no messages     | {"model":"m","max_tokens":5}                                                   | messages
            empty messages  | {"model":"m","max_tokens":5,"messages":[]}                                     | messages
            system role     | {"model":"m","max_tokens":5,"messages":[{"role":"system","content":"hi"}]}     | messages.0.role
            no content      | {"model":"m","max_tokens":5,"messages":[{"role":"user"}]}                      | messages.0.content
            stream a string | {"model":"m","max_tokens":5,"stream":"yes","messages":[{"role":"user","content":"hi"}]} | stream
            """)
    void aBadBodyIsA400NamingTheField(String problem, String body, String param) {
        GatewayException e = catchThrowableOfType(GatewayException.class, () -> parse(body));

        assertThat(e).as(problem).isNotNull();
        assertThat(e.error().status()).isEqualTo(400);
        assertThat(e.error().param()).as(problem).isEqualTo(param);
        assertThat(e.error().message()).as(problem).startsWith(param + ":");
    }

    @Test
    void countTokensNeedsNoMaxTokens() {
        MessagesRequest r = MessagesRequest.parse("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"
                .getBytes(StandardCharsets.UTF_8), MAPPER, true);

        assertThat(r.maxOutputTokens()).isNull();
        assertThat(r.promptTokens(new TokenCounter())).isPositive();
    }

    @Test
    void theUpstreamBodyIsTheClientsBytesUnlessTheModelOrACapChanges() {
        String json = "{\"model\":\"claude-haiku-4-5\",\"max_tokens\":4096,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        MessagesRequest r = parse(json);

        assertThat(r.upstreamBody("claude-haiku-4-5", 0)).isSameAs(r.body());
        assertThat(r.upstreamBody("claude-haiku-4-5", 8192)).as("a cap above the client's changes nothing")
                .isSameAs(r.body());
        assertThat(new String(r.upstreamBody("claude-haiku-4-5", 300), StandardCharsets.UTF_8))
                .isEqualTo(json.replace("4096", "300"));
        assertThat(MAPPER.readTree(r.upstreamBody("claude-sonnet-4-5", 300)).path("model").asString())
                .isEqualTo("claude-sonnet-4-5");
        assertThat(MAPPER.readTree(r.upstreamBody("claude-sonnet-4-5", 300)).path("max_tokens").asInt())
                .isEqualTo(300);
    }

    @Test
    void thePromptWalkCountsSystemMessagesToolUsesAndResults() {
        TokenCounter counter = new TokenCounter();
        MessagesRequest plain = parse("{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        MessagesRequest more = parse("{\"model\":\"m\",\"max_tokens\":5,\"system\":\"You are terse.\","
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"},{\"role\":\"assistant\",\"content\":["
                + "{\"type\":\"tool_use\",\"id\":\"t1\",\"name\":\"lookup\",\"input\":{\"q\":\"weather\"}}]},"
                + "{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"t1\",\"content\":\"sunny\"}]}]}");

        assertThat(more.promptTokens(counter)).isGreaterThan(plain.promptTokens(counter)
                + counter.count("You are terse.") + counter.count("sunny"));
    }
}
