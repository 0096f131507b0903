package dev.tollgate.wire.anthropic;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.tollgate.call.CanonicalRequest;
import dev.tollgate.call.ImageSource;
import dev.tollgate.call.Message;
import dev.tollgate.call.Part;
import dev.tollgate.call.RawJson;
import dev.tollgate.call.ThinkingConfig;
import dev.tollgate.call.ToolChoice;
import dev.tollgate.call.ToolDef;
import dev.tollgate.call.WireFormat;
import dev.tollgate.wire.Json;
import tools.jackson.databind.JsonNode;

class AnthropicRequestWriterTest {

    private static final CanonicalRequest FROM_OPENAI = CanonicalRequest.builder(WireFormat.OPENAI_CHAT, "gpt-4o")
            .system(List.of(Part.Text.of("Be brief.")))
            .messages(List.of(
                    Message.user(Part.Text.of("look"),
                            new Part.Image(new ImageSource.Url("https://example.com/cat.jpg"), "high", null)),
                    Message.assistant(new Part.Thinking("unsigned", null), Part.Text.of("Checking."),
                            new Part.ToolUse("call_1", "lookup", new RawJson("{\"q\":\"cat\"}"), null)),
                    Message.user(new Part.ToolResult("call_1", List.of(Part.Text.of("a cat")), false, null),
                            Part.Text.of("so?"))))
            .tools(List.of(new ToolDef.Function("lookup", null, RawJson.EMPTY_OBJECT, true, null)))
            .toolChoice(ToolChoice.ANY)
            .parallelToolCalls(false)
            .stopSequences(List.of("END"))
            .temperature(0.2)
            .stream(true)
            .user("u-9")
            .build();

    @Test
    void anOpenAiCallBecomesAMessagesRequest() {
        JsonNode body = Json.tree(AnthropicRequestWriter.write(FROM_OPENAI, "claude-sonnet-4-5", 512));

        assertThat(body).isEqualTo(Json.tree("""
                {"model":"claude-sonnet-4-5","max_tokens":512,"system":"Be brief.","messages":[
                  {"role":"user","content":[{"type":"text","text":"look"},
                    {"type":"image","source":{"type":"url","url":"https://example.com/cat.jpg"}}]},
                  {"role":"assistant","content":[{"type":"text","text":"Checking."},
                    {"type":"tool_use","id":"call_1","name":"lookup","input":{"q":"cat"}}]},
                  {"role":"user","content":[{"type":"tool_result","tool_use_id":"call_1",
                    "content":[{"type":"text","text":"a cat"}]},{"type":"text","text":"so?"}]}],
                 "metadata":{"user_id":"u-9"},"stop_sequences":["END"],"stream":true,"temperature":0.2,
                 "tools":[{"name":"lookup","input_schema":{"type":"object","properties":{}},"strict":true}],
                 "tool_choice":{"type":"any","disable_parallel_tool_use":true}}"""));
    }

    @ParameterizedTest(name = "effort {0}, max_tokens {1}")
    @CsvSource({
            "low,     16000, 2048",
            "medium,  16000, 8192",
            "high,    16000, 15999",
            "minimal, 16000, 1024",
            "medium,   1024, 0",
            "none,    16000, 0",
    })
    void anOpenAiEffortBecomesABudgetBelowMaxTokens(String effort, int maxTokens, int budget) {
        CanonicalRequest r = FROM_OPENAI.toBuilder().effort(effort).build();

        JsonNode thinking = Json.tree(AnthropicRequestWriter.write(r, "c", maxTokens)).path("thinking");

        if (budget == 0) {
            assertThat(thinking.isMissingNode()).as("no room for thinking, or none asked").isTrue();
        } else {
            assertThat(thinking).isEqualTo(Json.tree("{\"type\":\"enabled\",\"budget_tokens\":" + budget + "}"));
        }
    }

    @Test
    void anOpenAiEffortIsAdaptiveThinkingForModelsThatTakeIt() {
        CanonicalRequest r = FROM_OPENAI.toBuilder().effort("xhigh").build();

        JsonNode body = Json.tree(AnthropicRequestWriter.write(r, "claude-opus-4-6", 32000, true));

        assertThat(body.path("thinking")).isEqualTo(Json.tree("{\"type\":\"adaptive\"}"));
        assertThat(body.path("output_config")).isEqualTo(Json.tree("{\"effort\":\"max\"}"));
    }

    @Test
    void anAnthropicCallKeepsItsOwnSettingsAndExtras() {
        CanonicalRequest r = CanonicalRequest.builder(WireFormat.ANTHROPIC_MESSAGES, "c")
                .messages(List.of(Message.user(Part.Text.of("hi"))))
                .thinking(new ThinkingConfig.Budget(30000)).effort("low").topK(5)
                .extra("container", new RawJson("\"container_1\""))
                .build();

        JsonNode body = Json.tree(AnthropicRequestWriter.write(r, "c", 4000));

        assertThat(body.path("thinking")).as("the budget lowered below max_tokens")
                .isEqualTo(Json.tree("{\"type\":\"enabled\",\"budget_tokens\":3999}"));
        assertThat(body.path("output_config")).isEqualTo(Json.tree("{\"effort\":\"low\"}"));
        assertThat(body.path("top_k").asInt()).isEqualTo(5);
        assertThat(body.path("container").asString()).isEqualTo("container_1");
    }

    @Test
    void toolResultsComeFirstInTheirTurn() {
        CanonicalRequest r = CanonicalRequest.builder(WireFormat.OPENAI_CHAT, "m")
                .messages(List.of(Message.user(Part.Text.of("note"),
                        new Part.ToolResult("t", List.of(Part.Text.of("r")), false, null))))
                .build();

        JsonNode content = Json.tree(AnthropicRequestWriter.write(r, "c", 10)).path("messages").path(0)
                .path("content");

        assertThat(content.path(0).path("type").asString()).isEqualTo("tool_result");
        assertThat(content.path(1).path("type").asString()).isEqualTo("text");
    }
}
