package dev.tollgate.wire;

import java.nio.charset.StandardCharsets;
import java.util.Set;

import dev.tollgate.api.ApiError;
import dev.tollgate.call.WireFormat;
import dev.tollgate.wire.anthropic.AnthropicErrors;

/**
 * Renders an {@link ApiError} in the client's own wire format: OpenAI's {@code {"error": {...}}}, or Anthropic's
 * {@code {"type": "error", "error": {"type", "message"}}} on the Messages API ({@link AnthropicErrors}: the type
 * follows the status, 400 {@code invalid_request_error}, 401 {@code authentication_error}, 403
 * {@code permission_error}, 404 {@code not_found_error}, 413 {@code request_too_large}, 429
 * {@code rate_limit_error}, 529 {@code overloaded_error}, other 5xx {@code api_error}; a parameter is named at the
 * start of the message). An overload (every backend unavailable, the gateway or the
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
        if (format.openAiErrors()) {
            return error.toJson();
        }
        int status = status(error, format);
        return AnthropicErrors.toJson(status == error.status() ? error
                : new ApiError(status, error.type(), error.code(), error.message(), error.param()));
    }

    /** A stream's closing error event in {@code format} (the stream broke after its first byte). */
    public static byte[] streamEvent(ApiError error, WireFormat format) {
        String json = new String(json(error, format), StandardCharsets.UTF_8);
        String event = format.openAiErrors() ? "data: " + json + "\n\n" : "event: error\ndata: " + json + "\n\n";
        return event.getBytes(StandardCharsets.UTF_8);
    }
}
