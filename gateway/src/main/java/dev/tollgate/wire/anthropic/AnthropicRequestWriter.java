package dev.tollgate.wire.anthropic;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.tollgate.call.CacheControl;
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
import dev.tollgate.call.WireFormat;
import dev.tollgate.wire.Json;
import dev.tollgate.wire.ReasoningMap;
import tools.jackson.core.JsonGenerator;

/**
 * Writes the canonical call as a Messages request. It writes what the call holds and assumes {@code Untranslatable}
 * has passed it: what Anthropic cannot carry is left out here without a word (an image's {@code detail}, thinking
 * without a signature, which Anthropic would refuse). Consecutive user turns stay separate messages, which Anthropic
 * joins into one turn. Tool results come first in their turn, as Anthropic requires. Reasoning: an Anthropic call's
 * {@code thinking} and {@code output_config.effort} as they came; an OpenAI call's effort as a thinking budget, or
 * as adaptive thinking with that effort for models that take it ({@link ReasoningMap}). A budget is lowered below
 * {@code max_tokens}; when the cap leaves no room for the smallest budget, the call goes without thinking. Stateless,
 * thread-safe.
 */
public final class AnthropicRequestWriter {

    private static final RawJson EMPTY_SCHEMA = new RawJson("{\"type\":\"object\",\"properties\":{}}");

    private AnthropicRequestWriter() {
    }

    /** The body for a model with fixed thinking budgets. See {@link #write(CanonicalRequest, String, int, boolean)}. */
    public static byte[] write(CanonicalRequest r, String upstreamModel, int maxTokens) {
        return write(r, upstreamModel, maxTokens, false);
    }

    /**
     * @param upstreamModel    the model id the backend knows
     * @param maxTokens        {@code max_tokens}, required by Anthropic: the request's own cap or the gateway's
     * @param adaptiveThinking whether the model takes {@code thinking: {type: adaptive}} with an effort (Claude 4.6
     *                         and later; later models refuse fixed budgets), used for an OpenAI call's effort
     */
    public static byte[] write(CanonicalRequest r, String upstreamModel, int maxTokens, boolean adaptiveThinking) {
        if (maxTokens < 1) {
            throw new IllegalArgumentException("max_tokens must be >= 1, but was " + maxTokens);
        }
        return Json.write(g -> {
            g.writeStartObject();
            g.writeStringProperty("model", upstreamModel);
            g.writeNumberProperty("max_tokens", maxTokens);
            system(g, r.system());
            g.writeArrayPropertyStart("messages");
            for (Message m : r.messages()) {
                message(g, m);
            }
            g.writeEndArray();
            if (r.user() != null) {
                g.writeObjectPropertyStart("metadata");
                g.writeStringProperty("user_id", r.user());
                g.writeEndObject();
            } else if (r.source() == WireFormat.OPENAI_CHAT && r.extra().get("safety_identifier") != null
                    && r.extra().get("safety_identifier").json().startsWith("\"")) {
                g.writeObjectPropertyStart("metadata");
                Json.rawProperty(g, "user_id", r.extra().get("safety_identifier"));
                g.writeEndObject();
            }
            if (!r.stopSequences().isEmpty()) {
                g.writeArrayPropertyStart("stop_sequences");
                for (String s : r.stopSequences()) {
                    g.writeString(s);
                }
                g.writeEndArray();
            }
            if (r.stream()) {
                g.writeBooleanProperty("stream", true);
            }
            if (r.temperature() != null) {
                g.writeNumberProperty("temperature", r.temperature());
            }
            if (r.topP() != null) {
                g.writeNumberProperty("top_p", r.topP());
            }
            if (r.topK() != null) {
                g.writeNumberProperty("top_k", r.topK());
            }
            tools(g, r);
            reasoning(g, r, maxTokens, adaptiveThinking);
            if (r.source() == WireFormat.ANTHROPIC_MESSAGES) {
                for (Map.Entry<String, RawJson> e : r.extra().entrySet()) {
                    Json.rawProperty(g, e.getKey(), e.getValue());
                }
            }
            g.writeEndObject();
        });
    }

