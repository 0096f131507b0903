package dev.tollgate.wire.responses;

import java.util.ArrayList;
import java.util.List;

import dev.tollgate.api.ApiError;
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
 * A whole (non-streamed) Responses answer, both ways. Written: a {@code response} object ({@link ResponseObject})
 * whose {@code output} holds, in the answer's order, a {@code reasoning} item per thinking part, a {@code message}
 * item per run of text parts (their text in one {@code output_text} part), and a {@code function_call} item per tool use;
 * {@code status} is {@code incomplete} with {@code incomplete_details.reason} when the output cap or a content filter
 * stopped it. Read: the same items back into parts (reasoning from its content or summary text), the stop reason from
 * the status and the items. Stateless, thread-safe.
 */
public final class ResponsesResponses {

    private ResponsesResponses() {
    }

    /**
     * Reads a Response object.
     *
     * @throws dev.tollgate.api.GatewayException a 502 when the body is not one
     */
    public static CallResponse read(byte[] body) {
        JsonNode root;
        try {
            root = Json.tree(body);
        } catch (JacksonException e) {
            throw ApiError.badGateway("upstream_bad_response", "The provider sent a response that is not valid JSON.")
                    .exception();
        }
        if (root == null || !root.isObject() || !root.path("output").isArray()) {
            throw ApiError.badGateway("upstream_bad_response", "The provider sent a response without output.")
                    .exception();
        }
        List<Part> parts = new ArrayList<>();
        boolean calls = false;
        for (JsonNode item : root.path("output")) {
            switch (item.path("type").asString("")) {
                case "message" -> {
                    for (JsonNode c : item.path("content")) {
                        String text = "refusal".equals(c.path("type").asString("")) ? Json.text(c.get("refusal"))
                                : Json.text(c.get("text"));
                        if (text != null) {
                            parts.add(Part.Text.of(text));
                        }
                    }
                }
                case "function_call" -> {
                    calls = true;
                    String arguments = item.path("arguments").asString("");
                    RawJson input;
                    try {
                        input = arguments.isBlank() ? RawJson.EMPTY_OBJECT : Json.parseRaw(arguments);
                    } catch (JacksonException e) {
                        input = RawJson.EMPTY_OBJECT;
                    }
                    parts.add(new Part.ToolUse(item.path("call_id").asString(Ids.toolUseId()),
                            item.path("name").asString(""), input, null));
                }
                case "reasoning" -> {
                    StringBuilder text = new StringBuilder();
                    for (JsonNode c : item.path("content")) {
                        text.append(c.path("text").asString(""));
                    }
                    if (text.isEmpty()) {
                        for (JsonNode s : item.path("summary")) {
                            text.append(s.path("text").asString(""));
                        }
                    }
                    if (!text.isEmpty()) {
                        parts.add(new Part.Thinking(text.toString(), null));
                    }
                }
                default -> { }
            }
        }
        TokenCounts usage = ResponsesUsage.read(root.get("usage"));
        return new CallResponse(Json.text(root.get("id")), Json.text(root.get("model")), parts,
                stopReason(root, calls), null, usage);
    }

    /** The stop reason of a Response: its incomplete reason, else a tool call, else the end of the turn. */
    static StopReason stopReason(JsonNode response, boolean calls) {
        String status = response.path("status").asString("completed");
        if ("incomplete".equals(status)) {
            String reason = response.path("incomplete_details").path("reason").asString("");
            return new StopReason("content_filter".equals(reason) ? StopReason.Kind.CONTENT_FILTER
                    : StopReason.Kind.MAX_TOKENS, reason);
        }
        return calls ? new StopReason(StopReason.Kind.TOOL_USE, null) : StopReason.END_TURN;
    }

    /**
     * Writes {@code response} as a Response object.
     *
     * @param servedModel the model name the client is to see
     * @param createdAt   epoch seconds
     */
    public static byte[] write(CallResponse response, String servedModel, long createdAt) {
        List<ResponseObject.Item> items = items(response.content());
        return Json.write(g -> ResponseObject.write(g, Ids.responseId(response.id()), createdAt,
                ResponseObject.status(response.stopReason()), ResponseObject.incompleteReason(response.stopReason()),
                servedModel, items, response.usage()));
    }

    private static List<ResponseObject.Item> items(List<Part> content) {
        List<ResponseObject.Item> items = new ArrayList<>();
        StringBuilder text = null;
        for (Part p : content) {
            if (p instanceof Part.Text t) {
                if (text == null) {
                    text = new StringBuilder();
                }
                text.append(t.text());
                continue;
            }
            if (text != null) {
                items.add(message(text));
                text = null;
            }
            if (p instanceof Part.ToolUse u) {
                items.add(new ResponseObject.Item(ResponseObject.Item.Kind.FUNCTION_CALL, Ids.itemId("fc_"),
                        u.input().json(), u.id(), u.name()));
            } else if (p instanceof Part.Thinking th) {
                items.add(new ResponseObject.Item(ResponseObject.Item.Kind.REASONING, Ids.itemId("rs_"),
                        th.thinking(), null, null));
            }
        }
        if (text != null) {
            items.add(message(text));
        }
        return items;
    }

    private static ResponseObject.Item message(StringBuilder text) {
        return new ResponseObject.Item(ResponseObject.Item.Kind.MESSAGE, Ids.itemId("msg_"), text.toString(), null,
                null);
    }
}
