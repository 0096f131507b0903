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
import reactor.core.publisher.Mono;
import tools.jackson.databind.ObjectMapper;

/**
 * Reads the request body once, refusing more than {@code tollgate.limits.max-body-size} (413, before reading
 * when Content-Length already says so), and parses it into a {@link ChatRequest}. Thread-safe.
 */
public final class ParseFilter implements GlobalFilter, Ordered {

    /** Largest oversized body read and dropped before the 413, so that the client receives it (see filter). */
    static final long MAX_DRAINED_BYTES = 64L * 1024 * 1024;

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
            // Read and drop the body first (up to a bound): closing a connection with unread request bytes makes
            // TCP send a reset, which can destroy the 413 before the client reads it.
            Mono<Void> drained = length <= MAX_DRAINED_BYTES ? exchange.getRequest().getBody()
                    .doOnNext(DataBufferUtils::release).then() : Mono.empty();
            return drained.then(Mono.error(ApiError.tooLarge(maxBytes).exception()));
        }
        return readBody(exchange.getRequest(), maxBytes)
                .flatMap(bytes -> {
                    call.request(ChatRequest.parse(bytes, mapper));
                    return chain.filter(exchange);
                });
    }

    /** The whole body (empty when none), refusing more than {@code maxBytes} with 413. */
    public static Mono<byte[]> readBody(ServerHttpRequest request, int maxBytes) {
        return DataBufferUtils.join(request.getBody(), maxBytes)
                .onErrorMap(DataBufferLimitException.class, e -> ApiError.tooLarge(maxBytes).exception())
                .map(ParseFilter::bytes)
                .defaultIfEmpty(new byte[0]);
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
