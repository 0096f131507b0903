package dev.tollgate.wire;

import dev.tollgate.api.ApiError;
import dev.tollgate.api.GatewayException;

/**
 * The 400s a request reader throws, each naming the field ({@code param}) in the path style of the client's format
 * ({@code messages[2].content} for OpenAI, {@code messages.2.content} for Anthropic). Stateless.
 */
public final class Invalid {

    private Invalid() {
    }

    public static GatewayException missing(String param) {
        return ApiError.invalidRequest("missing_required_parameter", param + ": Field required.", param).exception();
    }

    public static GatewayException type(String param, String expected) {
        return ApiError.invalidRequest("invalid_type", param + ": must be " + expected + ".", param).exception();
    }

    public static GatewayException value(String param, String message) {
        return ApiError.invalidRequest("invalid_value", param + ": " + message, param).exception();
    }
}
