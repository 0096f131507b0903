package dev.tollgate.wire.gemini;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.tollgate.call.CanonicalRequest;
import dev.tollgate.call.ImageSource;
import dev.tollgate.call.Message;
import dev.tollgate.call.Part;
import dev.tollgate.call.RawJson;
import dev.tollgate.call.ResponseFormat;
import dev.tollgate.call.Role;
import dev.tollgate.call.ThinkingConfig;
import dev.tollgate.call.ToolChoice;
import dev.tollgate.call.ToolDef;
import dev.tollgate.wire.Json;
import dev.tollgate.wire.ReasoningMap;
import tools.jackson.core.JsonGenerator;

/**
 * Writes the canonical call as a {@code generateContent} request body (the model and whether it streams are in the
 * URL, not the body). It assumes {@code Untranslatable} has passed the call, and writes:
 * <ul>
 * <li>{@code systemInstruction} from the system text; {@code contents} with roles {@code user} and {@code model};</li>
 * <li>text as {@code text} parts, inline images as {@code inlineData}; thinking of the history is left out (Gemini
 * takes its own thoughts back only as signatures, which the canonical call does not carry);</li>
 * <li>tool calls as {@code functionCall} parts and tool results as {@code functionResponse} parts, both with the
 * call's id; Gemini matches a response to its call by function name, taken from the call of the history with that
 * id; a result's text is the response's {@code output} ({@code error} when the client flagged it as one);</li>
 * <li>function tools as {@code tools[0].functionDeclarations}, their schema as {@code parametersJsonSchema}
 * ({@link GeminiSchemas#clean}); the tool choice as {@code toolConfig.functionCallingConfig};</li>
 * <li>{@code generationConfig}: {@code maxOutputTokens}, {@code stopSequences}, {@code temperature}, {@code topP},
 * {@code topK}, {@code responseMimeType} with {@code responseJsonSchema} for JSON output, and
 * {@code thinkingConfig}: Anthropic's thinking budget as {@code thinkingBudget} (adaptive as {@code -1}, Gemini's
 * dynamic thinking; disabled as {@code 0}) with {@code includeThoughts}; an OpenAI reasoning effort as the budget
 * {@link ReasoningMap} gives it ({@code none} as {@code 0}), without the thoughts, which OpenAI's answers do not
 * show.</li>
 * </ul>
 * Cache breakpoints, an image's {@code detail} and the end-user id are left out (Gemini caches on its own and has no
 * end-user field). Stateless, thread-safe.
 */
public final class GeminiRequestWriter {

    private GeminiRequestWriter() {
    }

    /**
     * @param maxOutputTokens {@code maxOutputTokens}: a budget's cap or the client's, or null for Gemini's default
     */
    public static byte[] write(CanonicalRequest r, Integer maxOutputTokens) {
        return Json.write(g -> {
            g.writeStartObject();
            g.writeArrayPropertyStart("contents");
            Map<String, String> toolNames = new HashMap<>();
            for (Message m : r.messages()) {
                content(g, m, toolNames);
            }
            g.writeEndArray();
            if (!r.system().isEmpty()) {
                g.writeObjectPropertyStart("systemInstruction");
                g.writeArrayPropertyStart("parts");
                for (Part.Text t : r.system()) {
                    g.writeStartObject();
                    g.writeStringProperty("text", t.text());
                    g.writeEndObject();
                }
                g.writeEndArray();
                g.writeEndObject();
            }
            tools(g, r);
            generationConfig(g, r, maxOutputTokens);
            g.writeEndObject();
        });
    }

    private static void content(JsonGenerator g, Message m, Map<String, String> toolNames) {
        List<Part> parts = m.content().stream().filter(p -> !(p instanceof Part.Thinking
                || p instanceof Part.RedactedThinking)).toList();
        if (parts.isEmpty()) {
            return; // Gemini refuses a turn without parts
        }
        g.writeStartObject();
        g.writeStringProperty("role", m.role() == Role.USER ? "user" : "model");
        g.writeArrayPropertyStart("parts");
        for (Part p : parts) {
            part(g, p, toolNames);
        }
        g.writeEndArray();
        g.writeEndObject();
    }

