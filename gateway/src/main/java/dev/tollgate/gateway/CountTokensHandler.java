package dev.tollgate.gateway;

import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;

import dev.tollgate.metering.TokenCounter;
import dev.tollgate.wire.anthropic.MessagesRequest;
import reactor.core.publisher.Mono;
import tools.jackson.databind.ObjectMapper;

/**
 * {@code POST /v1/messages/count_tokens}: the prompt tokens of an Anthropic Messages request (system, messages,
 * tools), as {@code {"input_tokens": N}}. Counted by the gateway with its tokenizer (OpenAI's o200k_base, the same
 * count that routing and the context-window check use), so it is an estimate for Claude models, whose tokenizer is
 * not public; the response says so in {@code x-tollgate-estimated: true}. Nothing is sent upstream and nothing is
 * billed. Thread-safe.
 */
public final class CountTokensHandler {

    static final String ESTIMATED = "x-tollgate-estimated";

    private final ObjectMapper mapper;
    private final TokenCounter tokens;
    private final int maxBytes;
    private final BodyWork work;

    public CountTokensHandler(ObjectMapper mapper, TokenCounter tokens, int maxBytes, BodyWork work) {
        this.mapper = mapper;
        this.tokens = tokens;
        this.maxBytes = maxBytes;
        this.work = work;
    }

    public Mono<ServerResponse> count(ServerRequest request) {
        return ParseFilter.readBody(request.exchange().getRequest(), maxBytes)
                .flatMap(bytes -> work.run(request.exchange().getRequest(), bytes.length, () -> {
                    MessagesRequest messages = MessagesRequest.parse(bytes, mapper, true);
                    return ("{\"input_tokens\":" + messages.promptTokens(tokens) + "}").getBytes(
                            java.nio.charset.StandardCharsets.US_ASCII);
                }))
                .flatMap(body -> ServerResponse.ok().contentType(MediaType.APPLICATION_JSON)
                        .header(ESTIMATED, "true").bodyValue(body));
    }
}
