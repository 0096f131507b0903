package dev.tollgate.wire.anthropic;

import java.util.ArrayList;
import java.util.List;

import dev.tollgate.api.ApiError;
import dev.tollgate.api.GatewayException;
import dev.tollgate.call.CallResponse;
import dev.tollgate.call.Part;
import dev.tollgate.call.StopReason;
import dev.tollgate.wire.Ids;
import dev.tollgate.wire.Json;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * Whole (non-streamed) Messages answers, {@code {"type":"message",...}}: read into the canonical answer and written
 * from it. A thinking part without signature (reasoning from an OpenAI-compatible backend) is written with an empty
 * signature. Stateless, thread-safe.
 */
public final class AnthropicResponses {

    private AnthropicResponses() {
    }

    /**
     * The canonical answer of a Messages body. Blocks the canonical answer does not model (server-tool blocks) are
     * kept as opaque parts.
     *
     * @throws GatewayException a 502 when the body is not a message
     */
    public static CallResponse read(byte[] body) {
        JsonNode root;
        try {
            root = Json.tree(body);
        } catch (JacksonException e) {
            throw invalid("the body is not JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject() || !root.path("content").isArray()) {
            throw invalid("it has no content array");
        }
        List<Part> content = new ArrayList<>();
        for (JsonNode block : root.get("content")) {
            String type = block.path("type").asString("");
            switch (type) {
                case "text" -> content.add(Part.Text.of(block.path("text").asString("")));
                case "tool_use" -> content.add(new Part.ToolUse(block.path("id").asString(""),
                        block.path("name").asString(""), block.path("input").isObject()
                                ? Json.raw(block.get("input")) : null, null));
                case "thinking" -> content.add(new Part.Thinking(block.path("thinking").asString(""),
                        Json.text(block.get("signature"))));
                case "redacted_thinking" -> content.add(new Part.RedactedThinking(block.path("data").asString("")));
                default -> content.add(new Part.Opaque(type, Json.raw(block)));
            }
        }
        StopReason stop = AnthropicStopReasons.read(Json.text(root.get("stop_reason")));
        return new CallResponse(Json.text(root.get("id")), Json.text(root.get("model")), content,
                stop != null ? stop : StopReason.END_TURN, Json.text(root.get("stop_sequence")),
                AnthropicUsage.read(root.get("usage")));
    }

    /** A Messages body for {@code response}, as model {@code servedModel} answered it. */
    public static byte[] write(CallResponse response, String servedModel) {
        return Json.write(g -> {
            g.writeStartObject();
            g.writeStringProperty("id", Ids.messageId(response.id()));
            g.writeStringProperty("type", "message");
            g.writeStringProperty("role", "assistant");
            g.writeStringProperty("model", servedModel);
            g.writeArrayPropertyStart("content");
            for (Part p : response.content()) {
                if (p instanceof Part.Text t) {
                    g.writeStartObject();
                    g.writeStringProperty("type", "text");
                    g.writeStringProperty("text", t.text());
                    g.writeEndObject();
                } else if (p instanceof Part.ToolUse u) {
                    g.writeStartObject();
                    g.writeStringProperty("type", "tool_use");
                    g.writeStringProperty("id", u.id());
                    g.writeStringProperty("name", u.name());
                    Json.rawProperty(g, "input", u.input());
                    g.writeEndObject();
                } else if (p instanceof Part.Thinking t) {
                    g.writeStartObject();
                    g.writeStringProperty("type", "thinking");
                    g.writeStringProperty("thinking", t.thinking());
                    g.writeStringProperty("signature", t.signature() == null ? "" : t.signature());
                    g.writeEndObject();
                } else if (p instanceof Part.RedactedThinking r) {
                    g.writeStartObject();
                    g.writeStringProperty("type", "redacted_thinking");
                    g.writeStringProperty("data", r.data());
                    g.writeEndObject();
                } else if (p instanceof Part.Opaque o) {
                    g.writeRawValue(o.json().json());
                }
            }
            g.writeEndArray();
            g.writeStringProperty("stop_reason", AnthropicStopReasons.write(response.stopReason()));
            Json.stringOrNull(g, "stop_sequence", response.stopSequence());
            g.writeName("usage");
            AnthropicUsage.write(g, response.usage());
            g.writeEndObject();
        });
    }

    private static GatewayException invalid(String why) {
        return ApiError.badGateway("upstream_invalid_response",
                "The upstream's answer could not be read as a message: " + why + ".").exception();
    }
}