    private static void system(JsonGenerator g, List<Part.Text> system) {
        if (system.isEmpty()) {
            return;
        }
        if (system.size() == 1 && system.get(0).cache() == null) {
            g.writeStringProperty("system", system.get(0).text());
            return;
        }
        g.writeArrayPropertyStart("system");
        for (Part.Text t : system) {
            text(g, t);
        }
        g.writeEndArray();
    }

    private static void message(JsonGenerator g, Message m) {
        List<Part> parts = m.content();
        if (m.role() == Role.USER) {
            // tool results first, as Anthropic requires them at the start of their turn
            List<Part> ordered = new ArrayList<>(parts.size());
            parts.stream().filter(Part.ToolResult.class::isInstance).forEach(ordered::add);
            parts.stream().filter(p -> !(p instanceof Part.ToolResult)).forEach(ordered::add);
            parts = ordered;
        }
        g.writeStartObject();
        g.writeStringProperty("role", m.role() == Role.USER ? "user" : "assistant");
        g.writeName("content");
        if (parts.size() == 1 && parts.get(0) instanceof Part.Text t && t.cache() == null) {
            g.writeString(t.text());
        } else {
            g.writeStartArray();
            for (Part p : parts) {
                block(g, p);
            }
            g.writeEndArray();
        }
        g.writeEndObject();
    }

    private static void block(JsonGenerator g, Part p) {
        if (p instanceof Part.Text t) {
            text(g, t);
        } else if (p instanceof Part.Image i) {
            g.writeStartObject();
            g.writeStringProperty("type", "image");
            g.writeObjectPropertyStart("source");
            if (i.source() instanceof ImageSource.Base64 b) {
                g.writeStringProperty("type", "base64");
                g.writeStringProperty("media_type", b.mediaType());
                g.writeStringProperty("data", b.data());
            } else {
                g.writeStringProperty("type", "url");
                g.writeStringProperty("url", ((ImageSource.Url) i.source()).url());
            }
            g.writeEndObject();
            cache(g, i.cache());
            g.writeEndObject();
        } else if (p instanceof Part.ToolUse u) {
            g.writeStartObject();
            g.writeStringProperty("type", "tool_use");
            g.writeStringProperty("id", u.id());
            g.writeStringProperty("name", u.name());
            Json.rawProperty(g, "input", u.input());
            cache(g, u.cache());
            g.writeEndObject();
        } else if (p instanceof Part.ToolResult r) {
            g.writeStartObject();
            g.writeStringProperty("type", "tool_result");
            g.writeStringProperty("tool_use_id", r.toolUseId());
            if (!r.content().isEmpty()) {
                g.writeArrayPropertyStart("content");
                for (Part c : r.content()) {
                    block(g, c);
                }
                g.writeEndArray();
            }
            if (r.isError()) {
                g.writeBooleanProperty("is_error", true);
            }
            cache(g, r.cache());
            g.writeEndObject();
        } else if (p instanceof Part.Thinking t) {
            if (t.signed()) {
                g.writeStartObject();
                g.writeStringProperty("type", "thinking");
                g.writeStringProperty("thinking", t.thinking());
                g.writeStringProperty("signature", t.signature());
                g.writeEndObject();
            }
        } else if (p instanceof Part.RedactedThinking r) {
            g.writeStartObject();
            g.writeStringProperty("type", "redacted_thinking");
            g.writeStringProperty("data", r.data());
            g.writeEndObject();
        } else if (p instanceof Part.Opaque o) {
            g.writeRawValue(o.json().json());
        }
    }

    private static void text(JsonGenerator g, Part.Text t) {
        g.writeStartObject();
        g.writeStringProperty("type", "text");
        g.writeStringProperty("text", t.text());
        cache(g, t.cache());
        g.writeEndObject();
    }

