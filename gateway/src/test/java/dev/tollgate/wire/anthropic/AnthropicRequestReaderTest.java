package dev.tollgate.wire.anthropic;

import static dev.tollgate.wire.Transcripts.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.tollgate.api.GatewayException;
import dev.tollgate.call.CacheControl;
import dev.tollgate.call.CanonicalRequest;
import dev.tollgate.call.ImageSource;
import dev.tollgate.call.Message;
import dev.tollgate.call.Part;
import dev.tollgate.call.RawJson;
import dev.tollgate.call.ResponseFormat;
import dev.tollgate.call.ThinkingConfig;
import dev.tollgate.call.ToolChoice;
import dev.tollgate.call.ToolDef;
import dev.tollgate.call.WireFormat;

class AnthropicRequestReaderTest {

    private static CanonicalRequest read(String json) {
        return AnthropicRequestReader.read(utf8(json));
    }

    @Test
    void aToolUseConversationIsRead() {
        CanonicalRequest r = read("""
                {"model":"claude-sonnet-4-5","max_tokens":1024,
                 "system":[{"type":"text","text":"You are terse."},
                   {"type":"text","text":"<long doc>","cache_control":{"type":"ephemeral","ttl":"1h"}}],
                 "messages":[
                   {"role":"user","content":[{"type":"text","text":"What is in this image?"},
                     {"type":"image","source":{"type":"base64","media_type":"image/jpeg","data":"/9j/4AAQ"}},
                     {"type":"image","source":{"type":"url","url":"https://example.com/a.png"}}]},
                   {"role":"assistant","content":[
                     {"type":"thinking","thinking":"Need the tool.","signature":"EqQB"},
                     {"type":"redacted_thinking","data":"EmwKAhgB"},
                     {"type":"tool_use","id":"toolu_01A","name":"describe","input":{"detail":"high"}}]},
                   {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_01A","content":"a cat",
                     "is_error":false,"cache_control":{"type":"ephemeral"}},{"type":"text","text":"and?"}]}],
                 "tools":[{"name":"describe","description":"Describes","input_schema":{"type":"object"}},
                   {"type":"web_search_20250305","name":"web_search","max_uses":5}],
                 "tool_choice":{"type":"auto","disable_parallel_tool_use":true},
                 "thinking":{"type":"enabled","budget_tokens":2048},
                 "metadata":{"user_id":"u-1"},"stop_sequences":["###"],"temperature":1,"top_k":40,"stream":true,
                 "service_tier":"auto"}""");

        assertThat(r.source()).isEqualTo(WireFormat.ANTHROPIC_MESSAGES);
        assertThat(r.maxOutputTokens()).isEqualTo(1024);
        assertThat(r.system()).containsExactly(Part.Text.of("You are terse."),
                new Part.Text("<long doc>", new CacheControl("ephemeral", "1h")));
        assertThat(r.messages()).containsExactly(
                Message.user(Part.Text.of("What is in this image?"),
                        new Part.Image(new ImageSource.Base64("image/jpeg", "/9j/4AAQ"), null, null),
                        new Part.Image(new ImageSource.Url("https://example.com/a.png"), null, null)),
                Message.assistant(new Part.Thinking("Need the tool.", "EqQB"), new Part.RedactedThinking("EmwKAhgB"),
                        new Part.ToolUse("toolu_01A", "describe", new RawJson("{\"detail\":\"high\"}"), null)),
                Message.user(new Part.ToolResult("toolu_01A", List.of(Part.Text.of("a cat")), false,
                        CacheControl.EPHEMERAL), Part.Text.of("and?")));
        assertThat(r.tools()).containsExactly(
                new ToolDef.Function("describe", "Describes", new RawJson("{\"type\":\"object\"}"), null, null),
                new ToolDef.Opaque("web_search_20250305", "web_search",
                        new RawJson("{\"type\":\"web_search_20250305\",\"name\":\"web_search\",\"max_uses\":5}")));
        assertThat(r.toolChoice()).isEqualTo(ToolChoice.AUTO);
        assertThat(r.parallelToolCalls()).isFalse();
        assertThat(r.thinking()).isEqualTo(new ThinkingConfig.Budget(2048));
        assertThat(r.usesReasoning()).isTrue();
        assertThat(r.user()).isEqualTo("u-1");
        assertThat(r.stopSequences()).containsExactly("###");
        assertThat(r.temperature()).isEqualTo(1.0);
        assertThat(r.topK()).isEqualTo(40);
        assertThat(r.stream()).isTrue();
        assertThat(r.clientWantsUsage()).isTrue();
        assertThat(r.extra()).containsOnlyKeys("service_tier");
    }

