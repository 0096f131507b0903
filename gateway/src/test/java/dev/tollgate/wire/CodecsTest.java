package dev.tollgate.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import dev.tollgate.api.ApiError;
import dev.tollgate.call.WireFormat;
import dev.tollgate.pricing.OutputCapField;
import dev.tollgate.wire.anthropic.MessagesRequest;
import dev.tollgate.wire.openai.ChatRequest;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Pass through when the formats match, translate when they differ; errors in the client's shape. */
class CodecsTest {

    private static final JsonMapper MAPPER = JsonMapper.builder().build();
    private static final Codecs CODECS = new Codecs(MAPPER);

    private static ChatRequest chat(String json) {
        return ChatRequest.parse(json.getBytes(StandardCharsets.UTF_8), MAPPER);
    }

    private static MessagesRequest messages(String json) {
        return MessagesRequest.parse(json.getBytes(StandardCharsets.UTF_8), MAPPER, false);
    }

    @Test
    void aCallToABackendOfItsOwnFormatSendsTheClientsBytes() {
        ChatRequest openAi = chat("{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        MessagesRequest anthropic = messages("{\"model\":\"claude-haiku-4-5\",\"max_tokens\":10,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

        assertThat(CODECS.upstreamBody(openAi, WireFormat.OPENAI_CHAT, "gpt-4o-mini", OutputCapField.MAX_TOKENS, 0,
                16384)).isSameAs(openAi.body());
        assertThat(CODECS.upstreamBody(anthropic, WireFormat.ANTHROPIC_MESSAGES, "claude-haiku-4-5",
                OutputCapField.MAX_TOKENS, 0, 64000)).isSameAs(anthropic.body());
        assertThat(CODECS.translator(WireFormat.OPENAI_CHAT, WireFormat.OPENAI_CHAT)).isNull();
        assertThat(CODECS.untranslatable(openAi, WireFormat.OPENAI_CHAT)).isNull();
    }

    @Test
    void anOpenAiCallToAnAnthropicBackendIsWrittenInMessagesWithTheModelsOutputLimitWhenItSetNone() {
        ChatRequest openAi = chat("{\"model\":\"auto\",\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
                + "{\"role\":\"user\",\"content\":\"hi\"}]}");

        JsonNode body = MAPPER.readTree(CODECS.upstreamBody(openAi, WireFormat.ANTHROPIC_MESSAGES, "claude-haiku-4-5",
                OutputCapField.MAX_TOKENS, 0, 64000));

        assertThat(body.path("model").asString()).isEqualTo("claude-haiku-4-5");
        assertThat(body.path("max_tokens").asInt()).isEqualTo(64000);
        assertThat(body.path("system").toString()).contains("Be brief.");
        assertThat(body.path("messages").get(0).path("role").asString()).isEqualTo("user");
        // a budget's cap wins
        assertThat(MAPPER.readTree(CODECS.upstreamBody(openAi, WireFormat.ANTHROPIC_MESSAGES, "claude-haiku-4-5",
                OutputCapField.MAX_TOKENS, 300, 64000)).path("max_tokens").asInt()).isEqualTo(300);
    }

    @Test
    void whatTheOtherFormatCannotCarryIsNamed() {
        ChatRequest twoChoices = chat("{\"model\":\"m\",\"n\":2,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        MessagesRequest topK = messages("{\"model\":\"m\",\"max_tokens\":10,\"top_k\":3,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

        ApiError n = CODECS.untranslatable(twoChoices, WireFormat.ANTHROPIC_MESSAGES);
        ApiError k = CODECS.untranslatable(topK, WireFormat.OPENAI_CHAT);

        assertThat(n.status()).isEqualTo(400);
        assertThat(n.param()).isEqualTo("n");
        assertThat(k.param()).isEqualTo("top_k");
    }

    @Test
    void errorsComeInTheClientsShapeAndAnOverloadIs529ForAnthropicsClients() {
        ApiError overloaded = new ApiError(503, ApiError.SERVER_ERROR, "backends_unavailable", "All busy.", null);
        ApiError bad = ApiError.invalidRequest("missing_required_parameter", "Field required", "max_tokens");

        assertThat(ErrorBodies.status(overloaded, WireFormat.ANTHROPIC_MESSAGES)).isEqualTo(529);
        assertThat(ErrorBodies.status(overloaded, WireFormat.OPENAI_CHAT)).isEqualTo(503);
        JsonNode anthropic = MAPPER.readTree(ErrorBodies.json(overloaded, WireFormat.ANTHROPIC_MESSAGES));
        assertThat(anthropic.path("type").asString()).isEqualTo("error");
        assertThat(anthropic.path("error").path("type").asString()).isEqualTo("overloaded_error");
        assertThat(MAPPER.readTree(ErrorBodies.json(bad, WireFormat.ANTHROPIC_MESSAGES)).path("error").path("message")
                .asString()).isEqualTo("max_tokens: Field required");
        assertThat(MAPPER.readTree(ErrorBodies.json(bad, WireFormat.OPENAI_CHAT)).path("error").path("param")
                .asString()).isEqualTo("max_tokens");
        assertThat(new String(ErrorBodies.streamEvent(bad, WireFormat.ANTHROPIC_MESSAGES), StandardCharsets.UTF_8))
                .startsWith("event: error\ndata: {\"type\":\"error\"");
    }
}
