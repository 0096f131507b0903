package dev.tollgate.gateway;

import org.springframework.http.HttpHeaders;
import org.springframework.web.server.ServerWebExchange;

import dev.tollgate.api.ApiError;
import dev.tollgate.call.CallRequest;
import dev.tollgate.call.WireFormat;
import dev.tollgate.wire.anthropic.MessagesRequest;
import dev.tollgate.wire.openai.ChatRequest;
import dev.tollgate.wire.openai.EmbeddingsRequest;
import dev.tollgate.wire.responses.ResponsesRequest;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.ObjectMapper;

/** The endpoints that take calls, and the wire format each speaks: errors on them come in that format's shape. */
public final class Ingress {

    public static final String CHAT_PATH = "/v1/chat/completions";
    public static final String MESSAGES_PATH = "/v1/messages";
    public static final String RESPONSES_PATH = "/v1/responses";
    public static final String COUNT_TOKENS_PATH = "/v1/messages/count_tokens";
    public static final String EMBEDDINGS_PATH = "/v1/embeddings";
    /** The header naming the version of Anthropic's API a client speaks. */
    public static final String ANTHROPIC_VERSION = "anthropic-version";

    private Ingress() {
    }

    /**
     * The wire format of a path: Anthropic's for the Messages API, OpenAI's Responses format for the Responses API,
     * OpenAI Embeddings for {@value #EMBEDDINGS_PATH}, OpenAI's Chat Completions format for everything else.
     */
    public static WireFormat format(String path) {
        if (under(path, MESSAGES_PATH)) {
            return WireFormat.ANTHROPIC_MESSAGES;
        }
        if (under(path, RESPONSES_PATH)) {
            return WireFormat.OPENAI_RESPONSES;
        }
        return EMBEDDINGS_PATH.equals(path) ? WireFormat.OPENAI_EMBEDDINGS : WireFormat.OPENAI_CHAT;
    }

    /** Whether {@code path} is {@code root} or below it. */
    private static boolean under(String path, String root) {
        return path.startsWith(root) && (path.length() == root.length() || path.charAt(root.length()) == '/');
    }

    public static WireFormat format(ServerWebExchange exchange) {
        return format(exchange.getRequest().getPath().value());
    }

    /**
     * A request body for {@code POST /v1/route/explain} or {@code /v1/cost/compare}: in Anthropic's Messages format when
     * the request carries {@code anthropic-version} (as every Anthropic client sends); else in OpenAI's Responses
     * format when the body has a top-level {@code input} and no {@code messages}; else in OpenAI's Chat Completions
     * format.
     */
    public static CallRequest parse(byte[] body, ObjectMapper mapper, HttpHeaders headers) {
        if (headers.containsHeader(ANTHROPIC_VERSION)) {
            return MessagesRequest.parse(body, mapper, false);
        }
        return isResponsesBody(body, mapper) ? ResponsesRequest.parse(body, mapper) : ChatRequest.parse(body, mapper);
    }

    /**
     * A request body for {@code POST /v1/route/explain} or {@code /v1/cost/compare} in the format {@code endpoint}
     * names ({@code chat}, {@code messages}, {@code responses} or {@code embeddings}: an embeddings body needs it,
     * its {@code input} alone does not say which endpoint it is for); when null, told from the request
     * ({@link #parse(byte[], ObjectMapper, HttpHeaders)}). Any other name is a 400.
     */
    public static CallRequest parse(byte[] body, ObjectMapper mapper, HttpHeaders headers, String endpoint) {
        if (endpoint == null) {
            return parse(body, mapper, headers);
        }
        WireFormat format = switch (endpoint) {
            case "chat" -> WireFormat.OPENAI_CHAT;
            case "messages" -> WireFormat.ANTHROPIC_MESSAGES;
            case "responses" -> WireFormat.OPENAI_RESPONSES;
            case "embeddings" -> WireFormat.OPENAI_EMBEDDINGS;
            default -> throw ApiError.invalidRequest("invalid_value", "endpoint must be 'chat', 'messages', "
                    + "'responses', 'embeddings' or absent, but was '" + endpoint + "'.", "endpoint").exception();
        };
        return parseCall(body, mapper, format);
    }

    /** Whether a JSON object has a top-level {@code input} and no {@code messages} (top-level names only are read). */
    static boolean isResponsesBody(byte[] body, ObjectMapper mapper) {
        boolean input = false;
        try (JsonParser p = mapper.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return false;
            }
            while (p.nextToken() == JsonToken.PROPERTY_NAME) {
                String name = p.currentName();
                if ("messages".equals(name)) {
                    return false;
                }
                input |= "input".equals(name);
                p.nextToken();
                p.skipChildren();
            }
        } catch (JacksonException e) {
            return false; // the chat parser reports it
        }
        return input;
    }

    /** Whether the path takes a call (routed, admitted, forwarded and metered). */
    public static boolean isCall(String path) {
        return CHAT_PATH.equals(path) || MESSAGES_PATH.equals(path) || RESPONSES_PATH.equals(path)
                || EMBEDDINGS_PATH.equals(path);
    }

    /** Parses a call's body in its endpoint's format. */
    public static CallRequest parseCall(byte[] body, ObjectMapper mapper, WireFormat format) {
        return switch (format) {
            case OPENAI_CHAT -> ChatRequest.parse(body, mapper);
            case ANTHROPIC_MESSAGES -> MessagesRequest.parse(body, mapper, false);
            case OPENAI_RESPONSES -> ResponsesRequest.parse(body, mapper);
            case OPENAI_EMBEDDINGS -> EmbeddingsRequest.parse(body, mapper);
            case GEMINI -> throw new IllegalStateException("no ingress speaks " + format.displayName());
        };
    }
}
