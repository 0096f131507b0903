package dev.tollgate.wire.openai;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.tollgate.call.CanonicalRequest;
import dev.tollgate.call.ImageSource;
import dev.tollgate.call.Message;
import dev.tollgate.call.Part;
import dev.tollgate.call.ResponseFormat;
import dev.tollgate.call.RawJson;
import dev.tollgate.call.Role;
import dev.tollgate.call.ThinkingConfig;
import dev.tollgate.call.ToolChoice;
import dev.tollgate.call.ToolDef;
import dev.tollgate.call.WireFormat;
import dev.tollgate.pricing.OutputCapField;
import dev.tollgate.wire.Json;
import dev.tollgate.wire.ReasoningMap;
import tools.jackson.core.JsonGenerator;

/**
 * Writes the canonical call as a Chat Completions request. It writes what the call holds and assumes
 * {@code Untranslatable} has passed it: parts OpenAI cannot carry are left out here without a word (signed thinking
 * and redacted thinking in the history, cache breakpoints, a tool result's error flag, Anthropic-only blocks).
 * System text becomes one system message per block; a user turn's tool results become {@code tool} messages, in
 * order around its other parts. Reasoning: an OpenAI call's effort as it came; an Anthropic call's effort, or its
 * thinking budget, as {@link ReasoningMap} says. Stateless, thread-safe.
 */
public final class OpenAiRequestWriter {

    private OpenAiRequestWriter() {
    }

    /**
     * @param upstreamModel the model id the backend knows
     * @param capField      the field that caps output for this model
     * @param outputCap     the output cap to write; 0 or less: the request's own cap, if it has one
     * @param includeUsage  whether a stream asks for the usage chunk ({@code stream_options.include_usage}) even when
     *                      the client did not
     */
    public static byte[] write(CanonicalRequest r, String upstreamModel, OutputCapField capField, int outputCap,
            boolean includeUsage) {
        return Json.write(g -> {
            g.writeStartObject();
            g.writeStringProperty("model", upstreamModel);
            g.writeArrayPropertyStart("messages");
            for (Part.Text s : r.system()) {
                g.writeStartObject();
                g.writeStringProperty("role", "system");
                g.writeStringProperty("content", s.text());
                g.writeEndObject();
            }
            for (Message m : r.messages()) {
                if (m.role() == Role.USER) {
                    userTurn(g, m.content());
                } else {
                    assistant(g, m.content());
                }
            }
            g.writeEndArray();
            Integer cap = outputCap > 0 ? Integer.valueOf(outputCap) : r.maxOutputTokens();
            if (cap != null) {
                g.writeNumberProperty(capField.json(), cap);
            }
            if (!r.stopSequences().isEmpty()) {
                g.writeArrayPropertyStart("stop");
                for (String s : r.stopSequences()) {
                    g.writeString(s);
                }
                g.writeEndArray();
            }
            if (r.temperature() != null) {
                g.writeNumberProperty("temperature", r.temperature());
            }
            if (r.topP() != null) {
                g.writeNumberProperty("top_p", r.topP());
            }
            if (r.n() != null) {
                g.writeNumberProperty("n", r.n());
            }
            if (r.stream()) {
                g.writeBooleanProperty("stream", true);
                if (includeUsage || r.clientWantsUsage()) {
                    g.writeObjectPropertyStart("stream_options");
                    g.writeBooleanProperty("include_usage", true);
                    g.writeEndObject();
                }
            }
            tools(g, r);
            String effort = effort(r);
            if (effort != null) {
                g.writeStringProperty("reasoning_effort", effort);
            }
            responseFormat(g, r.responseFormat());
            Json.optString(g, "user", r.user());
            if (r.source() == WireFormat.OPENAI_CHAT) {
                for (Map.Entry<String, RawJson> e : r.extra().entrySet()) {
                    Json.rawProperty(g, e.getKey(), e.getValue());
                }
            }
            g.writeEndObject();
        });
    }

    /** {@code reasoning_effort}: an OpenAI call's as it came; an Anthropic call's effort or thinking budget mapped. */
    private static String effort(CanonicalRequest r) {
        if (r.source() == WireFormat.OPENAI_CHAT || r.source() == WireFormat.OPENAI_RESPONSES) {
            return r.effort(); // OpenAI's own vocabulary
        }
        if (r.thinking() instanceof ThinkingConfig.Disabled) {
            return null;
        }
        if (r.effort() != null) {
            return ReasoningMap.openAiEffort(r.effort());
        }
        if (r.thinking() instanceof ThinkingConfig.Budget budget) {
            return ReasoningMap.effortForBudget(budget.budgetTokens());
        }
        return null;
    }

    /** A user turn: its tool results as {@code tool} messages, its other parts as user messages, in order. */
    private static void userTurn(JsonGenerator g, List<Part> parts) {
        List<Part> pending = new ArrayList<>();
        for (Part p : parts) {
            if (p instanceof Part.ToolResult result) {
                user(g, pending);
                pending.clear();
                g.writeStartObject();
                g.writeStringProperty("role", "tool");
                g.writeStringProperty("tool_call_id", result.toolUseId());
                g.writeName("content");
                textContent(g, result.content());
                g.writeEndObject();
            } else {
                pending.add(p);
            }
        }
        user(g, pending);
    }

