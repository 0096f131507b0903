package dev.tollgate.wire.openai;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.tollgate.call.CacheControl;
import dev.tollgate.call.CanonicalRequest;
import dev.tollgate.call.ImageSource;
import dev.tollgate.call.Message;
import dev.tollgate.call.Part;
import dev.tollgate.call.RawJson;
import dev.tollgate.call.ThinkingConfig;
import dev.tollgate.call.ToolChoice;
import dev.tollgate.call.ToolDef;
import dev.tollgate.call.WireFormat;
import dev.tollgate.pricing.OutputCapField;
import dev.tollgate.wire.Json;
import tools.jackson.databind.JsonNode;

class OpenAiRequestWriterTest {

    private static final CanonicalRequest FROM_ANTHROPIC = CanonicalRequest.builder(WireFormat.ANTHROPIC_MESSAGES, "claude")
            .system(List.of(new Part.Text("Be brief.", CacheControl.EPHEMERAL), Part.Text.of("Use metric.")))
            .messages(List.of(
                    Message.user(Part.Text.of("weather?"),
                            new Part.Image(new ImageSource.Base64("image/png", "iVBORw0KGgo="), null, null)),
                    Message.assistant(new Part.Thinking("Look it up.", "sig=="), Part.Text.of("Checking."),
                            new Part.ToolUse("toolu_1", "get_weather", new RawJson("{\"city\":\"Paris\"}"), null)),
                    Message.user(new Part.ToolResult("toolu_1", List.of(Part.Text.of("18C")), true, null),
                            Part.Text.of("thanks"))))
            .tools(List.of(new ToolDef.Function("get_weather", "Weather now",
                    new RawJson("{\"type\":\"object\"}"), null, CacheControl.EPHEMERAL)))
            .toolChoice(ToolChoice.tool("get_weather"))
            .parallelToolCalls(false)
            .maxOutputTokens(1000)
            .stopSequences(List.of("END"))
            .stream(true)
            .clientWantsUsage(true)
            .thinking(new ThinkingConfig.Budget(10000))
            .user("user-7")
            .build();

    private static JsonNode write(CanonicalRequest r, OutputCapField field, int cap, boolean usage) {
        byte[] body = OpenAiRequestWriter.write(r, "gpt-4o", field, cap, usage);
        OpenAiSdk.request(body);
        return Json.tree(body);
    }

    @Test
    void anAnthropicCallBecomesChatMessagesTheSdkReads() {
        JsonNode body = write(FROM_ANTHROPIC, OutputCapField.MAX_COMPLETION_TOKENS, 500, false);

        assertThat(body).isEqualTo(Json.tree("""
                {"model":"gpt-4o","messages":[
                  {"role":"system","content":"Be brief."},
                  {"role":"system","content":"Use metric."},
                  {"role":"user","content":[{"type":"text","text":"weather?"},
                    {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}}]},
                  {"role":"assistant","content":"Checking.","tool_calls":[{"id":"toolu_1","type":"function",
                    "function":{"name":"get_weather","arguments":"{\\"city\\":\\"Paris\\"}"}}]},
                  {"role":"tool","tool_call_id":"toolu_1","content":"18C"},
                  {"role":"user","content":"thanks"}],
                 "max_completion_tokens":500,"stop":["END"],"stream":true,"stream_options":{"include_usage":true},
                 "tools":[{"type":"function","function":{"name":"get_weather","description":"Weather now",
                   "parameters":{"type":"object"}}}],
                 "tool_choice":{"type":"function","function":{"name":"get_weather"}},"parallel_tool_calls":false,
                 "reasoning_effort":"medium","user":"user-7"}"""));
    }

    @Test
    void theCapGoesInTheModelsFieldAndFallsBackToTheRequestsOwn() {
        CanonicalRequest r = CanonicalRequest.builder(WireFormat.ANTHROPIC_MESSAGES, "c")
                .messages(List.of(Message.user(Part.Text.of("hi")))).maxOutputTokens(77).build();

        assertThat(write(r, OutputCapField.MAX_TOKENS, 0, false).path("max_tokens").asInt()).isEqualTo(77);
        assertThat(write(r, OutputCapField.MAX_TOKENS, 50, false).path("max_tokens").asInt()).isEqualTo(50);
        assertThat(write(r, OutputCapField.MAX_COMPLETION_TOKENS, 50, false).has("max_tokens")).isFalse();
    }

