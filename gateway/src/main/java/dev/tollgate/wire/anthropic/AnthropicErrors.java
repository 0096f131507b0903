package dev.tollgate.wire.anthropic;

import java.nio.charset.StandardCharsets;

import dev.tollgate.api.ApiError;
import dev.tollgate.wire.Json;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * Anthropic's error shape, {@code {"type":"error","error":{"type":...,"message":...}}}, and its types by HTTP status:
 * 400 {@code invalid_request_error} (also for other 4xx), 401 {@code authentication_error}, 402
 * {@code billing_error}, 403 {@code permission_error}, 404 {@code not_found_error}, 413 {@code request_too_large},
 * 429 {@code rate_limit_error}, 500 {@code api_error} (also for other 5xx), 529 {@code overloaded_error} (also for
 * 503, the gateway's "no backend can take it now"). Stateless, thread-safe.
 */
public final class AnthropicErrors {

    static final int MAX_QUOTED = 500;

    private AnthropicErrors() {
    }

    /** Anthropic's error type for an HTTP status. */
    public static String typeFor(int status) {
        return switch (status) {
            case 400 -> "invalid_request_error";
            case 401 -> "authentication_error";
            case 402 -> "billing_error";
            case 403 -> "permission_error";
            case 404 -> "not_found_error";
            case 413 -> "request_too_large";
            case 429 -> "rate_limit_error";
            case 503, 529 -> "overloaded_error";
            default -> status >= 500 ? "api_error" : "invalid_request_error";
        };
    }

    /** The HTTP status Anthropic answers an error type with; 500 for a type it does not list. */
    public static int statusFor(String type) {
        return switch (type == null ? "" : type) {
            case "invalid_request_error" -> 400;
            case "authentication_error" -> 401;
            case "billing_error" -> 402;
            case "permission_error" -> 403;
            case "not_found_error" -> 404;
            case "request_too_large" -> 413;
            case "rate_limit_error" -> 429;
            case "overloaded_error" -> 529;
            default -> 500;
        };
    }

    /**
     * An error type in Anthropic's vocabulary: one of Anthropic's kept, OpenAI's mapped ({@code server_error} to
     * {@code api_error}, {@code rate_limit_exceeded} and its kin to {@code rate_limit_error},
     * {@code insufficient_quota} to {@code billing_error}), anything else {@code api_error}.
     */
    public static String typeOf(String type) {
        if (type == null) {
            return "api_error";
        }
        if (statusFor(type) != 500 || type.equals("api_error")) {
            return type;
        }
        return switch (type) {
            case "rate_limit_exceeded", "requests", "tokens" -> "rate_limit_error";
            case "insufficient_quota" -> "billing_error";
            default -> "api_error";
        };
    }

    /**
     * The body for an error the gateway reports in OpenAI's shape, for an Anthropic client: the type chosen by status,
     * the parameter named at the start of the message ({@code max_tokens: ...}) unless the message already does.
     */
    public static byte[] toJson(ApiError error) {
        String message = error.message() == null ? "" : error.message();
        if (error.param() != null && !message.startsWith(error.param() + ":")) {
            message = error.param() + ": " + message;
        }
        return toJson(typeFor(error.status()), message);
    }

    public static byte[] toJson(String type, String message) {
        return Json.write(g -> {
            g.writeStartObject();
            g.writeStringProperty("type", "error");
            g.writeObjectPropertyStart("error");
            g.writeStringProperty("type", type);
            g.writeStringProperty("message", message == null ? "" : message);
            g.writeEndObject();
            g.writeEndObject();
        });
    }

    /**
     * The error an Anthropic upstream answered with {@code status}, as (status, Anthropic type, message); code and
     * param are null. A body that is not Anthropic's shape is quoted in the message.
     */
    public static ApiError read(int status, byte[] body) {
        try {
            JsonNode root = Json.tree(body);
            JsonNode error = root == null ? null : root.get("error");
            if (error != null && error.isObject()) {
                String type = error.path("type").asString(typeFor(status));
                return new ApiError(status > 0 ? status : statusFor(type), type, null,
                        error.path("message").asString(""), null);
            }
        } catch (JacksonException e) {
            // quoted below
        }
        String text = new String(body, StandardCharsets.UTF_8).strip();
        if (text.length() > MAX_QUOTED) {
            text = text.substring(0, MAX_QUOTED) + "...";
        }
        return new ApiError(status, typeFor(status), null, text, null);
    }

    /** An error of another format for an Anthropic client, with its type in Anthropic's vocabulary by status. */
    public static ApiError fromForeign(ApiError foreign) {
        String message = foreign.message() == null ? "" : foreign.message();
        if (foreign.param() != null && !message.startsWith(foreign.param() + ":")) {
            message = foreign.param() + ": " + message;
        }
        return new ApiError(foreign.status(), typeFor(foreign.status()), foreign.code(), message, null);
    }
}
