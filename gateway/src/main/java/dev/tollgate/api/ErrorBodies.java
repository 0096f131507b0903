package dev.tollgate.api;

import java.nio.charset.StandardCharsets;
import java.util.Set;

import dev.tollgate.call.WireFormat;
import tools.jackson.core.io.JsonStringEncoder;

/**
 * Renders an {@link ApiError} in the client's own wire format: OpenAI's {@code {"error": {...}}}, or Anthropic's
 * {@code {"type": "error", "error": {"type", "message"}}} on the Messages API, whose error type follows the status
 * (400 {@code invalid_request_error}, 401 {@code authentication_error}, 403 {@code permission_error}, 404
 * {@code not_found_error}, 413 {@code request_too_large}, 429 {@code rate_limit_error}, 529
 * {@code overloaded_error}, other 5xx {@code api_error}). An overload (every backend unavailable, the gateway or the
 * provider overloaded) is 503 for OpenAI's clients and 529 {@code overloaded_error} for Anthropic's, as Anthropic
 * answers it. Stateless.
 */
public final class ErrorBodies {

    /** Codes that mean "overloaded, retry later": Anthropic's clients see them as 529. */
    private static final Set<String> OVERLOADED = Set.of("upstream_overloaded", "backends_unavailable", "server_busy");

    private ErrorBodies() {
    }

    /** The HTTP status the client sees. */
    public static int status(ApiError error, WireFormat format) {
        if (format == WireFormat.ANTHROPIC_MESSAGES && error.status() == 503 && OVERLOADED.contains(error.code())) {
            return 529;
        }
        return error.status();
    }

    /** The error's JSON body in {@code format}. */
    public static byte[] json(ApiError error, WireFormat format) {
        if (format != WireFormat.ANTHROPIC_MESSAGES) {
            return error.toJson();
        }
        StringBuilder sb = new StringBuilder(64 + error.message().length());
        sb.append("{\"type\":\"error\",\"error\":{\"type\":\"").append(anthropicType(status(error, format)))
                .append("\",\"message\":\"");
        JsonStringEncoder.getInstance().quoteAsString(error.message(), sb);
        sb.append("\"}}");
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** A stream's closing error event in {@code format} (the stream broke after its first byte). */
    public static byte[] streamEvent(ApiError error, WireFormat format) {
        String json = new String(json(error, format), StandardCharsets.UTF_8);
        String event = format == WireFormat.ANTHROPIC_MESSAGES ? "event: error\ndata: " + json + "\n\n"
                : "data: " + json + "\n\n";
        return event.getBytes(StandardCharsets.UTF_8);
    }

    /** Anthropic's error type for a status. */
    public static String anthropicType(int status) {
        return switch (status) {
            case 400, 405, 414, 415, 422, 431 -> "invalid_request_error";
            case 401 -> "authentication_error";
            case 402 -> "billing_error";
            case 403 -> "permission_error";
            case 404 -> "not_found_error";
            case 413 -> "request_too_large";
            case 429 -> "rate_limit_error";
            case 529 -> "overloaded_error";
            default -> status >= 500 ? "api_error" : "invalid_request_error";
        };
    }
}
