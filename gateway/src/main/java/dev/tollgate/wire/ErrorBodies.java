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
 * answers it. The Responses API has OpenAI's error body; in a stream its {@code error} event. Stateless.
 */
public final class ErrorBodies {

    /** Codes that mean "overloaded, retry later": Anthropic's clients see them as 529. */
    private static final Set<String> OVERLOADED = Set.of("upstream_overloaded", "backends_unavailable", "server_busy");

    private ErrorBodies() {
    }

    /** The HTTP status the client sees. */
    public static int status(ApiError error, WireFormat format) {
        return switch (format) {
            case ANTHROPIC_MESSAGES -> error.status() == 503 && OVERLOADED.contains(error.code()) ? 529
                    : error.status();
            // no client speaks Gemini to the gateway: were one to, it would get OpenAI's shape
            case OPENAI_CHAT, OPENAI_RESPONSES, OPENAI_EMBEDDINGS, GEMINI -> error.status();
        };
    }

    /** The error's JSON body in {@code format}. */
    public static byte[] json(ApiError error, WireFormat format) {
        return switch (format) {
            case OPENAI_CHAT, OPENAI_RESPONSES, OPENAI_EMBEDDINGS, GEMINI -> error.toJson();
            case ANTHROPIC_MESSAGES -> {
                int status = status(error, format);
                yield AnthropicErrors.toJson(status == error.status() ? error
                        : new ApiError(status, error.type(), error.code(), error.message(), error.param()));
            }
        };
    }

    /**
     * A stream's closing error event in {@code format} (the stream broke after its first byte); a Responses stream's
     * {@code error} event gets sequence number 0 (see {@link #streamEvent(ApiError, WireFormat, int)}).
     */
    public static byte[] streamEvent(ApiError error, WireFormat format) {
        return streamEvent(error, format, 0);
    }

    /**
     * A stream's closing error event in {@code format}: OpenAI's {@code data: {"error": {...}}}, Anthropic's
     * {@code event: error} with its error body, or the Responses API's {@code event: error} with
     * {@code {"type":"error","code","message","param","sequence_number"}}.
     *
     * @param sequenceNumber the Responses event's {@code sequence_number} (the one after the last event sent)
     */
    public static byte[] streamEvent(ApiError error, WireFormat format, int sequenceNumber) {
        String event = switch (format) {
            case OPENAI_CHAT, OPENAI_EMBEDDINGS, GEMINI -> "data: " + new String(json(error, format),
                    StandardCharsets.UTF_8) + "\n\n";
            case ANTHROPIC_MESSAGES -> "event: error\ndata: " + new String(json(error, format), StandardCharsets.UTF_8)
                    + "\n\n";
            case OPENAI_RESPONSES -> "event: error\ndata: " + new String(Json.write(g -> {
                g.writeStartObject();
                g.writeStringProperty("type", "error");
                Json.stringOrNull(g, "code", error.code());
                g.writeStringProperty("message", error.message());
                Json.stringOrNull(g, "param", error.param());
                g.writeNumberProperty("sequence_number", sequenceNumber);
                g.writeEndObject();
            }), StandardCharsets.UTF_8) + "\n\n";
        };
        return event.getBytes(StandardCharsets.UTF_8);
    }
}
