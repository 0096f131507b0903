package dev.tollgate.wire.openai;

import java.util.ArrayList;
import java.util.List;

import dev.tollgate.api.ApiError;
import dev.tollgate.api.GatewayException;
import dev.tollgate.call.CallResponse;
import dev.tollgate.call.Part;
import dev.tollgate.call.RawJson;
import dev.tollgate.call.StopReason;
import dev.tollgate.call.TokenCounts;
import dev.tollgate.wire.Ids;
import dev.tollgate.wire.Json;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * Whole (non-streamed) {@code chat.completion} bodies: read into the canonical answer (the first choice; reasoning
 * from {@code reasoning_content}, or {@code reasoning} as some servers name it, becomes a thinking part without
 * signature) and written from it (text parts joined into {@code content}, thinking into {@code reasoning_content},
 * redacted thinking left out). Stateless, thread-safe.
 */
public final class OpenAiResponses {

    private OpenAiResponses() {
    }

    /**
     * The canonical answer of a {@code chat.completion} body.
     *
     * @throws GatewayException a 502 when the body is not a completion, or a tool call's arguments
     *                                           are not a JSON object
     */
    public static CallResponse read(byte[] body) {
        JsonNode root;
        try {
            root = Json.tree(body);
        } catch (JacksonException e) {
            throw invalid("the body is not JSON: " + e.getOriginalMessage());
        }
        JsonNode choice = root == null ? null : root.path("choices").path(0);
        if (choice == null || !choice.isObject()) {
            throw invalid("it has no choices[0]");
        }
        JsonNode message = choice.path("message");
        List<Part> content = new ArrayList<>();
        String reasoning = Json.text(message.get("reasoning_content"));
        if (reasoning == null) {
            reasoning = Json.text(message.get("reasoning"));
        }
        if (reasoning != null && !reasoning.isEmpty()) {
            content.add(new Part.Thinking(reasoning, null));
        }
        String text = Json.text(message.get("content"));
        if (text != null && !text.isEmpty()) {
            content.add(Part.Text.of(text));
        }
        String refusal = Json.text(message.get("refusal"));
        if (refusal != null && !refusal.isEmpty()) {
            content.add(Part.Text.of(refusal));
        }
        for (JsonNode call : message.path("tool_calls")) {
            JsonNode function = call.path("function");
            String id = Json.text(call.get("id"));
            content.add(new Part.ToolUse(id == null || id.isEmpty() ? Ids.toolUseId() : id,
                    function.path("name").asString(""), arguments(Json.text(function.get("arguments"))), null));
        }
        StopReason stop = OpenAiFinishReasons.read(Json.text(choice.get("finish_reason")),
                Json.text(choice.get("stop_reason")));
        if (refusal != null && !refusal.isEmpty() && stop.kind() == StopReason.Kind.END_TURN) {
            stop = new StopReason(StopReason.Kind.REFUSAL, stop.raw());
        }
        String matched = stop.kind() == StopReason.Kind.STOP_SEQUENCE ? Json.text(choice.get("stop_reason")) : null;
        TokenCounts usage = OpenAiUsage.read(root.get("usage"));
        return new CallResponse(Json.text(root.get("id")), Json.text(root.get("model")), content, stop, matched,
                usage);
    }

    /** A tool call's arguments as JSON: empty means no arguments; anything but an object is a broken answer. */
    static RawJson arguments(String arguments) {
        if (arguments == null || arguments.isBlank()) {
            return RawJson.EMPTY_OBJECT;
        }
        try {
            RawJson raw = Json.parseRaw(arguments);
            if (raw.isObject()) {
                return raw;
            }
        } catch (JacksonException e) {
            // below
        }
        throw invalid("a tool call's arguments are not a JSON object");
    }

    /**
     * A {@code chat.completion} body for {@code response}, as model {@code servedModel} answered it.
     *
     * @param created the completion's creation time, in seconds since the epoch
     */
    public static byte[] write(CallResponse response, String servedModel, long created) {
        StringBuilder text = new StringBuilder();
        StringBuilder reasoning = new StringBuilder();
        boolean anyText = false;
        List<Part.ToolUse> calls = new ArrayList<>();
        for (Part p : response.content()) {
            if (p instanceof Part.Text t) {
                text.append(t.text());
                anyText = true;
            } else if (p instanceof Part.Thinking t) {
                reasoning.append(t.thinking());
            } else if (p instanceof Part.ToolUse u) {
                calls.add(u);
            }
        }
        boolean hasText = anyText;
        return Json.write(g -> {
            g.writeStartObject();
            g.writeStringProperty("id", Ids.chatCompletionId(response.id()));
            g.writeStringProperty("object", "chat.completion");
            g.writeNumberProperty("created", created);
            g.writeStringProperty("model", servedModel);
            g.writeArrayPropertyStart("choices");
            g.writeStartObject();
            g.writeNumberProperty("index", 0);
            g.writeObjectPropertyStart("message");
            g.writeStringProperty("role", "assistant");
            Json.stringOrNull(g, "content", hasText || calls.isEmpty() ? text.toString() : null);
            g.writeNullProperty("refusal");
            if (!reasoning.isEmpty()) {
                g.writeStringProperty("reasoning_content", reasoning.toString());
            }
            if (!calls.isEmpty()) {
                g.writeArrayPropertyStart("tool_calls");
                for (Part.ToolUse u : calls) {
                    g.writeStartObject();
                    g.writeStringProperty("id", u.id());
                    g.writeStringProperty("type", "function");
                    g.writeObjectPropertyStart("function");
                    g.writeStringProperty("name", u.name());
                    g.writeStringProperty("arguments", u.input().json());
                    g.writeEndObject();
                    g.writeEndObject();
                }
                g.writeEndArray();
            }
            g.writeEndObject();
            g.writeNullProperty("logprobs");
            g.writeStringProperty("finish_reason", OpenAiFinishReasons.write(response.stopReason()));
            g.writeEndObject();
            g.writeEndArray();
            g.writeName("usage");
            OpenAiUsage.write(g, response.usage());
            g.writeEndObject();
        });
    }

    private static GatewayException invalid(String why) {
        return ApiError.badGateway("upstream_invalid_response",
                "The upstream's answer could not be read as a chat completion: " + why + ".").exception();
    }
}