    @Test
    void adaptiveThinkingEffortAndStructuredOutputAreRead() {
        CanonicalRequest r = read("""
                {"model":"claude-opus-4-6","max_tokens":4096,"messages":[{"role":"user","content":"hi"}],
                 "thinking":{"type":"adaptive"},
                 "output_config":{"effort":"medium","format":{"type":"json_schema","schema":{"type":"object"}}}}""");

        assertThat(r.thinking()).isEqualTo(ThinkingConfig.ADAPTIVE);
        assertThat(r.effort()).isEqualTo("medium");
        assertThat(r.responseFormat()).isEqualTo(new ResponseFormat(ResponseFormat.Kind.JSON_SCHEMA, null, null,
                new RawJson("{\"type\":\"object\"}"), null));
        assertThat(r.extra()).isEmpty();
    }

    @Test
    void blocksTheCallDoesNotModelAreKeptAsTheyCame() {
        CanonicalRequest r = read("""
                {"model":"c","max_tokens":10,"messages":[{"role":"user","content":[
                  {"type":"document","source":{"type":"url","url":"https://example.com/a.pdf"}},
                  {"type":"image","source":{"type":"file","file_id":"file_011"}}]}],
                 "mcp_servers":[{"type":"url","url":"https://mcp.example.com","name":"x"}]}""");

        assertThat(r.messages().get(0).content()).containsExactly(
                new Part.Opaque("document",
                        new RawJson("{\"type\":\"document\",\"source\":{\"type\":\"url\",\"url\":\"https://example.com/a.pdf\"}}")),
                new Part.Opaque("image",
                        new RawJson("{\"type\":\"image\",\"source\":{\"type\":\"file\",\"file_id\":\"file_011\"}}")));
        assertThat(r.extra()).containsOnlyKeys("mcp_servers");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "no max_tokens      | {\"model\":\"c\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}                                  | max_tokens",
            "no model           | {\"max_tokens\":5,\"messages\":[]}                                                                      | model",
            "no messages        | {\"model\":\"c\",\"max_tokens\":5}                                                                      | messages",
            "system role        | {\"model\":\"c\",\"max_tokens\":5,\"messages\":[{\"role\":\"system\",\"content\":\"hi\"}]}             | messages.0.role",
            "block without type | {\"model\":\"c\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"hi\"}]}]}  | messages.0.content.0.type",
            "tool_use no input  | {\"model\":\"c\",\"max_tokens\":5,\"messages\":[{\"role\":\"assistant\",\"content\":[{\"type\":\"tool_use\",\"id\":\"t\",\"name\":\"f\"}]}]} | messages.0.content.0.input",
            "tool_result no id  | {\"model\":\"c\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"content\":\"x\"}]}]} | messages.0.content.0.tool_use_id",
            "thinking no budget | {\"model\":\"c\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"thinking\":{\"type\":\"enabled\"}} | thinking.budget_tokens",
            "bad tool choice    | {\"model\":\"c\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"tool_choice\":{\"type\":\"required\"}} | tool_choice.type",
            "tool no schema     | {\"model\":\"c\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"tools\":[{\"name\":\"f\"}]} | tools.0.input_schema",
            "max_tokens string  | {\"model\":\"c\",\"max_tokens\":\"5\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}             | max_tokens",
    })
    void problemsAre400sNamingTheField(String what, String json, String param) {
        assertThatThrownBy(() -> read(json))
                .isInstanceOfSatisfying(GatewayException.class, e -> {
                    assertThat(e.error().status()).isEqualTo(400);
                    assertThat(e.error().param()).isEqualTo(param);
                    assertThat(new String(AnthropicErrors.toJson(e.error()))).startsWith(
                            "{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\",\"message\":\""
                                    + param + ":");
                });
    }
}
