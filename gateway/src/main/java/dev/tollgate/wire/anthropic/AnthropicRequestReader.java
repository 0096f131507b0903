package dev.tollgate.wire.anthropic;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.tollgate.call.CacheControl;
import dev.tollgate.call.CanonicalRequest;
import dev.tollgate.call.ImageSource;
import dev.tollgate.call.Message;
import dev.tollgate.call.Part;
import dev.tollgate.call.ResponseFormat;
import dev.tollgate.call.Role;
import dev.tollgate.call.ThinkingConfig;
import dev.tollgate.call.ToolChoice;
import dev.tollgate.call.ToolDef;
import dev.tollgate.call.WireFormat;
import dev.tollgate.wire.Invalid;
import dev.tollgate.wire.Json;
import tools.jackson.databind.JsonNode;

/**
 * Reads a Messages request ({@code POST /v1/messages}) into the canonical call. Blocks the canonical call does not
 * model (documents, search results, server-tool blocks, images from the Files API) are kept as opaque parts, typed
 * tools (web search, code execution...) as opaque tools, unmodelled top-level fields ({@code container},
 * {@code mcp_servers}, {@code service_tier}...) in {@link CanonicalRequest#extra()}: they reach an Anthropic backend as they
 * came and are refused for any other. Every problem is a 400 naming the field in Anthropic's path style
 * ({@code messages.0.content.1.type}). Stateless, thread-safe.
 */
public final class AnthropicRequestReader {

    private AnthropicRequestReader() {
    }

    public static CanonicalRequest read(byte[] body) {
        JsonNode root = Json.requestTree(body);
        String model = Json.text(root.get("model"));
        if (model == null || model.isBlank()) {
            throw Invalid.missing("model");
        }
        JsonNode maxTokens = root.get("max_tokens");
        if (maxTokens == null || maxTokens.isNull()) {
            throw Invalid.missing("max_tokens");
        }
        CanonicalRequest.Builder b = CanonicalRequest.builder(WireFormat.ANTHROPIC_MESSAGES, model)
                .maxOutputTokens(positiveInt(maxTokens, "max_tokens"))
                .messages(messages(root.get("messages")))
                .clientWantsUsage(true);
        ResponseFormat format = null;
        for (Map.Entry<String, JsonNode> field : root.properties()) {
            String name = field.getKey();
            JsonNode v = field.getValue();
            if (v.isNull()) {
                continue;
            }
            switch (name) {
                case "model", "messages", "max_tokens" -> { }
                case "system" -> b.system(system(v));
                case "metadata" -> {
                    if (!v.isObject()) {
                        throw Invalid.type("metadata", "an object");
                    }
                    b.user(string(v.get("user_id"), "metadata.user_id"));
                }
                case "stop_sequences" -> b.stopSequences(stopSequences(v));
                case "stream" -> b.stream(bool(v, "stream"));
                case "temperature" -> b.temperature(number(v, "temperature"));
                case "top_p" -> b.topP(number(v, "top_p"));
                case "top_k" -> b.topK(nonNegativeInt(v, "top_k"));
                case "tools" -> b.tools(tools(v));
                case "tool_choice" -> toolChoice(v, b);
                case "thinking" -> b.thinking(thinking(v));
                case "output_config" -> {
                    if (!v.isObject()) {
                        throw Invalid.type("output_config", "an object");
                    }
                    b.effort(string(v.get("effort"), "output_config.effort"));
                    JsonNode f = v.get("format");
                    if (f != null && !f.isNull()) {
                        format = outputFormat(f, "output_config.format");
                    }
                    if (v.size() > (v.has("effort") ? 1 : 0) + (v.has("format") ? 1 : 0)) {
                        b.extra(name, Json.raw(v));
                    }
                }
                case "output_format" -> format = outputFormat(v, "output_format");
                default -> b.extra(name, Json.raw(v));
            }
        }
        return b.responseFormat(format).build();
    }

    private static List<Part.Text> system(JsonNode v) {
        if (v.isString()) {
            return List.of(Part.Text.of(v.stringValue()));
        }
        if (!v.isArray()) {
            throw Invalid.type("system", "a string or an array of text blocks");
        }
        List<Part.Text> out = new ArrayList<>();
        for (int i = 0; i < v.size(); i++) {
            JsonNode block = v.get(i);
            String at = "system." + i;
            if (!"text".equals(Json.text(block.get("type")))) {
                throw Invalid.value(at + ".type", "must be 'text'.");
            }
            out.add(new Part.Text(requiredString(block.get("text"), at + ".text"), cache(block, at)));
        }
        return out;
    }

