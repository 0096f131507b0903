package dev.tollgate.wire.openai;

import static dev.tollgate.wire.Invalid.optBoolean;
import static dev.tollgate.wire.Invalid.optNumber;
import static dev.tollgate.wire.Invalid.optPositiveInt;
import static dev.tollgate.wire.Invalid.optString;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

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
import dev.tollgate.wire.Invalid;
import dev.tollgate.wire.Json;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * Reads a Chat Completions request into the canonical call. System and developer messages become the system text
 * (in order, wherever they were); {@code tool} messages become tool results in a user turn, consecutive ones (and a
 * user message right after them) merged into one turn as Anthropic expects; an assistant's {@code tool_calls} become
 * tool uses, their {@code arguments} parsed (not JSON: 400). Fields the canonical call does not model are kept in
 * {@link CanonicalRequest#extra()}. Every problem is a 400 naming the field. Stateless, thread-safe.
 */
public final class OpenAiRequestReader {

    private OpenAiRequestReader() {
    }

    public static CanonicalRequest read(byte[] body) {
        JsonNode root = Json.requestTree(body);
        String model = Json.text(root.get("model"));
        if (model == null || model.isBlank()) {
            throw Invalid.missing("model");
        }
        CanonicalRequest.Builder b = CanonicalRequest.builder(WireFormat.OPENAI_CHAT, model);
        List<Part.Text> system = new ArrayList<>();
        b.messages(messages(root.get("messages"), system));
        b.system(system);
        for (Map.Entry<String, JsonNode> field : root.properties()) {
            String name = field.getKey();
            JsonNode v = field.getValue();
            switch (name) {
                case "model", "messages" -> { }
                case "max_tokens", "max_completion_tokens" -> { }
                case "tools" -> b.tools(tools(v));
                case "tool_choice" -> {
                    ToolChoice choice = toolChoice(v);
                    if (choice != null) {
                        b.toolChoice(choice);
                    } else if (!v.isNull()) {
                        b.extra(name, Json.raw(v));
                    }
                }
                case "parallel_tool_calls" -> b.parallelToolCalls(optBoolean(v, name));
                case "stop" -> b.stopSequences(stop(v));
                case "temperature" -> b.temperature(optNumber(v, name));
                case "top_p" -> b.topP(optNumber(v, name));
                case "n" -> b.n(optPositiveInt(v, name));
                case "stream" -> b.stream(Boolean.TRUE.equals(optBoolean(v, name)));
                case "stream_options" -> b.clientWantsUsage(v.path("include_usage").asBoolean(false));
                case "reasoning_effort" -> b.effort(optString(v, name));
                case "response_format" -> b.responseFormat(responseFormat(v));
                case "user" -> b.user(optString(v, name));
                default -> {
                    if (!v.isNull()) {
                        b.extra(name, Json.raw(v));
                    }
                }
            }
        }
        Integer completion = optPositiveInt(root.get("max_completion_tokens"), "max_completion_tokens");
        Integer tokens = optPositiveInt(root.get("max_tokens"), "max_tokens");
        b.maxOutputTokens(completion != null ? completion : tokens);
        return b.build();
    }

    private static List<Message> messages(JsonNode messages, List<Part.Text> system) {
        if (messages == null || messages.isNull()) {
            throw Invalid.missing("messages");
        }
        if (!messages.isArray() || messages.isEmpty()) {
            throw Invalid.type("messages", "a non-empty array");
        }
        List<Message> out = new ArrayList<>();
        boolean toolTurn = false;
        for (int i = 0; i < messages.size(); i++) {
            JsonNode m = messages.get(i);
            String at = "messages[" + i + "]";
            if (!m.isObject()) {
                throw Invalid.type(at, "an object");
            }
            String role = Json.text(m.get("role"));
            if (role == null) {
                throw Invalid.missing(at + ".role");
            }
            switch (role) {
                case "system", "developer" -> system.addAll(textParts(m.get("content"), at + ".content"));
                case "user" -> {
                    List<Part> parts = userParts(m.get("content"), at + ".content");
                    if (toolTurn) {
                        out.set(out.size() - 1, merged(out.get(out.size() - 1), parts));
                    } else {
                        out.add(new Message(Role.USER, parts));
                    }
                    toolTurn = false;
                    continue;
                }
                case "assistant" -> out.add(new Message(Role.ASSISTANT, assistantParts(m, at)));
                case "tool" -> {
                    String id = Json.text(m.get("tool_call_id"));
                    if (id == null) {
                        throw Invalid.missing(at + ".tool_call_id");
                    }
                    List<Part> content = new ArrayList<>(textParts(m.get("content"), at + ".content"));
                    Part result = new Part.ToolResult(id, content, false, null);
                    if (toolTurn) {
                        out.set(out.size() - 1, merged(out.get(out.size() - 1), List.of(result)));
                    } else {
                        out.add(new Message(Role.USER, List.of(result)));
                    }
                    toolTurn = true;
                    continue;
                }
                case "function" -> throw Invalid.value(at + ".role",
                        "the deprecated 'function' role is not supported; use 'tool' messages.");
                default -> throw Invalid.value(at + ".role",
                        "must be one of system, developer, user, assistant, tool, but was '" + role + "'.");
            }
            toolTurn = false;
        }
        return out;
    }

    private static Message merged(Message turn, List<Part> more) {
        List<Part> parts = new ArrayList<>(turn.content());
        parts.addAll(more);
        return new Message(Role.USER, parts);
    }

    /** A content that may only hold text: a string, or an array of text parts. */
    private static List<Part.Text> textParts(JsonNode content, String at) {
        if (content == null || content.isNull()) {
            return List.of();
        }
        if (content.isString()) {
            return List.of(Part.Text.of(content.stringValue()));
        }
        if (!content.isArray()) {
            throw Invalid.type(at, "a string or an array of text parts");
        }
        List<Part.Text> out = new ArrayList<>();
        for (int j = 0; j < content.size(); j++) {
            JsonNode part = content.get(j);
            String type = Json.text(part.get("type"));
            String text = Json.text(part.get("text"));
            if (!"text".equals(type) || text == null) {
                throw Invalid.type(at + "[" + j + "]", "a text part ({\"type\":\"text\",\"text\":...})");
            }
            out.add(Part.Text.of(text));
        }
        return out;
    }

    private static List<Part> userParts(JsonNode content, String at) {
        if (content == null || content.isNull()) {
            throw Invalid.missing(at);
        }
        if (content.isString()) {
            return List.of(Part.Text.of(content.stringValue()));
        }
        if (!content.isArray()) {
            throw Invalid.type(at, "a string or an array of content parts");
        }
        List<Part> out = new ArrayList<>();
        for (int j = 0; j < content.size(); j++) {
            JsonNode part = content.get(j);
            String pat = at + "[" + j + "]";
            String type = Json.text(part.get("type"));
            if (type == null) {
                throw Invalid.missing(pat + ".type");
            }
            switch (type) {
                case "text" -> {
                    String text = Json.text(part.get("text"));
                    if (text == null) {
                        throw Invalid.missing(pat + ".text");
                    }
                    out.add(Part.Text.of(text));
                }
                case "image_url" -> out.add(image(part.get("image_url"), pat + ".image_url"));
                default -> out.add(new Part.Opaque(type, Json.raw(part)));
            }
        }
        return out;
    }

    private static Part.Image image(JsonNode imageUrl, String at) {
        String url;
        String detail = null;
        if (imageUrl != null && imageUrl.isString()) {
            url = imageUrl.stringValue();
        } else if (imageUrl != null && imageUrl.isObject()) {
            url = Json.text(imageUrl.get("url"));
            detail = Json.text(imageUrl.get("detail"));
        } else {
            throw Invalid.missing(at + ".url");
        }
        if (url == null) {
            throw Invalid.missing(at + ".url");
        }
        return new Part.Image(imageSource(url, at + ".url"), detail, null);
    }

    /** A data URL ({@code data:image/png;base64,...}) or an http(s) URL. */
    static ImageSource imageSource(String url, String at) {
        if (url.startsWith("data:")) {
            int comma = url.indexOf(',');
            int semi = url.indexOf(";base64");
            if (comma < 0 || semi < 0 || semi > comma) {
                throw Invalid.value(at, "a data URL must be base64 (data:<media type>;base64,<data>).");
            }
            return new ImageSource.Base64(url.substring(5, semi), url.substring(comma + 1));
        }
        if (url.startsWith("https://") || url.startsWith("http://")) {
            return new ImageSource.Url(url);
        }
        throw Invalid.value(at, "must be an http(s) URL or a base64 data URL.");
    }

    private static List<Part> assistantParts(JsonNode m, String at) {
        List<Part> out = new ArrayList<>();
        String reasoning = Json.text(m.get("reasoning_content"));
        if (reasoning != null && !reasoning.isEmpty()) {
            out.add(new Part.Thinking(reasoning, null));
        }
        JsonNode content = m.get("content");
        if (content != null && content.isString()) {
            if (!content.stringValue().isEmpty()) {
                out.add(Part.Text.of(content.stringValue()));
            }
        } else if (content != null && content.isArray()) {
            for (int j = 0; j < content.size(); j++) {
                JsonNode part = content.get(j);
                String type = Json.text(part.get("type"));
                String text = "refusal".equals(type) ? Json.text(part.get("refusal")) : Json.text(part.get("text"));
                if (!"text".equals(type) && !"refusal".equals(type) || text == null) {
                    throw Invalid.type(at + ".content[" + j + "]", "a text or refusal part");
                }
                out.add(Part.Text.of(text));
            }
        } else if (content != null && !content.isNull()) {
            throw Invalid.type(at + ".content", "a string, an array of text parts, or null");
        }
        String refusal = Json.text(m.get("refusal"));
        if (refusal != null && !refusal.isEmpty()) {
            out.add(Part.Text.of(refusal));
        }
        JsonNode calls = m.get("tool_calls");
        if (calls != null && !calls.isNull()) {
            if (!calls.isArray()) {
                throw Invalid.type(at + ".tool_calls", "an array");
            }
            for (int j = 0; j < calls.size(); j++) {
                out.add(toolCall(calls.get(j), at + ".tool_calls[" + j + "]"));
            }
        }
        if (m.hasNonNull("function_call")) {
            throw Invalid.value(at + ".function_call",
                    "the deprecated function_call is not supported; use tool_calls.");
        }
        return out;
    }

    private static Part toolCall(JsonNode call, String at) {
        String type = Json.text(call.get("type"));
        if (type != null && !"function".equals(type)) {
            return new Part.Opaque(type, Json.raw(call));
        }
        String id = Json.text(call.get("id"));
        if (id == null) {
            throw Invalid.missing(at + ".id");
        }
        JsonNode function = call.path("function");
        String name = Json.text(function.get("name"));
        if (name == null) {
            throw Invalid.missing(at + ".function.name");
        }
        String arguments = Json.text(function.get("arguments"));
        if (arguments == null) {
            throw Invalid.missing(at + ".function.arguments");
        }
        try {
            RawJson input = arguments.isBlank() ? RawJson.EMPTY_OBJECT : Json.parseRaw(arguments);
            if (!input.isObject()) {
                throw Invalid.value(at + ".function.arguments", "must be a JSON object.");
            }
            return new Part.ToolUse(id, name, input, null);
        } catch (JacksonException e) {
            throw Invalid.value(at + ".function.arguments", "is not valid JSON: " + e.getOriginalMessage());
        }
    }

    private static List<ToolDef> tools(JsonNode tools) {
        if (tools == null || tools.isNull()) {
            return List.of();
        }
        if (!tools.isArray()) {
            throw Invalid.type("tools", "an array");
        }
        List<ToolDef> out = new ArrayList<>();
        for (int i = 0; i < tools.size(); i++) {
            JsonNode tool = tools.get(i);
            String at = "tools[" + i + "]";
            String type = Json.text(tool.get("type"));
            if (!"function".equals(type)) {
                if (type == null) {
                    throw Invalid.missing(at + ".type");
                }
                out.add(new ToolDef.Opaque(type, Json.text(tool.path(type).get("name")), Json.raw(tool)));
                continue;
            }
            JsonNode function = tool.get("function");
            if (function == null || !function.isObject()) {
                throw Invalid.missing(at + ".function");
            }
            String name = Json.text(function.get("name"));
            if (name == null) {
                throw Invalid.missing(at + ".function.name");
            }
            JsonNode parameters = function.get("parameters");
            if (parameters != null && !parameters.isNull() && !parameters.isObject()) {
                throw Invalid.type(at + ".function.parameters", "a JSON schema object");
            }
            out.add(new ToolDef.Function(name, Json.text(function.get("description")),
                    parameters == null || parameters.isNull() ? null : Json.raw(parameters),
                    optBoolean(function.get("strict"), at + ".function.strict"), null));
        }
        return out;
    }

    /** The modelled tool choices; null for a shape the canonical call does not model (kept raw). */
    private static ToolChoice toolChoice(JsonNode v) {
        if (v.isString()) {
            return switch (v.stringValue()) {
                case "auto" -> ToolChoice.AUTO;
                case "required" -> ToolChoice.ANY;
                case "none" -> ToolChoice.NONE;
                default -> throw Invalid.value("tool_choice", "must be none, auto, required or a function, but was '"
                        + v.stringValue() + "'.");
            };
        }
        if (v.isObject() && "function".equals(Json.text(v.get("type")))) {
            String name = Json.text(v.path("function").get("name"));
            if (name == null) {
                throw Invalid.missing("tool_choice.function.name");
            }
            return ToolChoice.tool(name);
        }
        return null;
    }

    private static List<String> stop(JsonNode v) {
        if (v == null || v.isNull()) {
            return List.of();
        }
        if (v.isString()) {
            return List.of(v.stringValue());
        }
        if (!v.isArray()) {
            throw Invalid.type("stop", "a string or an array of strings");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode s : v) {
            if (!s.isString()) {
                throw Invalid.type("stop", "a string or an array of strings");
            }
            out.add(s.stringValue());
        }
        return out;
    }

    private static ResponseFormat responseFormat(JsonNode v) {
        if (v == null || v.isNull()) {
            return null;
        }
        String type = Json.text(v.get("type"));
        if (type == null) {
            throw Invalid.missing("response_format.type");
        }
        return switch (type) {
            case "text" -> ResponseFormat.TEXT;
            case "json_object" -> ResponseFormat.JSON_OBJECT;
            case "json_schema" -> {
                JsonNode js = v.get("json_schema");
                if (js == null || !js.isObject()) {
                    throw Invalid.missing("response_format.json_schema");
                }
                JsonNode schema = js.get("schema");
                String name = Json.text(js.get("name"));
                if (name == null) {
                    throw Invalid.missing("response_format.json_schema.name");
                }
                yield new ResponseFormat(ResponseFormat.Kind.JSON_SCHEMA, name, Json.text(js.get("description")),
                        schema == null || schema.isNull() ? RawJson.EMPTY_OBJECT : Json.raw(schema),
                        optBoolean(js.get("strict"), "response_format.json_schema.strict"));
            }
            default -> throw Invalid.value("response_format.type",
                    "must be text, json_object or json_schema, but was '" + type + "'.");
        };
    }
}
