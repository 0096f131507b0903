package dev.tollgate.gateway;

import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.core.Ordered;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.server.ServerWebExchange;

import dev.tollgate.api.ApiError;
import dev.tollgate.call.CallRequest;
import dev.tollgate.call.WireFormat;
import dev.tollgate.wire.anthropic.MessagesRequest;
import dev.tollgate.wire.openai.ChatRequest;
import dev.tollgate.metering.CallRecord;
import dev.tollgate.metering.TokenCounter;
import io.netty.channel.Channel;
import reactor.core.publisher.Mono;
import tools.jackson.databind.ObjectMapper;

/**
 * Reads the request body once, refusing more than {@code tollgate.limits.max-body-size} (413, before reading
 * when Content-Length already says so), and parses it in its endpoint's wire format ({@link ChatRequest},
 * {@link MessagesRequest}, {@link dev.tollgate.wire.responses.ResponsesRequest},
 * {@link dev.tollgate.wire.openai.EmbeddingsRequest}). A large body is parsed and its
 * prompt tokens counted (for routing, which comes next) off the event loop ({@link BodyWork}). Thread-safe.
 */
public final class ParseFilter implements GlobalFilter, Ordered {

    private final ObjectMapper mapper;
    private final int maxBytes;
    private final BodyWork work;
    private final TokenCounter tokens;

    public ParseFilter(ObjectMapper mapper, int maxBytes, BodyWork work, TokenCounter tokens) {
        this.mapper = mapper;
        this.maxBytes = maxBytes;
        this.work = work;
        this.tokens = tokens;
    }

    @Override
    public int getOrder() {
        return FilterOrder.PARSE;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
        CallRecord call = exchange.getAttribute(ExchangeAttributes.CALL);
        if (call == null) {
            return chain.filter(exchange);
        }
        long length = exchange.getRequest().getHeaders().getContentLength();
        if (length > maxBytes) {
            // refused unread: the error handler closes the connection after the 413 (lingering, so that the client
            // reads the 413 rather than a reset)
            return Mono.error(ApiError.tooLarge(maxBytes).exception());
        }
        WireFormat format = Ingress.format(exchange);
        return readBody(exchange.getRequest(), maxBytes)
                .flatMap(bytes -> work.run(exchange.getRequest(), bytes.length, () -> parse(bytes, format)))
                .flatMap(request -> {
                    call.request(request);
                    return chain.filter(exchange);
                });
    }

    /**
     * The parsed request; for a large body also its prompt tokens, which routing needs next: counted here, off the
     * event loop, they are kept in the request and routing does not count them again.
     */
    private CallRequest parse(byte[] bytes, WireFormat format) {
        CallRequest request = Ingress.parseCall(bytes, mapper, format);
        if (work.offLoop(bytes.length)) {
            request.promptTokens(tokens);
        }
        return request;
    }

    /**
     * The whole body (empty when none), refusing more than {@code maxBytes} with 413. A body the HTTP layer could
     * not decode (broken chunked encoding) ends early, and has been answered already: it fails with that answer's
     * error ({@link HttpLayerErrors#refusal}), never as a body of its own.
     */
    public static Mono<byte[]> readBody(ServerHttpRequest request, int maxBytes) {
        return DataBufferUtils.join(request.getBody(), maxBytes)
                .onErrorMap(DataBufferLimitException.class, e -> ApiError.tooLarge(maxBytes).exception())
                .map(ParseFilter::bytes)
                .defaultIfEmpty(new byte[0])
                .handle((bytes, sink) -> {
                    Channel channel = NettyChannels.of(request);
                    ApiError refused = channel != null ? HttpLayerErrors.refusal(channel) : null;
                    if (refused != null) {
                        sink.error(refused.exception());
                    } else {
                        sink.next(bytes);
                    }
                });
    }

    private static byte[] bytes(DataBuffer buffer) {
        try {
            byte[] bytes = new byte[buffer.readableByteCount()];
            buffer.read(bytes);
            return bytes;
        } finally {
            DataBufferUtils.release(buffer);
        }
    }
}