    @Test
    void includeUsageIsAddedToAStreamWhenAskedEvenIfTheClientDidNot() {
        CanonicalRequest r = CanonicalRequest.builder(WireFormat.OPENAI_CHAT, "m")
                .messages(List.of(Message.user(Part.Text.of("hi")))).stream(true).build();

        assertThat(write(r, OutputCapField.MAX_TOKENS, 0, true).path("stream_options").path("include_usage")
                .asBoolean()).isTrue();
        assertThat(write(r, OutputCapField.MAX_TOKENS, 0, false).has("stream_options")).isFalse();
        assertThat(write(r.toBuilder().stream(false).build(), OutputCapField.MAX_TOKENS, 0, true)
                .has("stream_options")).isFalse();
    }

    @Test
    void anOpenAiCallKeepsItsEffortItsExtrasAndItsReasoningHistory() {
        CanonicalRequest r = CanonicalRequest.builder(WireFormat.OPENAI_CHAT, "m")
                .messages(List.of(Message.user(Part.Text.of("hi")),
                        Message.assistant(new Part.Thinking("hmm", null), Part.Text.of("yo")),
                        Message.user(Part.Text.of("again"))))
                .effort("minimal").extra("seed", new RawJson("7")).extra("logit_bias", new RawJson("{\"50256\":-100}"))
                .build();

        JsonNode body = write(r, OutputCapField.MAX_TOKENS, 0, false);

        assertThat(body.path("reasoning_effort").asString()).isEqualTo("minimal");
        assertThat(body.path("seed").asInt()).isEqualTo(7);
        assertThat(body.path("logit_bias").path("50256").asInt()).isEqualTo(-100);
        assertThat(body.path("messages").path(1).path("reasoning_content").asString()).isEqualTo("hmm");
    }

    @Test
    void anthropicEffortAndThinkingMapToReasoningEffort() {
        CanonicalRequest base = CanonicalRequest.builder(WireFormat.ANTHROPIC_MESSAGES, "c")
                .messages(List.of(Message.user(Part.Text.of("hi")))).build();

        assertThat(write(base.toBuilder().thinking(new ThinkingConfig.Budget(2048)).build(), OutputCapField.MAX_TOKENS,
                0, false).path("reasoning_effort").asString()).isEqualTo("low");
        assertThat(write(base.toBuilder().thinking(new ThinkingConfig.Budget(20000)).build(),
                OutputCapField.MAX_TOKENS, 0, false).path("reasoning_effort").asString()).isEqualTo("high");
        assertThat(write(base.toBuilder().thinking(ThinkingConfig.ADAPTIVE).effort("max").build(),
                OutputCapField.MAX_TOKENS, 0, false).path("reasoning_effort").asString()).isEqualTo("high");
        assertThat(write(base.toBuilder().thinking(ThinkingConfig.ADAPTIVE).build(), OutputCapField.MAX_TOKENS, 0,
                false).has("reasoning_effort")).as("adaptive without effort: the model's default").isFalse();
        assertThat(write(base.toBuilder().thinking(ThinkingConfig.DISABLED).effort("low").build(),
                OutputCapField.MAX_TOKENS, 0, false).has("reasoning_effort")).isFalse();
    }

    @Test
    void severalTextPartsOfAToolResultStayParts() {
        CanonicalRequest r = CanonicalRequest.builder(WireFormat.ANTHROPIC_MESSAGES, "c")
                .messages(List.of(Message.user(new Part.ToolResult("t1",
                        List.of(Part.Text.of("a"), Part.Text.of("b")), false, null))))
                .build();

        JsonNode tool = write(r, OutputCapField.MAX_TOKENS, 0, false).path("messages").path(0);

        assertThat(tool.path("role").asString()).isEqualTo("tool");
        assertThat(tool.path("content").toString())
                .isEqualTo("[{\"type\":\"text\",\"text\":\"a\"},{\"type\":\"text\",\"text\":\"b\"}]");
    }
}
