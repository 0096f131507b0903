package dev.tollgate.wire.gemini;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;

import dev.tollgate.api.ApiError;
import dev.tollgate.wire.Json;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * Google's error shape, {@code {"error":{"code":429,"message":"...","status":"RESOURCE_EXHAUSTED","details":[...]}}}
 * (also as the single element of an array, as Google's streaming endpoints may send it), read for the relay:
 * <ul>
 * <li>{@code RESOURCE_EXHAUSTED} (429) is a rate limit, {@code rate_limit_exceeded}: Gemini's quotas are per model
 * and project, so failover moves to another model (docs/resilience.md, failure scope);</li>
 * <li>{@code UNAVAILABLE} (503) is an overload, as OpenAI's 503 and Anthropic's 529;</li>
 * <li>{@code NOT_FOUND} (404) is {@code model_not_found};</li>
 * <li>a {@code google.rpc.RetryInfo} detail's {@code retryDelay} ({@code "30s"}, {@code "1.5s"}) is the answer's
 * retry-after when no {@code retry-after} header came: it cools the offering down like the header does.</li>
 * </ul>
 * Stateless, thread-safe.
 */
public final class GeminiErrors {

    static final String RETRY_INFO = "type.googleapis.com/google.rpc.RetryInfo";
    static final int MAX_QUOTED = 500;

    private GeminiErrors() {
    }

    /**
     * The error Gemini answered with {@code status}, as (status, type in OpenAI's vocabulary, code, message, param).
     * A body that is not Google's shape is quoted in the message.
     */
    public static ApiError read(int status, byte[] body) {
        JsonNode error = errorNode(body);
        if (error == null) {
            String text = new String(body, StandardCharsets.UTF_8).strip();
            if (text.length() > MAX_QUOTED) {
                text = text.substring(0, MAX_QUOTED) + "...";
            }
            return new ApiError(status, typeFor(status), null, text, null);
        }
        return describe(status, error.path("status").asString(""), error.path("message").asString(""));
    }

    /** An error of Google status {@code googleStatus} (as the body names it) in the gateway's vocabulary. */
    public static ApiError describe(int status, String googleStatus, String message) {
        return switch (googleStatus) {
            case "RESOURCE_EXHAUSTED" -> new ApiError(status, "requests", "rate_limit_exceeded", message, null);
            case "NOT_FOUND" -> new ApiError(status, ApiError.INVALID_REQUEST, "model_not_found", message, "model");
            case "UNAVAILABLE" -> new ApiError(status, ApiError.SERVER_ERROR, "upstream_overloaded", message, null);
            default -> new ApiError(status, typeFor(status), googleStatus.isEmpty() ? null
                    : googleStatus.toLowerCase(java.util.Locale.ROOT), message, null);
        };
    }

    /** The HTTP status Google answers a status name with; 500 for one it does not list. */
    public static int statusFor(String googleStatus) {
        return switch (googleStatus == null ? "" : googleStatus) {
            case "INVALID_ARGUMENT", "FAILED_PRECONDITION", "OUT_OF_RANGE" -> 400;
            case "UNAUTHENTICATED" -> 401;
            case "PERMISSION_DENIED" -> 403;
            case "NOT_FOUND" -> 404;
            case "ABORTED", "ALREADY_EXISTS" -> 409;
            case "RESOURCE_EXHAUSTED" -> 429;
            case "CANCELLED" -> 499;
            case "UNIMPLEMENTED" -> 501;
            case "UNAVAILABLE" -> 503;
            case "DEADLINE_EXCEEDED" -> 504;
            default -> 500;
        };
    }

    /**
     * The {@code retryDelay} of a {@code google.rpc.RetryInfo} detail, as seconds for {@code retry-after}
     * ({@code "30s"} gives {@code "30"}, {@code "0.5s"} {@code "0.5"}); null when the body has none.
     */
    public static String retryDelay(byte[] body) {
        JsonNode error = errorNode(body);
        if (error == null) {
            return null;
        }
        for (JsonNode detail : error.path("details")) {
            if (RETRY_INFO.equals(Json.text(detail.get("@type")))) {
                String delay = Json.text(detail.get("retryDelay"));
                if (delay != null && delay.endsWith("s")) {
                    try {
                        BigDecimal seconds = new BigDecimal(delay.substring(0, delay.length() - 1).strip());
                        return seconds.signum() > 0 ? seconds.stripTrailingZeros().toPlainString() : null;
                    } catch (NumberFormatException e) {
                        return null;
                    }
                }
            }
        }
        return null;
    }

    /** The {@code error} object of a Google error body (or of the first element of an array of them), or null. */
    static JsonNode errorNode(byte[] body) {
        try {
            JsonNode root = Json.tree(body);
            if (root != null && root.isArray() && !root.isEmpty()) {
                root = root.get(0);
            }
            JsonNode error = root != null && root.isObject() ? root.get("error") : null;
            return error != null && error.isObject() ? error : null;
        } catch (JacksonException e) {
            return null;
        }
    }

    private static String typeFor(int status) {
        return status >= 500 ? ApiError.SERVER_ERROR : ApiError.INVALID_REQUEST;
    }
}
