package dev.tollgate.wire.responses;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.tollgate.api.ApiError;
import dev.tollgate.api.GatewayException;
import dev.tollgate.call.CanonicalRequest;
import dev.tollgate.call.ImageSource;
import dev.tollgate.call.Message;
import dev.tollgate.call.Part;
import dev.tollgate.call.ResponseFormat;
import dev.tollgate.call.Role;
import dev.tollgate.call.ToolChoice;
import dev.tollgate.call.ToolDef;
import dev.tollgate.call.WireFormat;
import dev.tollgate.pricing.Capability;
import dev.tollgate.wire.Json;
import dev.tollgate.wire.Untranslatable;

class ResponsesRequestTest {

    private static ResponsesRequest parse(String json) {
        return ResponsesRequest.parse(json.getBytes(StandardCharsets.UTF_8), Json.mapper());
    }

    private static ApiError refusal(String json) {
        try {
            parse(json);
        } catch (GatewayException e) {
            return e.error();
        }
        throw new AssertionError("not refused: " + json);
    }

    @Test
    void onePassReadsWhatRoutingAndAdmissionNeed() {
        ResponsesRequest r = parse("""
                {"model":"gpt-4.1","stream":true,"max_output_tokens":300,"input":[
                  {"role":"user","content":[{"type":"input_text","text":"What is here?"},
                    {"type":"input_image","image_url":"data:image/png;base64,AAAA"}]}],
                 "tools":[{"type":"function","name":"f","parameters":{"type":"object"}}],
                 "text":{"format":{"type":"json_schema","name":"x","schema":{"type":"object"}}},
                 "reasoning":{"effort":"low"}}""");
        assertThat(r.format()).isEqualTo(WireFormat.OPENAI_RESPONSES);
        assertThat(r.model()).isEqualTo("gpt-4.1");
        assertThat(r.stream()).isTrue();
        assertThat(r.clientWantsUsage()).isTrue();
        assertThat(r.maxOutputTokens()).isEqualTo(300);
        assertThat(r.images()).isEqualTo(1);
        assertThat(r.needs()).containsExactlyInAnyOrder(Capability.VISION, Capability.TOOLS, Capability.JSON_SCHEMA,
                Capability.REASONING);
        assertThat(r.usesStoredState()).isFalse();
        // body bytes less the 26 characters of the data URL, plus 1000 for the image, plus the tools' overhead
        assertThat(r.promptBoundTokens(1000)).isEqualTo(r.body().length - 26 + 1000 + 512);
    }

    @Test
    void problemsAre400sNamingTheField() {
        assertThat(refusal("{\"input\":\"hi\"}").param()).isEqualTo("model");
        assertThat(refusal("{\"model\":\"m\"}").param()).isEqualTo("input");
        assertThat(refusal("{\"model\":\"m\",\"input\":[]}").param()).isEqualTo("input");
        assertThat(refusal("{\"model\":\"m\",\"input\":\"hi\",\"max_output_tokens\":0}").param())
                .isEqualTo("max_output_tokens");
        assertThat(refusal("{\"model\":\"m\",\"input\":\"hi\",\"stream\":\"yes\"}").param()).isEqualTo("stream");
        // a continuation of a stored response needs no input
        assertThat(parse("{\"model\":\"m\",\"previous_response_id\":\"resp_1\"}").usesStoredState()).isTrue();
        assertThat(parse("{\"model\":\"m\",\"previous_response_id\":\"resp_1\"}").promptHiddenUpstream()).isTrue();
    }

    @Test
    void theCapIsSplicedIntoTheClientsBytesAndTheModelRenamedOnce() {
        String body = "{\"model\":\"gpt-4.1\",\"input\":\"hi\",\"max_output_tokens\":4000}";
        ResponsesRequest r = parse(body);
        assertThat(r.upstreamBody("gpt-4.1", 0)).isSameAs(r.body());
        assertThat(new String(r.upstreamBody("gpt-4.1", 120), StandardCharsets.UTF_8))
                .isEqualTo("{\"model\":\"gpt-4.1\",\"input\":\"hi\",\"max_output_tokens\":120}");
        assertThat(r.upstreamBody("gpt-4.1", 5000)).isSameAs(r.body()); // the client's own cap is lower
        ResponsesRequest uncapped = parse("{\"model\":\"gpt-4.1\",\"input\":\"hi\"}");
        assertThat(new String(uncapped.upstreamBody("gpt-4.1", 64), StandardCharsets.UTF_8))
                .isEqualTo("{\"max_output_tokens\":64,\"model\":\"gpt-4.1\",\"input\":\"hi\"}");
        assertThat(Json.tree(r.upstreamBody("gpt-4.1-2025", 0)).path("model").asString()).isEqualTo("gpt-4.1-2025");
    }

