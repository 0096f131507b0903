package dev.tollgate.wire.gemini;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
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
import dev.tollgate.wire.anthropic.AnthropicRequestReader;
import dev.tollgate.wire.openai.OpenAiRequestReader;
import tools.jackson.databind.JsonNode;

class GeminiRequestWriterTest {

    private static final CanonicalRequest CONVERSATION = CanonicalRequest.builder(WireFormat.OPENAI_CHAT, "gemini")
            .system(List.of(Part.Text.of("Be brief."), Part.Text.of("Answer in French.")))
            .messages(List.of(
                    Message.user(Part.Text.of("look"), new Part.Image(new ImageSource.Base64("image/png", "iVBORw0"),
                            "high", null)),
                    Message.assistant(new Part.Thinking("hidden", null), Part.Text.of("Checking."),
                            new Part.ToolUse("call_1", "lookup", new RawJson("{\"q\":\"cat\"}"), null)),
                    Message.user(new Part.ToolResult("call_1", List.of(Part.Text.of("a cat")), false, null),
                            Part.Text.of("so?")),
                    Message.assistant(new Part.Thinking("only thoughts", null))))
            .tools(List.of(new ToolDef.Function("lookup", "Finds things", new RawJson("{\"$schema\":\"https://json-"
                    + "schema.org/draft/2020-12/schema\",\"type\":\"object\",\"properties\":{\"q\":{\"type\":\"string\","
                    + "\"default\":\"x\"},\"kind\":{\"const\":\"animal\"}},\"required\":[\"q\"]}"), true, null),
                    new ToolDef.Function("now", null, RawJson.EMPTY_OBJECT, null, null)))
            .toolChoice(ToolChoice.tool("lookup"))
            .stopSequences(List.of("END"))
            .temperature(0.2)
            .topP(0.9)
            .topK(40)
            .stream(true)
            .user("u-9")
            .build();

    @Test
    void aConversationBecomesAGenerateContentBody() {
        JsonNode body = Json.tree(GeminiRequestWriter.write(CONVERSATION, 512));

        assertThat(body).isEqualTo(Json.tree("""
                {"contents":[
                  {"role":"user","parts":[{"text":"look"},{"inlineData":{"mimeType":"image/png","data":"iVBORw0"}}]},
                  {"role":"model","parts":[{"text":"Checking."},
                    {"functionCall":{"id":"call_1","name":"lookup","args":{"q":"cat"}}}]},
                  {"role":"user","parts":[
                    {"functionResponse":{"id":"call_1","name":"lookup","response":{"output":"a cat"}}},
                    {"text":"so?"}]}],
                 "systemInstruction":{"parts":[{"text":"Be brief."},{"text":"Answer in French."}]},
                 "tools":[{"functionDeclarations":[
                   {"name":"lookup","description":"Finds things","parametersJsonSchema":{"type":"object",
                     "properties":{"q":{"type":"string"},"kind":{"enum":["animal"]}},"required":["q"]}},
                   {"name":"now"}]}],
                 "toolConfig":{"functionCallingConfig":{"mode":"ANY","allowedFunctionNames":["lookup"]}},
                 "generationConfig":{"maxOutputTokens":512,"stopSequences":["END"],"temperature":0.2,"topP":0.9,
                   "topK":40}}
                """));
    }