    private static void user(JsonGenerator g, List<Part> parts) {
        List<Part> kept = parts.stream()
                .filter(p -> p instanceof Part.Text || p instanceof Part.Image || p instanceof Part.Opaque).toList();
        if (kept.isEmpty()) {
            return;
        }
        g.writeStartObject();
        g.writeStringProperty("role", "user");
        g.writeName("content");
        if (kept.size() == 1 && kept.get(0) instanceof Part.Text t) {
            g.writeString(t.text());
        } else {
            g.writeStartArray();
            for (Part p : kept) {
                if (p instanceof Part.Text t) {
                    textPart(g, t.text());
                } else if (p instanceof Part.Image i) {
                    g.writeStartObject();
                    g.writeStringProperty("type", "image_url");
                    g.writeObjectPropertyStart("image_url");
                    g.writeStringProperty("url", url(i.source()));
                    Json.optString(g, "detail", i.detail());
                    g.writeEndObject();
                    g.writeEndObject();
                } else if (p instanceof Part.Opaque o) {
                    g.writeRawValue(o.json().json());
                }
            }
            g.writeEndArray();
        }
        g.writeEndObject();
    }

    /** Text-only content: a string for one text part, an array of text parts otherwise. */
    private static void textContent(JsonGenerator g, List<Part> parts) {
        List<Part.Text> texts = parts.stream().filter(Part.Text.class::isInstance).map(Part.Text.class::cast)
                .toList();
        if (texts.size() == 1) {
            g.writeString(texts.get(0).text());
        } else if (texts.isEmpty()) {
            g.writeString("");
        } else {
            g.writeStartArray();
            for (Part.Text t : texts) {
                textPart(g, t.text());
            }
            g.writeEndArray();
        }
    }

    private static void textPart(JsonGenerator g, String text) {
        g.writeStartObject();
        g.writeStringProperty("type", "text");
        g.writeStringProperty("text", text);
        g.writeEndObject();
    }

    private static void assistant(JsonGenerator g, List<Part> parts) {
        StringBuilder reasoning = new StringBuilder();
        List<Part> texts = new ArrayList<>();
        List<Part> calls = new ArrayList<>();
        for (Part p : parts) {
            if (p instanceof Part.Thinking t && !t.signed()) {
                reasoning.append(t.thinking());
            } else if (p instanceof Part.Text) {
                texts.add(p);
            } else if (p instanceof Part.ToolUse || p instanceof Part.Opaque) {
                // an OpenAI call's opaque assistant part is a tool call of another type; others were refused
                calls.add(p);
            }
        }
        g.writeStartObject();
        g.writeStringProperty("role", "assistant");
        g.writeName("content");
        if (texts.isEmpty()) {
            if (calls.isEmpty()) {
                g.writeString("");
            } else {
                g.writeNull();
            }
        } else {
            textContent(g, texts);
        }
        if (!reasoning.isEmpty()) {
            g.writeStringProperty("reasoning_content", reasoning.toString());
        }
        if (!calls.isEmpty()) {
            g.writeArrayPropertyStart("tool_calls");
            for (Part p : calls) {
                if (p instanceof Part.ToolUse u) {
                    g.writeStartObject();
                    g.writeStringProperty("id", u.id());
                    g.writeStringProperty("type", "function");
                    g.writeObjectPropertyStart("function");
                    g.writeStringProperty("name", u.name());
                    g.writeStringProperty("arguments", u.input().json());
                    g.writeEndObject();
                    g.writeEndObject();
                } else if (p instanceof Part.Opaque o) {
                    g.writeRawValue(o.json().json());
                }
            }
            g.writeEndArray();
        }
        g.writeEndObject();
    }

    private static void tools(JsonGenerator g, CanonicalRequest r) {
        if (r.tools().isEmpty()) {
            return;
        }
        g.writeArrayPropertyStart("tools");
        for (ToolDef tool : r.tools()) {
            if (tool instanceof ToolDef.Function f) {
                g.writeStartObject();
                g.writeStringProperty("type", "function");
                g.writeObjectPropertyStart("function");
                g.writeStringProperty("name", f.name());
                Json.optString(g, "description", f.description());
                Json.rawProperty(g, "parameters", f.inputSchema());
                if (f.strict() != null) {
                    g.writeBooleanProperty("strict", f.strict());
                }
                g.writeEndObject();
                g.writeEndObject();
            } else if (tool instanceof ToolDef.Opaque o) {
                g.writeRawValue(o.json().json());
            }
        }
        g.writeEndArray();
        ToolChoice choice = r.toolChoice();
        if (choice != null) {
            g.writeName("tool_choice");
            switch (choice.kind()) {
                case AUTO -> g.writeString("auto");
                case ANY -> g.writeString("required");
                case NONE -> g.writeString("none");
                case TOOL -> {
                    g.writeStartObject();
                    g.writeStringProperty("type", "function");
                    g.writeObjectPropertyStart("function");
                    g.writeStringProperty("name", choice.name());
                    g.writeEndObject();
                    g.writeEndObject();
                }
            }
        }
        if (r.parallelToolCalls() != null) {
            g.writeBooleanProperty("parallel_tool_calls", r.parallelToolCalls());
        }
    }

    private static void responseFormat(JsonGenerator g, ResponseFormat f) {
        if (f == null) {
            return;
        }
        g.writeObjectPropertyStart("response_format");
        switch (f.kind()) {
            case TEXT -> g.writeStringProperty("type", "text");
            case JSON_OBJECT -> g.writeStringProperty("type", "json_object");
            case JSON_SCHEMA -> {
                g.writeStringProperty("type", "json_schema");
                g.writeObjectPropertyStart("json_schema");
                g.writeStringProperty("name", f.name() != null ? f.name() : "response");
                Json.optString(g, "description", f.description());
                Json.rawProperty(g, "schema", f.schema());
                if (f.strict() != null) {
                    g.writeBooleanProperty("strict", f.strict());
                }
                g.writeEndObject();
            }
        }
        g.writeEndObject();
    }

    static String url(ImageSource source) {
        if (source instanceof ImageSource.Base64 b) {
            return "data:" + b.mediaType() + ";base64," + b.data();
        }
        return ((ImageSource.Url) source).url();
    }
}
