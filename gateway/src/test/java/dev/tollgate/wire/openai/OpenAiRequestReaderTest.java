package dev.tollgate.wire.openai;

import static dev.tollgate.wire.Transcripts.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import dev.tollgate.api.GatewayException;
import dev.tollgate.call.CanonicalRequest;
import dev.tollgate.call.ImageSource;
import dev.tollgate.call.Message;
import dev.tollgate.call.Part;
import dev.tollgate.call.RawJson;
import dev.tollgate.call.ResponseFormat;
import dev.tollgate.call.Role;
import dev.tollgate.call.ToolChoice;
import dev.tollgate.call.ToolDef;
import dev.tollgate.call.WireFormat;

class OpenAiRequestReaderTest {

    private static CanonicalRequest read(String json) {
        return OpenAiRequestReader.read(utf8(json));
    }

    @Test
    void systemAndDeveloperMessagesBecomeTheSystemTextInOrder() {
        CanonicalRequest r = read("""
                {"model":"gpt-4o","messages":[
                  {"role":"system","content":"Be brief."},
                  {"role":"user","content":"hi"},
                  {"role":"developer","content":[{"type":"text","text":"Answer in French."}]}]}""");

        assertThat(r.source()).isEqualTo(WireFormat.OPENAI_CHAT);
        assertThat(r.system()).extracting(Part.Text::text).containsExactly("Be brief.", "Answer in French.");
        assertThat(r.messages()).containsExactly(Message.user(Part.Text.of("hi")));
    }

    @Test
    void toolMessagesAndTheUserMessageAfterThemFormOneUserTurn() {
        CanonicalRequest r = read("""
                {"model":"gpt-4o","messages":[
                  {"role":"user","content":"weather in Paris and Rome?"},
                  {"role":"assistant","content":null,"tool_calls":[
                    {"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\": \\"Paris\\"}"}},
                    {"id":"call_2","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"Rome\\"}"}}]},
                  {"role":"tool","tool_call_id":"call_1","content":"18C"},
                  {"role":"tool","tool_call_id":"call_2","content":[{"type":"text","text":"21C"}]},
                  {"role":"user","content":"and in Oslo?"},
                  {"role":"user","content":"in Celsius"}]}""");

        assertThat(r.messages()).containsExactly(
                Message.user(Part.Text.of("weather in Paris and Rome?")),
                Message.assistant(
                        new Part.ToolUse("call_1", "get_weather", new RawJson("{\"city\":\"Paris\"}"), null),
                        new Part.ToolUse("call_2", "get_weather", new RawJson("{\"city\":\"Rome\"}"), null)),
                Message.user(
                        new Part.ToolResult("call_1", List.of(Part.Text.of("18C")), false, null),
                        new Part.ToolResult("call_2", List.of(Part.Text.of("21C")), false, null),
                        Part.Text.of("and in Oslo?")),
                Message.user(Part.Text.of("in Celsius")));
    }

    @Test
    void assistantReasoningContentIsUnsignedThinking() {
        CanonicalRequest r = read("""
                {"model":"deepseek-reasoner","messages":[{"role":"user","content":"hi"},
                  {"role":"assistant","reasoning_content":"They greet.","content":"Hello"},
                  {"role":"user","content":"again"}]}""");

        assertThat(r.messages().get(1)).isEqualTo(new Message(Role.ASSISTANT,
                List.of(new Part.Thinking("They greet.", null), Part.Text.of("Hello"))));
    }

    @Test
    void imagesFromDataUrlsAreInlineAndHttpUrlsStayUrls() {
        CanonicalRequest r = read("""
                {"model":"gpt-4o","messages":[{"role":"user","content":[
                  {"type":"text","text":"compare"},
                  {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo=","detail":"low"}},
                  {"type":"image_url","image_url":{"url":"https://example.com/cat.jpg"}}]}]}""");

        assertThat(r.messages().get(0).content()).containsExactly(
                Part.Text.of("compare"),
                new Part.Image(new ImageSource.Base64("image/png", "iVBORw0KGgo="), "low", null),
                new Part.Image(new ImageSource.Url("https://example.com/cat.jpg"), null, null));
        assertThat(r.usesImages()).isTrue();
    }