    private static void part(JsonGenerator g, Part p, Map<String, String> toolNames) {
        if (p instanceof Part.Text t) {
            g.writeStartObject();
            g.writeStringProperty("text", t.text());
            g.writeEndObject();
        } else if (p instanceof Part.Image i && i.source() instanceof ImageSource.Base64 b) {
            g.writeStartObject();
            g.writeObjectPropertyStart("inlineData");
            g.writeStringProperty("mimeType", b.mediaType());
            g.writeStringProperty("data", b.data());
            g.writeEndObject();
            g.writeEndObject();
        } else if (p instanceof Part.ToolUse u) {
            toolNames.put(u.id(), u.name());
            g.writeStartObject();
            g.writeObjectPropertyStart("functionCall");
            g.writeStringProperty("id", u.id());
            g.writeStringProperty("name", u.name());
            Json.rawProperty(g, "args", u.input().isObject() ? u.input() : RawJson.EMPTY_OBJECT);
            g.writeEndObject();
            g.writeEndObject();
        } else if (p instanceof Part.ToolResult r) {
            StringBuilder text = new StringBuilder();
            for (Part c : r.content()) {
                if (c instanceof Part.Text t) {
                    text.append(t.text());
                }
            }
            g.writeStartObject();
            g.writeObjectPropertyStart("functionResponse");
            g.writeStringProperty("id", r.toolUseId());
            g.writeStringProperty("name", toolNames.getOrDefault(r.toolUseId(), r.toolUseId()));
            g.writeObjectPropertyStart("response");
            g.writeStringProperty(r.isError() ? "error" : "output", text.toString());
            g.writeEndObject();
            g.writeEndObject();
            g.writeEndObject();
        }
        // URL images and opaque parts were refused by Untranslatable; thinking is filtered out above
    }

    private static void tools(JsonGenerator g, CanonicalRequest r) {
        if (r.tools().isEmpty()) {
            return;
        }
        g.writeArrayPropertyStart("tools");
        g.writeStartObject();
        g.writeArrayPropertyStart("functionDeclarations");
        for (ToolDef tool : r.tools()) {
            if (tool instanceof ToolDef.Function f) {
                g.writeStartObject();
                g.writeStringProperty("name", f.name());
                Json.optString(g, "description", f.description());
                if (!f.inputSchema().equals(RawJson.EMPTY_OBJECT)) {
                    Json.rawProperty(g, "parametersJsonSchema", GeminiSchemas.clean(f.inputSchema()));
                }
                g.writeEndObject();
            }
        }
        g.writeEndArray();
        g.writeEndObject();
        g.writeEndArray();
        ToolChoice choice = r.toolChoice();
        if (choice != null) {
            g.writeObjectPropertyStart("toolConfig");
            g.writeObjectPropertyStart("functionCallingConfig");
            g.writeStringProperty("mode", switch (choice.kind()) {
                case AUTO -> "AUTO";
                case ANY, TOOL -> "ANY";
                case NONE -> "NONE";
            });
            if (choice.kind() == ToolChoice.Kind.TOOL) {
                g.writeArrayPropertyStart("allowedFunctionNames");
                g.writeString(choice.name());
                g.writeEndArray();
            }
            g.writeEndObject();
            g.writeEndObject();
        }
    }

    private static void generationConfig(JsonGenerator g, CanonicalRequest r, Integer maxOutputTokens) {
        ResponseFormat format = r.responseFormat();
        boolean json = format != null && format.kind() != ResponseFormat.Kind.TEXT;
        Integer budget = null;
        boolean includeThoughts = false;
        ThinkingConfig thinking = r.thinking();
        if (thinking instanceof ThinkingConfig.Budget b) {
            budget = b.budgetTokens();
            includeThoughts = true;
        } else if (thinking instanceof ThinkingConfig.Adaptive) {
            budget = -1;
            includeThoughts = true;
        } else if (thinking instanceof ThinkingConfig.Disabled) {
            budget = 0;
        } else if (r.effort() != null) {
            budget = ReasoningMap.budgetFor(r.effort());
        }
        if (maxOutputTokens == null && r.stopSequences().isEmpty() && r.temperature() == null && r.topP() == null
                && r.topK() == null && !json && budget == null) {
            return;
        }
        g.writeObjectPropertyStart("generationConfig");
        if (maxOutputTokens != null) {
            g.writeNumberProperty("maxOutputTokens", maxOutputTokens);
        }
        if (!r.stopSequences().isEmpty()) {
            g.writeArrayPropertyStart("stopSequences");
            for (String s : r.stopSequences()) {
                g.writeString(s);
            }
            g.writeEndArray();
        }
        if (r.temperature() != null) {
            g.writeNumberProperty("temperature", r.temperature());
        }
        if (r.topP() != null) {
            g.writeNumberProperty("topP", r.topP());
        }
        if (r.topK() != null) {
            g.writeNumberProperty("topK", r.topK());
        }
        if (json) {
            g.writeStringProperty("responseMimeType", "application/json");
            if (format.kind() == ResponseFormat.Kind.JSON_SCHEMA) {
                Json.rawProperty(g, "responseJsonSchema", GeminiSchemas.clean(format.schema()));
            }
        }
        if (budget != null) {
            g.writeObjectPropertyStart("thinkingConfig");
            g.writeNumberProperty("thinkingBudget", budget);
            if (includeThoughts) {
                g.writeBooleanProperty("includeThoughts", true);
            }
            g.writeEndObject();
        }
        g.writeEndObject();
    }
}
