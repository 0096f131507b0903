package dev.tollgate.wire.openai;

import java.nio.charset.StandardCharsets;

import dev.tollgate.api.ApiError;
import dev.tollgate.wire.Json;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * OpenAI's error shape, {@code {"error":{"message","type","code","param"}}}: read from an upstream body, and made from
 * an error another format reported (its type kept as the {@code code}, the OpenAI {@code type} chosen by status, as
 * OpenAI's SDKs decide by status). Stateless, thread-safe.
 */
public final class OpenAiErrors {

    /** The longest piece of a non-JSON error body quoted in a message. */
    static final int MAX_QUOTED = 500;

    private OpenAiErrors() {
    }

    /** The error an upstream answered with {@code status}; a body that is not OpenAI's shape is quoted. */
    public static ApiError read(int status, byte[] body) {
        try {
            JsonNode root = Json.tree(body);
            JsonNode error = root == null ? null : root.get("error");
            if (error != null && error.isObject()) {
                return new ApiError(status, error.path("type").asString(typeFor(status)),
                        textOf(error.get("code")), error.path("message").asString(""),
                        Json.text(error.get("param")));
            }
            if (error != null && error.isString()) {
                return new ApiError(status, typeFor(status), null, error.stringValue(), null);
            }
        } catch (JacksonException e) {
            // quoted below
        }
        return new ApiError(status, typeFor(status), null, quote(body), null);
    }

    /**
     * An error of another format for an OpenAI client: its type becomes the {@code code}, the type is OpenAI's for the
     * status.
     */
    public static ApiError fromForeign(ApiError foreign) {
        return new ApiError(foreign.status(), typeFor(foreign.status()), foreign.type(), foreign.message(),
                foreign.param());
    }

    /** The body of a mid-stream error ({@code data: {"error":{...}}}). */
    public static byte[] toJson(String type, String message) {
        return new ApiError(500, type, null, message == null ? "" : message, null).toJson();
    }

    /** OpenAI's error type for an HTTP status. */
    public static String typeFor(int status) {
        if (status == 429) {
            return "rate_limit_exceeded";
        }
        return status >= 500 ? ApiError.SERVER_ERROR : ApiError.INVALID_REQUEST;
    }

    private static String textOf(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        return node.isString() ? node.stringValue() : node.toString();
    }

    static String quote(byte[] body) {
        String text = new String(body, StandardCharsets.UTF_8).strip();
        return text.length() > MAX_QUOTED ? text.substring(0, MAX_QUOTED) + "..." : text;
    }
}
