package dev.tollgate.wire.responses;

import java.util.List;

import dev.tollgate.call.StopReason;
import dev.tollgate.call.TokenCounts;
import tools.jackson.core.JsonGenerator;

/**
 * Writes a Responses {@code response} object and its output items, for a whole answer and for the events of a
 * stream ({@code response.created} to {@code response.completed}). A translated answer echoes no request setting:
 * {@code instructions}, {@code max_output_tokens}, {@code temperature} and {@code top_p} are null, {@code tools}
 * empty, {@code tool_choice} {@code auto}, {@code store} false (nothing is stored). Stateless.
 */
final class ResponseObject {

    /** One output item: a message (its text), a function call (call id, name, arguments) or reasoning (its text). */
    record Item(Kind kind, String id, String text, String callId, String name) {
        enum Kind { MESSAGE, FUNCTION_CALL, REASONING }
    }

    private ResponseObject() {
    }

    /** {@code completed}, or {@code incomplete} when the output cap or a content filter stopped the answer. */
    static String status(StopReason stop) {
        return incompleteReason(stop) != null ? "incomplete" : "completed";
    }

    /** The {@code incomplete_details.reason} of a stop reason, or null when the answer is complete. */
    static String incompleteReason(StopReason stop) {
        if (stop == null) {
            return null;
        }
        return switch (stop.kind()) {
            case MAX_TOKENS, CONTEXT_WINDOW_EXCEEDED -> "max_output_tokens";
            case CONTENT_FILTER -> "content_filter";
            default -> null;
        };
    }

    /**
     * Writes the response object as a value.
     *
     * @param status           {@code in_progress}, {@code completed} or {@code incomplete}
     * @param incompleteReason the reason of an incomplete answer, or null
     * @param usage            null while it is not known (a stream in progress)
     */
    static void write(JsonGenerator g, String id, long createdAt, String status, String incompleteReason, String model,
            List<Item> output, TokenCounts usage) {
        g.writeStartObject();
        g.writeStringProperty("id", id);
        g.writeStringProperty("object", "response");
        g.writeNumberProperty("created_at", createdAt);
        g.writeStringProperty("status", status);
        g.writeBooleanProperty("background", false);
        g.writeNullProperty("error");
        if (incompleteReason != null) {
            g.writeObjectPropertyStart("incomplete_details");
            g.writeStringProperty("reason", incompleteReason);
            g.writeEndObject();
        } else {
            g.writeNullProperty("incomplete_details");
        }
        g.writeNullProperty("instructions");
        g.writeNullProperty("max_output_tokens");
        g.writeStringProperty("model", model);
        g.writeArrayPropertyStart("output");
        for (Item item : output) {
            item(g, item, "completed");
        }
        g.writeEndArray();
        g.writeBooleanProperty("parallel_tool_calls", true);
        g.writeNullProperty("previous_response_id");
        g.writeObjectPropertyStart("reasoning");
        g.writeNullProperty("effort");
        g.writeNullProperty("summary");
        g.writeEndObject();
        g.writeBooleanProperty("store", false);
        g.writeNullProperty("temperature");
        g.writeObjectPropertyStart("text");
        g.writeObjectPropertyStart("format");
        g.writeStringProperty("type", "text");
        g.writeEndObject();
        g.writeEndObject();
        g.writeStringProperty("tool_choice", "auto");
        g.writeArrayPropertyStart("tools");
        g.writeEndArray();
        g.writeNullProperty("top_p");
        g.writeStringProperty("truncation", "disabled");
        if (usage != null) {
            g.writeName("usage");
            ResponsesUsage.write(g, usage);
        } else {
            g.writeNullProperty("usage");
        }
        g.writeNullProperty("user");
        g.writeObjectPropertyStart("metadata");
        g.writeEndObject();
        g.writeEndObject();
    }

    /** Writes one output item as a value; {@code status} {@code in_progress} or {@code completed}. */
    static void item(JsonGenerator g, Item item, String status) {
        g.writeStartObject();
        g.writeStringProperty("id", item.id());
        switch (item.kind()) {
            case MESSAGE -> {
                g.writeStringProperty("type", "message");
                g.writeStringProperty("status", status);
                g.writeStringProperty("role", "assistant");
                g.writeArrayPropertyStart("content");
                if (item.text() != null) {
                    outputText(g, item.text());
                }
                g.writeEndArray();
            }
            case FUNCTION_CALL -> {
                g.writeStringProperty("type", "function_call");
                g.writeStringProperty("status", status);
                g.writeStringProperty("call_id", item.callId());
                g.writeStringProperty("name", item.name());
                g.writeStringProperty("arguments", item.text() == null ? "" : item.text());
            }
            case REASONING -> {
                g.writeStringProperty("type", "reasoning");
                g.writeArrayPropertyStart("summary");
                g.writeEndArray();
                if (item.text() != null) {
                    g.writeArrayPropertyStart("content");
                    g.writeStartObject();
                    g.writeStringProperty("type", "reasoning_text");
                    g.writeStringProperty("text", item.text());
                    g.writeEndObject();
                    g.writeEndArray();
                }
            }
        }
        g.writeEndObject();
    }

    /** An {@code output_text} content part as a value. */
    static void outputText(JsonGenerator g, String text) {
        g.writeStartObject();
        g.writeStringProperty("type", "output_text");
        g.writeArrayPropertyStart("annotations");
        g.writeEndArray();
        g.writeArrayPropertyStart("logprobs");
        g.writeEndArray();
        g.writeStringProperty("text", text);
        g.writeEndObject();
    }
}
