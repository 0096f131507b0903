package dev.tollgate.wire;

import dev.tollgate.api.ApiError;
import dev.tollgate.api.GatewayException;
import tools.jackson.databind.JsonNode;

/**
 * The 400s a request reader throws, each naming the field ({@code param}) in the path style of the client's format
 * ({@code messages[2].content} for OpenAI, {@code messages.2.content} for Anthropic), and the readers of optional
 * scalar fields that throw them. Stateless.
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

    /** An optional integer >= 1: null when absent or JSON null; a value of another kind is a 400 naming {@code param}. */
    public static Integer optPositiveInt(JsonNode v, String param) {
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < 1) {
            throw Invalid.type(param, "an integer >= 1");
        }
        return v.intValue();
    }

    /** An optional number: null when absent or JSON null; a value of another kind is a 400 naming {@code param}. */
    public static Double optNumber(JsonNode v, String param) {
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isNumber()) {
            throw Invalid.type(param, "a number");
        }
        return v.doubleValue();
    }

    /** An optional boolean: null when absent or JSON null; a value of another kind is a 400 naming {@code param}. */
    public static Boolean optBoolean(JsonNode v, String param) {
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isBoolean()) {
            throw Invalid.type(param, "a boolean");
        }
        return v.booleanValue();
    }

    /** An optional string: null when absent or JSON null; a value of another kind is a 400 naming {@code param}. */
    public static String optString(JsonNode v, String param) {
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isString()) {
            throw Invalid.type(param, "a string");
        }
        return v.stringValue();
    }
}