    @Test
    void settingsAreRead() {
        CanonicalRequest r = read("""
                {"model":"o3","messages":[{"role":"user","content":"hi"}],"max_tokens":100,
                 "max_completion_tokens":200,"stop":"END","temperature":0.5,"top_p":0.9,"n":1,"stream":true,
                 "stream_options":{"include_usage":true},"reasoning_effort":"high","user":"u-42",
                 "tools":[{"type":"function","function":{"name":"f","description":"d",
                   "parameters":{"type":"object","properties":{"x":{"type":"number","minimum":0.10}}},"strict":true}}],
                 "tool_choice":"required","parallel_tool_calls":false,
                 "response_format":{"type":"json_schema","json_schema":{"name":"out","schema":{"type":"object"},"strict":true}},
                 "seed":7,"logprobs":false}""");

        assertThat(r.maxOutputTokens()).as("max_completion_tokens wins").isEqualTo(200);
        assertThat(r.stopSequences()).containsExactly("END");
        assertThat(r.temperature()).isEqualTo(0.5);
        assertThat(r.topP()).isEqualTo(0.9);
        assertThat(r.n()).isEqualTo(1);
        assertThat(r.stream()).isTrue();
        assertThat(r.clientWantsUsage()).isTrue();
        assertThat(r.effort()).isEqualTo("high");
        assertThat(r.usesReasoning()).isTrue();
        assertThat(r.user()).isEqualTo("u-42");
        assertThat(r.tools()).containsExactly(new ToolDef.Function("f", "d",
                new RawJson("{\"type\":\"object\",\"properties\":{\"x\":{\"type\":\"number\",\"minimum\":0.10}}}"),
                true, null));
        assertThat(r.toolChoice()).isEqualTo(ToolChoice.ANY);
        assertThat(r.parallelToolCalls()).isFalse();
        assertThat(r.responseFormat()).isEqualTo(new ResponseFormat(ResponseFormat.Kind.JSON_SCHEMA, "out", null,
                new RawJson("{\"type\":\"object\"}"), true));
        assertThat(r.extra()).containsOnlyKeys("seed", "logprobs");
        assertThat(r.extra().get("seed")).isEqualTo(new RawJson("7"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "no model              | {\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}                                            | model",
            "no messages           | {\"model\":\"m\"}                                                                                 | messages",
            "empty messages        | {\"model\":\"m\",\"messages\":[]}                                                                 | messages",
            "unknown role          | {\"model\":\"m\",\"messages\":[{\"role\":\"bot\",\"content\":\"hi\"}]}                            | messages[0].role",
            "function role         | {\"model\":\"m\",\"messages\":[{\"role\":\"function\",\"name\":\"f\",\"content\":\"x\"}]}        | messages[0].role",
            "tool without id       | {\"model\":\"m\",\"messages\":[{\"role\":\"tool\",\"content\":\"x\"}]}                            | messages[0].tool_call_id",
            "arguments not JSON    | {\"model\":\"m\",\"messages\":[{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"c\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{city: Paris\"}}]}]} | messages[0].tool_calls[0].function.arguments",
            "arguments not object  | {\"model\":\"m\",\"messages\":[{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"c\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"[1]\"}}]}]} | messages[0].tool_calls[0].function.arguments",
            "ftp image             | {\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"ftp://x/y.png\"}}]}]} | messages[0].content[0].image_url.url",
            "max_tokens zero       | {\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":0}          | max_tokens",
            "temperature string    | {\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"temperature\":\"hot\"}   | temperature",
            "stop numbers          | {\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stop\":[1]}             | stop",
            "tool without name     | {\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"tools\":[{\"type\":\"function\",\"function\":{}}]} | tools[0].function.name",
            "bad response format   | {\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"response_format\":{\"type\":\"xml\"}} | response_format.type",
            "bad tool choice       | {\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"tool_choice\":\"always\"} | tool_choice",
    })
    void problemsAre400sNamingTheField(String what, String json, String param) {
        assertThatThrownBy(() -> read(json))
                .isInstanceOfSatisfying(GatewayException.class, e -> {
                    assertThat(e.error().status()).isEqualTo(400);
                    assertThat(e.error().param()).isEqualTo(param);
                    assertThat(e.error().message()).startsWith(param);
                });
    }

    @Test
    void aBodyThatIsNotJsonIsA400() {
        assertThatThrownBy(() -> read("{\"model\":"))
                .isInstanceOfSatisfying(GatewayException.class, e -> {
                    assertThat(e.error().status()).isEqualTo(400);
                    assertThat(e.error().code()).isEqualTo("invalid_json");
                });
    }
}