    @Test
    void aBareCallHasNoGenerationConfigAndNoModelOrStreamInItsBody() {
        CanonicalRequest r = OpenAiRequestReader.read(utf8("{\"model\":\"gemini-2.5-flash\",\"stream\":true,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"));

        assertThat(Json.tree(GeminiRequestWriter.write(r, null))).isEqualTo(Json.tree(
                "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"hi\"}]}]}"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "auto     | \"auto\"                                            | AUTO",
            "none     | \"none\"                                            | NONE",
            "required | \"required\"                                        | ANY",
    })
    void toolChoicesBecomeFunctionCallingModes(String what, String choice, String mode) {
        CanonicalRequest r = OpenAiRequestReader.read(utf8("{\"model\":\"m\",\"tool_choice\":" + choice
                + ",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}],\"messages\":[{\"role\":"
                + "\"user\",\"content\":\"hi\"}]}"));

        JsonNode config = Json.tree(GeminiRequestWriter.write(r, null)).at("/toolConfig/functionCallingConfig");
        assertThat(config.path("mode").asString()).isEqualTo(mode);
        assertThat(config.has("allowedFunctionNames")).isFalse();
    }

    @Test
    void anErrorToolResultIsSentAsTheResponsesError() {
        CanonicalRequest r = CanonicalRequest.builder(WireFormat.ANTHROPIC_MESSAGES, "m").messages(List.of(
                Message.assistant(new Part.ToolUse("toolu_1", "lookup", null, null)),
                Message.user(new Part.ToolResult("toolu_1", List.of(Part.Text.of("no such city")), true, null))))
                .build();

        JsonNode response = Json.tree(GeminiRequestWriter.write(r, null)).at("/contents/1/parts/0/functionResponse");
        assertThat(response.path("name").asString()).isEqualTo("lookup");
        assertThat(response.at("/response/error").asString()).isEqualTo("no such city");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "anthropic budget   | {\"type\":\"enabled\",\"budget_tokens\":3000} |   | 3000 | true",
            "anthropic adaptive | {\"type\":\"adaptive\"}                       |   | -1   | true",
            "anthropic disabled | {\"type\":\"disabled\"}                       |   | 0    | false",
    })
    void anthropicThinkingBecomesAThinkingBudget(String what, String thinking, String unused, int budget,
            boolean includeThoughts) {
        CanonicalRequest r = AnthropicRequestReader.read(utf8("{\"model\":\"m\",\"max_tokens\":8000,\"thinking\":"
                + thinking + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"));

        JsonNode config = Json.tree(GeminiRequestWriter.write(r, 8000)).at("/generationConfig/thinkingConfig");
        assertThat(config.path("thinkingBudget").asInt()).isEqualTo(budget);
        assertThat(config.path("includeThoughts").asBoolean(false)).isEqualTo(includeThoughts);
    }

    @ParameterizedTest(name = "effort {0}")
    @CsvSource({"none, 0", "minimal, 1024", "low, 2048", "medium, 8192", "high, 24576"})
    void anOpenAiEffortBecomesABudgetWithoutThoughts(String effort, int budget) {
        CanonicalRequest r = OpenAiRequestReader.read(utf8("{\"model\":\"m\",\"reasoning_effort\":\"" + effort
                + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"));

        JsonNode config = Json.tree(GeminiRequestWriter.write(r, null)).at("/generationConfig/thinkingConfig");
        assertThat(config.path("thinkingBudget").asInt()).isEqualTo(budget);
        assertThat(config.has("includeThoughts")).isFalse();
    }

    @Test
    void jsonOutputIsAMimeTypeAndACleanedSchema() {
        CanonicalRequest schema = OpenAiRequestReader.read(utf8("{\"model\":\"m\",\"response_format\":{\"type\":"
                + "\"json_schema\",\"json_schema\":{\"name\":\"r\",\"schema\":{\"$schema\":\"x\",\"type\":\"object\","
                + "\"properties\":{\"n\":{\"type\":\"integer\",\"examples\":[1]}}}}},\"messages\":[{\"role\":\"user\","
                + "\"content\":\"hi\"}]}"));
        CanonicalRequest object = OpenAiRequestReader.read(utf8("{\"model\":\"m\",\"response_format\":{\"type\":"
                + "\"json_object\"},\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"));

        assertThat(Json.tree(GeminiRequestWriter.write(schema, null)).path("generationConfig")).isEqualTo(Json.tree(
                "{\"responseMimeType\":\"application/json\",\"responseJsonSchema\":{\"type\":\"object\","
                        + "\"properties\":{\"n\":{\"type\":\"integer\"}}}}"));
        assertThat(Json.tree(GeminiRequestWriter.write(object, null)).path("generationConfig")).isEqualTo(Json.tree(
                "{\"responseMimeType\":\"application/json\"}"));
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
