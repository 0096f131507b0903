package dev.tollgate.api;

import java.nio.charset.StandardCharsets;

import tools.jackson.core.io.JsonStringEncoder;

/**
 * An error as a client sees it, in OpenAI's shape {@code {"error":{"message","type","code","param"}}}.
 * Immutable. Factory methods name every error the gateway itself produces.
 */
public record ApiError(int status, String type, String code, String message, String param) {

    public static final String INVALID_REQUEST = "invalid_request_error";
    public static final String SERVER_ERROR = "server_error";

    public static ApiError invalidRequest(String code, String message, String param) {
        return new ApiError(400, INVALID_REQUEST, code, message, param);
    }

    public static ApiError unauthorized(String message) {
        return new ApiError(401, INVALID_REQUEST, "invalid_api_key", message, null);
    }

    public static ApiError modelNotFound(String message) {
        return new ApiError(404, INVALID_REQUEST, "model_not_found", message, "model");
    }

    public static ApiError notFound(String code, String message, String param) {
        return new ApiError(404, INVALID_REQUEST, code, message, param);
    }

    public static ApiError tooLarge(long limitBytes) {
        return new ApiError(413, INVALID_REQUEST, "request_too_large",
                "The request body is larger than the gateway's limit of " + limitBytes + " bytes.", null);
    }

    public static ApiError badGateway(String code, String message) {
        return new ApiError(502, SERVER_ERROR, code, message, null);
    }

    public static ApiError timeout(String message) {
        return new ApiError(504, SERVER_ERROR, "upstream_timeout", message, null);
    }

    public static ApiError internal(String requestId) {
        return new ApiError(500, SERVER_ERROR, "internal_error",
                "The gateway failed to handle this request (request id " + requestId + "); it has been logged.", null);
    }

    public GatewayException exception() {
        return new GatewayException(this);
    }

    /** The JSON body. Hand-written: four string fields do not need an object mapper on the error path. */
    public byte[] toJson() {
        StringBuilder sb = new StringBuilder(96 + message.length());
        sb.append("{\"error\":{\"message\":");
        quote(sb, message);
        sb.append(",\"type\":");
        quote(sb, type);
        sb.append(",\"code\":");
        quote(sb, code);
        sb.append(",\"param\":");
        quote(sb, param);
        sb.append("}}");
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void quote(StringBuilder sb, String value) {
        if (value == null) {
            sb.append("null");
            return;
        }
        sb.append('"');
        JsonStringEncoder.getInstance().quoteAsString(value, sb);
        sb.append('"');
    }
}
