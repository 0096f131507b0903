package dev.tollgate.wire.gemini;

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
 * Whole {@code generateContent} answers, read into the canonical answer: the first candidate's parts (text,
 * {@code thought: true} text as thinking, {@code functionCall} as a tool call with its id, or a new one when Gemini
 * gave none), its {@code finishReason} ({@link GeminiFinishReasons}), {@code usageMetadata} ({@link GeminiUsage}),
 * {@code responseId} and {@code modelVersion}. A prompt Gemini blocked ({@code promptFeedback.blockReason}, no
 * candidate) is an empty answer stopped by the content filter. Stateless, thread-safe.
 */
public final class GeminiResponses {

    private GeminiResponses() {
    }

    /**
     * The canonical answer of a {@code GenerateContentResponse} body.
     *
     * @throws GatewayException a 502 when the body is not such a response
     */
    public static CallResponse read(byte[] body) {
        JsonNode root;
        try {
            root = Json.tree(body);
        } catch (JacksonException e) {
            throw invalid("the body is not JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw invalid("it is not a JSON object");
        }
        JsonNode candidate = root.path("candidates").path(0);
        List<Part> content = new ArrayList<>();
        boolean calledTools = false;
        for (JsonNode part : candidate.path("content").path("parts")) {
            Part p = part(part);
            if (p != null) {
                content.add(p);
                calledTools |= p instanceof Part.ToolUse;
            }
        }
        StopReason stop = GeminiFinishReasons.read(Json.text(candidate.get("finishReason")), calledTools);
        if (stop == null) {
            stop = root.path("promptFeedback").has("blockReason")
                    ? new StopReason(StopReason.Kind.CONTENT_FILTER, null)
                    : calledTools ? StopReason.of(StopReason.Kind.TOOL_USE) : StopReason.END_TURN;
        }
        return new CallResponse(Json.text(root.get("responseId")), Json.text(root.get("modelVersion")), content,
                stop, null, GeminiUsage.read(root.get("usageMetadata")));
    }

    /** One part of a candidate's content, or null for a part the canonical answer has no place for. */
    static Part part(JsonNode part) {
        String text = Json.text(part.get("text"));
        if (text != null) {
            return part.path("thought").asBoolean(false) ? new Part.Thinking(text, null) : Part.Text.of(text);
        }
        JsonNode call = part.get("functionCall");
        if (call != null && call.isObject()) {
            String id = Json.text(call.get("id"));
            JsonNode args = call.get("args");
            return new Part.ToolUse(id == null || id.isEmpty() ? Ids.toolUseId() : id,
                    call.path("name").asString(""), args != null && args.isObject() ? Json.raw(args) : null, null);
        }
        return null;
    }

    private static GatewayException invalid(String why) {
        return ApiError.badGateway("upstream_invalid_response",
                "The upstream's answer could not be read as a Gemini response: " + why + ".").exception();
    }
}
