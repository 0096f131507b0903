package dev.tollgate.gateway;

import org.springframework.http.HttpHeaders;
import org.springframework.web.server.ServerWebExchange;

import dev.tollgate.call.CallRequest;
import dev.tollgate.call.WireFormat;
import dev.tollgate.wire.anthropic.MessagesRequest;
import dev.tollgate.wire.openai.ChatRequest;
import dev.tollgate.wire.openai.EmbeddingsRequest;
import tools.jackson.databind.ObjectMapper;

/** The endpoints that take calls, and the wire format each speaks: errors on them come in that format's shape. */
public final class Ingress {

    public static final String CHAT_PATH = "/v1/chat/completions";
    public static final String MESSAGES_PATH = "/v1/messages";
    public static final String COUNT_TOKENS_PATH = "/v1/messages/count_tokens";
    public static final String EMBEDDINGS_PATH = "/v1/embeddings";
    /** The header naming the version of Anthropic's API a client speaks. */
    public static final String ANTHROPIC_VERSION = "anthropic-version";

    private Ingress() {
    }

    /**
     * The wire format of a path: Anthropic's for the Messages API, OpenAI Embeddings for {@value #EMBEDDINGS_PATH},
     * OpenAI's Chat Completions for everything else.
     */
    public static WireFormat format(String path) {
        if (path.startsWith(MESSAGES_PATH) && (path.length() == MESSAGES_PATH.length()
                || path.charAt(MESSAGES_PATH.length()) == '/')) {
            return WireFormat.ANTHROPIC_MESSAGES;
        }
        return EMBEDDINGS_PATH.equals(path) ? WireFormat.OPENAI_EMBEDDINGS : WireFormat.OPENAI_CHAT;
    }

    /** A call's body read in the format of the endpoint it came to. */
    public static CallRequest parseCall(byte[] body, ObjectMapper mapper, WireFormat format) {
        return switch (format) {
            case OPENAI_CHAT -> ChatRequest.parse(body, mapper);
            case ANTHROPIC_MESSAGES -> MessagesRequest.parse(body, mapper, false);
            case OPENAI_EMBEDDINGS -> EmbeddingsRequest.parse(body, mapper);
        };
    }

    public static WireFormat format(ServerWebExchange exchange) {
        return format(exchange.getRequest().getPath().value());
    }

    /**
     * A request body for {@code POST /v1/route/explain} or {@code /v1/cost/compare}: in Anthropic's Messages format when
     * the request carries {@code anthropic-version} (as every Anthropic client sends), else in OpenAI's.
     */
    public static CallRequest parse(byte[] body, ObjectMapper mapper, HttpHeaders headers) {
        return headers.containsHeader(ANTHROPIC_VERSION) ? MessagesRequest.parse(body, mapper, false)
                : ChatRequest.parse(body, mapper);
    }

    /** Whether the path takes a call (routed, admitted, forwarded and metered). */
    public static boolean isCall(String path) {
        return CHAT_PATH.equals(path) || MESSAGES_PATH.equals(path) || EMBEDDINGS_PATH.equals(path);
    }
}