    private static List<Message> messages(JsonNode messages) {
        if (messages == null || messages.isNull()) {
            throw Invalid.missing("messages");
        }
        if (!messages.isArray()) {
            throw Invalid.type("messages", "an array");
        }
        List<Message> out = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            JsonNode m = messages.get(i);
            String at = "messages." + i;
            if (!m.isObject()) {
                throw Invalid.type(at, "an object");
            }
            String role = Json.text(m.get("role"));
            if (role == null) {
                throw Invalid.missing(at + ".role");
            }
            Role r = switch (role) {
                case "user" -> Role.USER;
                case "assistant" -> Role.ASSISTANT;
                default -> throw Invalid.value(at + ".role", "must be 'user' or 'assistant', but was '" + role + "'.");
            };
            out.add(new Message(r, content(m.get("content"), at + ".content")));
        }
        return out;
    }

    private static List<Part> content(JsonNode content, String at) {
        if (content == null || content.isNull()) {
            throw Invalid.missing(at);
        }
        if (content.isString()) {
            return List.of(Part.Text.of(content.stringValue()));
        }
        if (!content.isArray()) {
            throw Invalid.type(at, "a string or an array of content blocks");
        }
        List<Part> out = new ArrayList<>();
        for (int j = 0; j < content.size(); j++) {
            out.add(block(content.get(j), at + "." + j));
        }
        return out;
    }

    private static Part block(JsonNode block, String at) {
        if (!block.isObject()) {
            throw Invalid.type(at, "an object");
        }
        String type = Json.text(block.get("type"));
        if (type == null) {
            throw Invalid.missing(at + ".type");
        }
        return switch (type) {
            case "text" -> new Part.Text(requiredString(block.get("text"), at + ".text"), cache(block, at));
            case "image" -> image(block, at);
            case "tool_use" -> {
                JsonNode input = block.get("input");
                if (input == null || !input.isObject()) {
                    throw Invalid.type(at + ".input", "an object");
                }
                yield new Part.ToolUse(requiredString(block.get("id"), at + ".id"),
                        requiredString(block.get("name"), at + ".name"), Json.raw(input), cache(block, at));
            }
            case "tool_result" -> toolResult(block, at);
            case "thinking" -> new Part.Thinking(requiredString(block.get("thinking"), at + ".thinking"),
                    Json.text(block.get("signature")));
            case "redacted_thinking" -> new Part.RedactedThinking(requiredString(block.get("data"), at + ".data"));
            default -> new Part.Opaque(type, Json.raw(block));
        };
    }

    private static Part image(JsonNode block, String at) {
        JsonNode source = block.get("source");
        if (source == null || !source.isObject()) {
            throw Invalid.missing(at + ".source");
        }
        String type = Json.text(source.get("type"));
        if ("base64".equals(type)) {
            return new Part.Image(new ImageSource.Base64(
                    requiredString(source.get("media_type"), at + ".source.media_type"),
                    requiredString(source.get("data"), at + ".source.data")), null, cache(block, at));
        }
        if ("url".equals(type)) {
            return new Part.Image(new ImageSource.Url(requiredString(source.get("url"), at + ".source.url")), null,
                    cache(block, at));
        }
        if (type == null) {
            throw Invalid.missing(at + ".source.type");
        }
        return new Part.Opaque("image", Json.raw(block));
    }

    private static Part toolResult(JsonNode block, String at) {
        String id = requiredString(block.get("tool_use_id"), at + ".tool_use_id");
        JsonNode content = block.get("content");
        List<Part> parts = new ArrayList<>();
        if (content != null && content.isString()) {
            parts.add(Part.Text.of(content.stringValue()));
        } else if (content != null && content.isArray()) {
            for (int k = 0; k < content.size(); k++) {
                parts.add(block(content.get(k), at + ".content." + k));
            }
        } else if (content != null && !content.isNull()) {
            throw Invalid.type(at + ".content", "a string or an array of content blocks");
        }
        JsonNode isError = block.get("is_error");
        boolean error = isError != null && !isError.isNull() && bool(isError, at + ".is_error");
        return new Part.ToolResult(id, parts, error, cache(block, at));
    }

    private static CacheControl cache(JsonNode block, String at) {
        JsonNode c = block.get("cache_control");
        if (c == null || c.isNull()) {
            return null;
        }
        if (!c.isObject()) {
            throw Invalid.type(at + ".cache_control", "an object");
        }
        return new CacheControl(requiredString(c.get("type"), at + ".cache_control.type"), Json.text(c.get("ttl")));
    }

    private static List<ToolDef> tools(JsonNode v) {
        if (!v.isArray()) {
            throw Invalid.type("tools", "an array");
        }
        List<ToolDef> out = new ArrayList<>();
        for (int i = 0; i < v.size(); i++) {
            JsonNode tool = v.get(i);
            String at = "tools." + i;
            if (!tool.isObject()) {
                throw Invalid.type(at, "an object");
            }
            String type = Json.text(tool.get("type"));
            String name = requiredString(tool.get("name"), at + ".name");
            if (type != null && !"custom".equals(type)) {
                out.add(new ToolDef.Opaque(type, name, Json.raw(tool)));
                continue;
            }
            JsonNode schema = tool.get("input_schema");
            if (schema == null || !schema.isObject()) {
                throw Invalid.type(at + ".input_schema", "a JSON schema object");
            }
            JsonNode strict = tool.get("strict");
            out.add(new ToolDef.Function(name, string(tool.get("description"), at + ".description"),
                    Json.raw(schema), strict == null || strict.isNull() ? null : bool(strict, at + ".strict"),
                    cache(tool, at)));
        }
        return out;
    }

    private static void toolChoice(JsonNode v, CanonicalRequest.Builder b) {
        if (!v.isObject()) {
            throw Invalid.type("tool_choice", "an object");
        }
        String type = requiredString(v.get("type"), "tool_choice.type");
        ToolChoice choice = switch (type) {
            case "auto" -> ToolChoice.AUTO;
            case "any" -> ToolChoice.ANY;
            case "none" -> ToolChoice.NONE;
            case "tool" -> ToolChoice.tool(requiredString(v.get("name"), "tool_choice.name"));
            default -> throw Invalid.value("tool_choice.type",
                    "must be auto, any, tool or none, but was '" + type + "'.");
        };
        b.toolChoice(choice);
        JsonNode disable = v.get("disable_parallel_tool_use");
        if (disable != null && !disable.isNull() && bool(disable, "tool_choice.disable_parallel_tool_use")) {
            b.parallelToolCalls(false);
        }
    }

    private static ThinkingConfig thinking(JsonNode v) {
        if (!v.isObject()) {
            throw Invalid.type("thinking", "an object");
        }
        String type = requiredString(v.get("type"), "thinking.type");
        return switch (type) {
            case "enabled" -> {
                JsonNode budget = v.get("budget_tokens");
                if (budget == null || budget.isNull()) {
                    throw Invalid.missing("thinking.budget_tokens");
                }
                yield new ThinkingConfig.Budget(positiveInt(budget, "thinking.budget_tokens"));
            }
            case "disabled" -> ThinkingConfig.DISABLED;
            case "adaptive" -> ThinkingConfig.ADAPTIVE;
            default -> throw Invalid.value("thinking.type",
                    "must be enabled, disabled or adaptive, but was '" + type + "'.");
        };
    }

    private static ResponseFormat outputFormat(JsonNode v, String at) {
        if (!v.isObject()) {
            throw Invalid.type(at, "an object");
        }
        String type = requiredString(v.get("type"), at + ".type");
        if (!"json_schema".equals(type)) {
            throw Invalid.value(at + ".type", "must be 'json_schema', but was '" + type + "'.");
        }
        JsonNode schema = v.get("schema");
        if (schema == null || !schema.isObject()) {
            throw Invalid.type(at + ".schema", "a JSON schema object");
        }
        return new ResponseFormat(ResponseFormat.Kind.JSON_SCHEMA, null, null, Json.raw(schema), null);
    }

    private static List<String> stopSequences(JsonNode v) {
        if (!v.isArray()) {
            throw Invalid.type("stop_sequences", "an array of strings");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode s : v) {
            if (!s.isString()) {
                throw Invalid.type("stop_sequences", "an array of strings");
            }
            out.add(s.stringValue());
        }
        return out;
    }

    private static String requiredString(JsonNode v, String at) {
        if (v == null || v.isNull()) {
            throw Invalid.missing(at);
        }
        if (!v.isString()) {
            throw Invalid.type(at, "a string");
        }
        return v.stringValue();
    }

    private static String string(JsonNode v, String at) {
        return v == null || v.isNull() ? null : requiredString(v, at);
    }

    private static boolean bool(JsonNode v, String at) {
        if (!v.isBoolean()) {
            throw Invalid.type(at, "a boolean");
        }
        return v.booleanValue();
    }

    private static Double number(JsonNode v, String at) {
        if (!v.isNumber()) {
            throw Invalid.type(at, "a number");
        }
        return v.doubleValue();
    }

    private static int positiveInt(JsonNode v, String at) {
        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < 1) {
            throw Invalid.type(at, "an integer >= 1");
        }
        return v.intValue();
    }

    private static int nonNegativeInt(JsonNode v, String at) {
        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < 0) {
            throw Invalid.type(at, "an integer >= 0");
        }
        return v.intValue();
    }
}