    private static void cache(JsonGenerator g, CacheControl c) {
        if (c != null) {
            g.writeObjectPropertyStart("cache_control");
            g.writeStringProperty("type", c.type());
            Json.optString(g, "ttl", c.ttl());
            g.writeEndObject();
        }
    }

    private static void tools(JsonGenerator g, CanonicalRequest r) {
        if (r.tools().isEmpty()) {
            return;
        }
        g.writeArrayPropertyStart("tools");
        for (ToolDef tool : r.tools()) {
            if (tool instanceof ToolDef.Function f) {
                g.writeStartObject();
                g.writeStringProperty("name", f.name());
                Json.optString(g, "description", f.description());
                Json.rawProperty(g, "input_schema", f.inputSchema().equals(RawJson.EMPTY_OBJECT) ? EMPTY_SCHEMA
                        : f.inputSchema());
                if (f.strict() != null) {
                    g.writeBooleanProperty("strict", f.strict());
                }
                cache(g, f.cache());
                g.writeEndObject();
            } else if (tool instanceof ToolDef.Opaque o) {
                g.writeRawValue(o.json().json());
            }
        }
        g.writeEndArray();
        ToolChoice choice = r.toolChoice();
        boolean noParallel = Boolean.FALSE.equals(r.parallelToolCalls());
        if (choice == null && !noParallel) {
            return;
        }
        g.writeObjectPropertyStart("tool_choice");
        ToolChoice.Kind kind = choice == null ? ToolChoice.Kind.AUTO : choice.kind();
        g.writeStringProperty("type", switch (kind) {
            case AUTO -> "auto";
            case ANY -> "any";
            case NONE -> "none";
            case TOOL -> "tool";
        });
        if (kind == ToolChoice.Kind.TOOL) {
            g.writeStringProperty("name", choice.name());
        }
        if (noParallel && kind != ToolChoice.Kind.NONE) {
            g.writeBooleanProperty("disable_parallel_tool_use", true);
        }
        g.writeEndObject();
    }

    private static void reasoning(JsonGenerator g, CanonicalRequest r, int maxTokens, boolean adaptiveThinking) {
        ThinkingConfig thinking = r.thinking();
        String effort = r.effort();
        if (r.source() != WireFormat.ANTHROPIC_MESSAGES && thinking == null && effort != null) {
            // an OpenAI effort: thinking with a budget, or adaptive thinking with the effort
            String anthropicEffort = ReasoningMap.anthropicEffort(effort);
            if (anthropicEffort == null) {
                effort = null;
            } else if (adaptiveThinking) {
                thinking = ThinkingConfig.ADAPTIVE;
                effort = anthropicEffort;
            } else {
                thinking = new ThinkingConfig.Budget(ReasoningMap.budgetFor(effort));
                effort = null;
            }
        }
        if (thinking instanceof ThinkingConfig.Budget b) {
            int budget = ReasoningMap.fitBudget(b.budgetTokens(), maxTokens);
            if (budget > 0) {
                g.writeObjectPropertyStart("thinking");
                g.writeStringProperty("type", "enabled");
                g.writeNumberProperty("budget_tokens", budget);
                g.writeEndObject();
            }
        } else if (thinking != null) {
            g.writeObjectPropertyStart("thinking");
            g.writeStringProperty("type", thinking instanceof ThinkingConfig.Adaptive ? "adaptive" : "disabled");
            g.writeEndObject();
        }
        boolean ownConfig = r.source() == WireFormat.ANTHROPIC_MESSAGES && r.extra().containsKey("output_config");
        ResponseFormat format = r.responseFormat();
        boolean schema = format != null && format.kind() == ResponseFormat.Kind.JSON_SCHEMA;
        if (!ownConfig && (effort != null || schema)) {
            g.writeObjectPropertyStart("output_config");
            Json.optString(g, "effort", effort);
            if (schema) {
                g.writeObjectPropertyStart("format");
                g.writeStringProperty("type", "json_schema");
                Json.rawProperty(g, "schema", format.schema());
                g.writeEndObject();
            }
            g.writeEndObject();
        }
    }
}