    @Test
    void itemsBecomeTheCanonicalConversation() {
        CanonicalRequest c = parse("""
                {"model":"m","instructions":"Be brief.","temperature":0.5,"top_p":0.9,"max_output_tokens":50,
                 "parallel_tool_calls":false,"tool_choice":{"type":"function","name":"get_weather"},
                 "reasoning":{"effort":"high"},"user":"u1",
                 "text":{"format":{"type":"json_schema","name":"w","schema":{"type":"object"},"strict":true}},
                 "tools":[{"type":"function","name":"get_weather","description":"Weather","strict":true,
                           "parameters":{"type":"object","properties":{"city":{"type":"string"}}}}],
                 "input":[
                   {"role":"developer","content":"Use tools."},
                   {"type":"message","role":"user","content":[{"type":"input_text","text":"Weather in Paris?"},
                      {"type":"input_image","image_url":"https://example.com/a.png","detail":"low"}]},
                   {"type":"reasoning","id":"rs_1","summary":[]},
                   {"type":"function_call","call_id":"call_1","name":"get_weather","arguments":"{\\"city\\":\\"Paris\\"}"},
                   {"type":"function_call_output","call_id":"call_1","output":"18C"},
                   {"role":"user","content":"Thanks"}]}""").canonical();
        assertThat(c.source()).isEqualTo(WireFormat.OPENAI_RESPONSES);
        assertThat(c.system()).containsExactly(Part.Text.of("Be brief."), Part.Text.of("Use tools."));
        assertThat(c.messages()).containsExactly(
                new Message(Role.USER, List.of(Part.Text.of("Weather in Paris?"),
                        new Part.Image(new ImageSource.Url("https://example.com/a.png"), "low", null))),
                new Message(Role.ASSISTANT, List.of(new Part.ToolUse("call_1", "get_weather",
                        Json.parseRaw("{\"city\":\"Paris\"}"), null))),
                new Message(Role.USER, List.of(new Part.ToolResult("call_1", List.of(Part.Text.of("18C")), false,
                        null), Part.Text.of("Thanks"))));
        assertThat(c.tools()).containsExactly(new ToolDef.Function("get_weather", "Weather",
                Json.parseRaw("{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}}}"), true, null));
        assertThat(c.toolChoice()).isEqualTo(ToolChoice.tool("get_weather"));
        assertThat(c.parallelToolCalls()).isFalse();
        assertThat(c.maxOutputTokens()).isEqualTo(50);
        assertThat(c.temperature()).isEqualTo(0.5);
        assertThat(c.topP()).isEqualTo(0.9);
        assertThat(c.effort()).isEqualTo("high");
        assertThat(c.user()).isEqualTo("u1");
        assertThat(c.responseFormat()).isEqualTo(new ResponseFormat(ResponseFormat.Kind.JSON_SCHEMA, "w", null,
                Json.parseRaw("{\"type\":\"object\"}"), true));
        assertThat(c.extra()).isEmpty();
    }

    @Test
    void storedStateBuiltInToolsAndFilesAreRefusedTowardsOtherFormatsNamingTheField() {
        for (WireFormat target : List.of(WireFormat.OPENAI_CHAT, WireFormat.ANTHROPIC_MESSAGES)) {
            assertThat(check("\"store\":true", target).param()).isEqualTo("store");
            assertThat(check("\"store\":false", target)).isNull();
            assertThat(check("\"previous_response_id\":\"resp_1\"", target).param())
                    .isEqualTo("previous_response_id");
            assertThat(check("\"background\":true", target).param()).isEqualTo("background");
            assertThat(check("\"include\":[\"reasoning.encrypted_content\"]", target).param()).isEqualTo("include");
            assertThat(check("\"conversation\":\"conv_1\"", target).param()).isEqualTo("conversation");
            assertThat(check("\"tools\":[{\"type\":\"web_search\"}]", target).param()).isEqualTo("tools[0]");
            assertThat(check("\"metadata\":{\"a\":\"b\"},\"truncation\":\"disabled\"", target)).isNull();
            ApiError file = check("\"input\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_file\","
                    + "\"file_id\":\"file_1\"}]}]", target);
            assertThat(file.param()).isEqualTo("input");
            assertThat(file.message()).contains("input_file").contains(target.displayName());
        }
        assertThat(check("\"store\":true", WireFormat.OPENAI_CHAT).message())
                .contains("stored responses live at OpenAI");
        assertThat(check("\"text\":{\"format\":{\"type\":\"json_schema\",\"name\":\"x\",\"schema\":{}}}",
                WireFormat.ANTHROPIC_MESSAGES).param()).isEqualTo("text.format");
        assertThat(check("\"text\":{\"format\":{\"type\":\"json_schema\",\"name\":\"x\",\"schema\":{}}}",
                WireFormat.OPENAI_CHAT)).isNull();
        assertThat(check("\"store\":true", WireFormat.OPENAI_RESPONSES)).isNull();
    }

    private static ApiError check(String fields, WireFormat target) {
        String body = fields.contains("\"input\"") ? "{\"model\":\"m\"," + fields + "}"
                : "{\"model\":\"m\",\"input\":\"hi\"," + fields + "}";
        return Untranslatable.check(parse(body).canonical(), target);
    }
}
