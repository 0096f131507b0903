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
import dev.tollgate.api.ChatRequest;
import dev.tollgate.metering.CallRecord;
import io.netty.channel.Channel;
import reactor.core.publisher.Mono;
import tools.jackson.databind.ObjectMapper;

/**
 * Reads the request body once, refusing more than {@code tollgate.limits.max-body-size} (413, before reading
 * when Content-Length already says so), and parses it into a {@link ChatRequest}. Thread-safe.
 */
public final class ParseFilter implements GlobalFilter, Ordered {

    private final ObjectMapper mapper;
    private final int maxBytes;

    public ParseFilter(ObjectMapper mapper, int maxBytes) {
        this.mapper = mapper;
        this.maxBytes = maxBytes;
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
        return readBody(exchange.getRequest(), maxBytes)
                .flatMap(bytes -> {
                    call.request(ChatRequest.parse(bytes, mapper));
                    return chain.filter(exchange);
                });
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
