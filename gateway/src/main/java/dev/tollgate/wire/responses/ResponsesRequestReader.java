package dev.tollgate.wire.responses;

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
 * Reads a Responses request into the canonical call. {@code instructions}, then system and developer messages, become
 * the system text; {@code input} as a string is one user message; as items: messages ({@code input_text},
 * {@code input_image}, an assistant's {@code output_text} and {@code refusal}), {@code function_call} items become
 * the assistant's tool uses (consecutive ones, and the assistant message before them, one turn), {@code
 * function_call_output} items tool results in a user turn (consecutive ones, and a user message right after them, one
 * turn, as Anthropic expects). {@code reasoning} items of the history are left out (their text is the provider's own,
 * encrypted or summarised; no other format can take it back). Any other item is kept as an opaque part, which no
 * other format can carry. Function tools have the flat shape ({@code {type, name, description, parameters, strict}});
 * built-in tools are kept opaque. {@code text.format} becomes the response format, {@code reasoning.effort} the effort.
 * Fields the canonical call does not model are kept in {@link CanonicalRequest#extra()} under their name
 * ({@code text.verbosity}, {@code reasoning.summary} under those dotted names). Every problem is a 400 naming the field.
 * Stateless, thread-safe.
 */
public final class ResponsesRequestReader {

    private ResponsesRequestReader() {
    }

    public static CanonicalRequest read(byte[] body) {
        JsonNode root = Json.requestTree(body);
        String model = Json.text(root.get("model"));
        if (model == null || model.isBlank()) {
            throw Invalid.missing("model");
        }
        CanonicalRequest.Builder b = CanonicalRequest.builder(WireFormat.OPENAI_RESPONSES, model);
        List<Part.Text> system = new ArrayList<>();
        JsonNode instructions = root.get("instructions");
        if (instructions != null && !instructions.isNull()) {
            if (!instructions.isString()) {
                throw Invalid.type("instructions", "a string");
            }
            system.add(Part.Text.of(instructions.stringValue()));
        }
        b.messages(input(root.get("input"), system));
        b.system(system);
        b.clientWantsUsage(true);
        for (Map.Entry<String, JsonNode> field : root.properties()) {
            String name = field.getKey();
            JsonNode v = field.getValue();
            switch (name) {
                case "model", "input", "instructions" -> { }
                case "max_output_tokens" -> b.maxOutputTokens(optPositiveInt(v, name));
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
                case "temperature" -> b.temperature(optNumber(v, name));
                case "top_p" -> b.topP(optNumber(v, name));
                case "stream" -> b.stream(Boolean.TRUE.equals(optBoolean(v, name)));
                case "reasoning" -> reasoning(v, b);
                case "text" -> text(v, b);
                case "user" -> b.user(optString(v, name));
                default -> {
                    if (!v.isNull()) {
                        b.extra(name, Json.raw(v));
                    }
                }
            }
        }
        return b.build();
    }

    private static void reasoning(JsonNode v, CanonicalRequest.Builder b) {
        if (v == null || v.isNull()) {
            return;
        }
        if (!v.isObject()) {
            throw Invalid.type("reasoning", "an object");
        }
        b.effort(optString(v.get("effort"), "reasoning.effort"));
        JsonNode summary = v.get("summary");
        if (summary != null && !summary.isNull()) {
            b.extra("reasoning.summary", Json.raw(summary));
        }
        JsonNode generate = v.get("generate_summary");
        if (generate != null && !generate.isNull()) {
            b.extra("reasoning.summary", Json.raw(generate));
        }
    }

    private static void text(JsonNode v, CanonicalRequest.Builder b) {
        if (v == null || v.isNull()) {
            return;
        }
        if (!v.isObject()) {
            throw Invalid.type("text", "an object");
        }
        JsonNode format = v.get("format");
        if (format != null && !format.isNull()) {
            String type = Json.text(format.get("type"));
            if (type == null) {
                throw Invalid.missing("text.format.type");
            }
            b.responseFormat(switch (type) {
                case "text" -> ResponseFormat.TEXT;
                case "json_object" -> ResponseFormat.JSON_OBJECT;
                case "json_schema" -> {
                    String name = Json.text(format.get("name"));
                    if (name == null) {
                        throw Invalid.missing("text.format.name");
                    }
                    JsonNode schema = format.get("schema");
                    if (schema == null || !schema.isObject()) {
                        throw Invalid.missing("text.format.schema");
                    }
                    yield new ResponseFormat(ResponseFormat.Kind.JSON_SCHEMA, name,
                            Json.text(format.get("description")), Json.raw(schema),
                            optBoolean(format.get("strict"), "text.format.strict"));
                }
                default -> throw Invalid.value("text.format.type",
                        "must be text, json_object or json_schema, but was '" + type + "'.");
            });
        }
        JsonNode verbosity = v.get("verbosity");
        if (verbosity != null && !verbosity.isNull()) {
            b.extra("text.verbosity", Json.raw(verbosity));
        }
    }

    private static List<Message> input(JsonNode input, List<Part.Text> system) {
        if (input == null || input.isNull()) {
            return List.of();
        }
        if (input.isString()) {
            return List.of(Message.user(Part.Text.of(input.stringValue())));
        }
        if (!input.isArray()) {
            throw Invalid.type("input", "a string or an array of input items");
        }
        Turns turns = new Turns();
        for (int i = 0; i < input.size(); i++) {
            JsonNode item = input.get(i);
            String at = "input[" + i + "]";
            if (!item.isObject()) {
                throw Invalid.type(at, "an object");
            }
            String type = Json.text(item.get("type"));
            if (type == null) {
                type = "message";
            }
            switch (type) {
                case "message" -> message(item, at, system, turns);
                case "function_call" -> turns.assistant(List.of(functionCall(item, at)));
                case "function_call_output" -> {
                    String callId = Json.text(item.get("call_id"));
                    if (callId == null) {
                        throw Invalid.missing(at + ".call_id");
                    }
                    turns.toolResult(new Part.ToolResult(callId, output(item.get("output"), at + ".output"), false,
                            null));
                }
                case "reasoning" -> { }
                default -> turns.user(List.of(new Part.Opaque(type, Json.raw(item))));
            }
        }
        return turns.out;
    }

    /** Builds the turns: consecutive parts of one side in one message; a user message after tool results joins them. */
    private static final class Turns {
        final List<Message> out = new ArrayList<>();
        boolean toolTurn;

        void user(List<Part> parts) {
            append(Role.USER, parts);
            toolTurn = false;
        }

        void toolResult(Part result) {
            append(Role.USER, List.of(result));
            toolTurn = true;
        }

        void assistant(List<Part> parts) {
            append(Role.ASSISTANT, parts);
            toolTurn = false;
        }

        private void append(Role role, List<Part> parts) {
            if (parts.isEmpty()) {
                return;
            }
            Message last = out.isEmpty() ? null : out.get(out.size() - 1);
            boolean join = last != null && last.role() == role
                    && (role == Role.ASSISTANT || toolTurn || parts.get(0) instanceof Part.ToolResult);
            if (join) {
                List<Part> merged = new ArrayList<>(last.content());
                merged.addAll(parts);
                out.set(out.size() - 1, new Message(role, merged));
            } else {
                out.add(new Message(role, parts));
            }
        }
    }

    private static void message(JsonNode item, String at, List<Part.Text> system, Turns turns) {
        String role = Json.text(item.get("role"));
        if (role == null) {
            throw Invalid.missing(at + ".role");
        }
        JsonNode content = item.get("content");
        switch (role) {
            case "system", "developer" -> {
                for (Part p : parts(content, at + ".content", false)) {
                    if (!(p instanceof Part.Text t)) {
                        throw Invalid.type(at + ".content", "text only in a " + role + " message");
                    }
                    system.add(t);
                }
            }
            case "user" -> turns.user(parts(content, at + ".content", false));
            case "assistant" -> {
                List<Part> parts = parts(content, at + ".content", true);
                if (!parts.isEmpty()) {
                    turns.assistant(parts);
                }
            }
            default -> throw Invalid.value(at + ".role",
                    "must be one of user, assistant, system, developer, but was '" + role + "'.");
        }
    }

    private static List<Part> parts(JsonNode content, String at, boolean assistant) {
        if (content == null || content.isNull()) {
            throw Invalid.missing(at);
        }
        if (content.isString()) {
            return content.stringValue().isEmpty() && assistant ? List.of() : List.of(Part.Text.of(content.stringValue()));
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
                case "input_text", "output_text" -> {
                    String text = Json.text(part.get("text"));
                    if (text == null) {
                        throw Invalid.missing(pat + ".text");
                    }
                    out.add(Part.Text.of(text));
                }
                case "refusal" -> {
                    String text = Json.text(part.get("refusal"));
                    if (text == null) {
                        throw Invalid.missing(pat + ".refusal");
                    }
                    out.add(Part.Text.of(text));
                }
                case "input_image" -> {
                    String url = Json.text(part.get("image_url"));
                    if (url == null) {
                        // a file_id image lives at OpenAI: only an OpenAI backend can read it
                        out.add(new Part.Opaque(type, Json.raw(part)));
                    } else {
                        out.add(new Part.Image(imageSource(url, pat + ".image_url"), Json.text(part.get("detail")),
                                null));
                    }
                }
                default -> out.add(new Part.Opaque(type, Json.raw(part)));
            }
        }
        return out;
    }

    /** A function call's output: a string, or content parts (text and images). */
    private static List<Part> output(JsonNode output, String at) {
        if (output == null || output.isNull()) {
            throw Invalid.missing(at);
        }
        return parts(output, at, false);
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

    private static Part functionCall(JsonNode item, String at) {
        String callId = Json.text(item.get("call_id"));
        if (callId == null) {
            throw Invalid.missing(at + ".call_id");
        }
        String name = Json.text(item.get("name"));
        if (name == null) {
            throw Invalid.missing(at + ".name");
        }
        String arguments = Json.text(item.get("arguments"));
        if (arguments == null) {
            throw Invalid.missing(at + ".arguments");
        }
        try {
            RawJson input = arguments.isBlank() ? RawJson.EMPTY_OBJECT : Json.parseRaw(arguments);
            if (!input.isObject()) {
                throw Invalid.value(at + ".arguments", "must be a JSON object.");
            }
            return new Part.ToolUse(callId, name, input, null);
        } catch (JacksonException e) {
            throw Invalid.value(at + ".arguments", "is not valid JSON: " + e.getOriginalMessage());
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
            if (type == null) {
                throw Invalid.missing(at + ".type");
            }
            if (!"function".equals(type)) {
                out.add(new ToolDef.Opaque(type, Json.text(tool.get("name")), Json.raw(tool)));
                continue;
            }
            String name = Json.text(tool.get("name"));
            if (name == null) {
                throw Invalid.missing(at + ".name");
            }
            JsonNode parameters = tool.get("parameters");
            if (parameters != null && !parameters.isNull() && !parameters.isObject()) {
                throw Invalid.type(at + ".parameters", "a JSON schema object");
            }
            out.add(new ToolDef.Function(name, Json.text(tool.get("description")),
                    parameters == null || parameters.isNull() ? null : Json.raw(parameters),
                    optBoolean(tool.get("strict"), at + ".strict"), null));
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
            String name = Json.text(v.get("name"));
            if (name == null) {
                throw Invalid.missing("tool_choice.name");
            }
            return ToolChoice.tool(name);
        }
        return null;
    }
}
