package dev.tollgate.gateway;

import java.util.Set;
import java.util.stream.Collectors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebExceptionHandler;

import dev.tollgate.api.ApiError;
import dev.tollgate.wire.ErrorBodies;
import dev.tollgate.call.WireFormat;
import dev.tollgate.api.GatewayException;
import io.netty.channel.Channel;
import reactor.core.publisher.Mono;

/**
 * Renders every error a client can see as JSON in the shape of the client's own API ({@link ErrorBodies}: Anthropic's
 * on the Messages API, OpenAI's everywhere else), ahead of Spring Boot's own handler: the
 * gateway's errors, upstream errors passed through, Spring's (404 no such path, 405, 415) and any bug (500, with
 * the request id, logged with its stack trace; the message never carries internals). Thread-safe.
 */
@Order(-2)
public final class ErrorHandler implements WebExceptionHandler {

    /** Default of {@code tollgate.limits.max-drained-body}: the most bytes of an unread body read to keep a connection. */
    public static final long DEFAULT_MAX_DRAINED_BYTES = 64 * 1024;

    private static final Logger log = LoggerFactory.getLogger(ErrorHandler.class);

    private final long maxDrainedBytes;

    /** @param maxDrainedBytes most bytes of an unread request body read and dropped to keep the connection usable */
    public ErrorHandler(long maxDrainedBytes) {
        this.maxDrainedBytes = maxDrainedBytes;
    }

    @Override
    public Mono<Void> handle(ServerWebExchange exchange, Throwable ex) {
        ServerHttpResponse response = exchange.getResponse();
        if (response.isCommitted()) {
            return Mono.error(ex);
        }
        Channel channel = NettyChannels.of(exchange.getRequest());
        if (channel != null && HttpLayerErrors.refusal(channel) != null) {
            // the HTTP layer has answered this request already (its body could not be decoded): nothing to add
            return Mono.empty();
        }
        WireFormat format = Ingress.format(exchange);
        byte[] body;
        int status;
        String retryAfter = null;
        Set<HttpMethod> allow = Set.of();
        if (ex instanceof GatewayException g) {
            status = g.rawBody() != null ? g.error().status() : ErrorBodies.status(g.error(), format);
            body = g.rawBody() != null ? g.rawBody() : ErrorBodies.json(g.error(), format);
            retryAfter = g.retryAfter();
        } else if (ex instanceof ResponseStatusException rse) {
            status = rse.getStatusCode().value();
            allow = rse.getHeaders().getAllow();
            String code = status == 404 ? "not_found" : status == 405 ? "method_not_allowed"
                    : status == 415 ? "unsupported_media_type" : "invalid_request";
            String message = status == 404 ? "Unknown path " + exchange.getRequest().getPath().value()
                    + ". Tollgate serves POST /v1/chat/completions, POST /v1/responses, POST /v1/messages, "
                    + "POST /v1/messages/count_tokens, "
                    + "GET /v1/models, GET /v1/spend, GET /v1/budgets, POST /v1/route/explain and POST /v1/cost/compare."
                    : status == 405 && !allow.isEmpty() ? "Method " + exchange.getRequest().getMethod()
                    + " is not allowed on " + exchange.getRequest().getPath().value() + "; use "
                    + allow.stream().map(HttpMethod::name).sorted().collect(Collectors.joining(", ")) + "."
                    : rse.getReason() != null ? rse.getReason() : HttpStatus.valueOf(status).getReasonPhrase();
            body = ErrorBodies.json(new ApiError(status, status >= 500 ? ApiError.SERVER_ERROR
                    : ApiError.INVALID_REQUEST, code, message, null), format);
        } else {
            String requestId = exchange.getAttribute(ExchangeAttributes.REQUEST_ID);
            log.error("request {} failed inside the gateway", requestId, ex);
            ApiError error = ApiError.internal(requestId != null ? requestId : "-");
            status = error.status();
            body = ErrorBodies.json(error, format);
        }
        response.setStatusCode(HttpStatusCode.valueOf(status));
        HttpHeaders headers = response.getHeaders();
        headers.setContentType(MediaType.APPLICATION_JSON);
        headers.remove(HttpHeaders.CACHE_CONTROL);
        headers.remove(Headers.PRICE_VERSION);
        if (!allow.isEmpty()) {
            headers.setAllow(allow);
        }
        if (retryAfter != null) {
            headers.set(HttpHeaders.RETRY_AFTER, retryAfter);
        }
        headers.setContentLength(body.length);
        byte[] bytes = body;
        ServerHttpRequest request = exchange.getRequest();
        boolean tooLarge = status == 413;
        return drain(request, maxDrainedBytes).flatMap(drained -> {
            if (tooLarge || !drained) {
                // the rest of the body is not read (too large to drain, or it was the reason for the 413): the
                // connection cannot carry another request; it closes after the answer, lingering so that a client
                // still sending reads the answer rather than a reset
                headers.set(HttpHeaders.CONNECTION, "close");
                lingerOnClose(request);
            }
            return response.writeWith(Mono.just(response.bufferFactory().wrap(bytes)));
        });
    }

    /**
     * Reads and drops what is left of the request body, at most {@code maxBytes}, before the error is written; true
     * when nothing is left over. A request refused before its body was read (bad key, unknown admin target, a 404)
     * would otherwise leave the body's bytes on a kept-alive connection, where the server would parse them as the
     * start of the next request, and that request would never be answered. A body that says (Content-Length) it is
     * larger than {@code maxBytes} is not read at all, and one that turns out larger is read no further: false, the
     * connection is to be closed. A body already read (or an empty one) completes at once: true.
     */
    static Mono<Boolean> drain(ServerHttpRequest request, long maxBytes) {
        long declared = request.getHeaders().getContentLength();
        long budget = declared > maxBytes ? 0 : maxBytes;
        return request.getBody()
                .map(buffer -> {
                    int n = buffer.readableByteCount();
                    DataBufferUtils.release(buffer);
                    return (long) n;
                })
                .scan(0L, Long::sum)
                .takeUntil(total -> total > budget)
                .last(0L)
                .map(total -> total <= budget)
                // a body that cannot be subscribed again was read already
                .onErrorReturn(true);
    }

    /** The connection's close, after this answer, waits for the client to stop sending ({@link LingeringClose}). */
    private static void lingerOnClose(ServerHttpRequest request) {
        Channel channel = NettyChannels.of(request);
        if (channel != null) {
            LingeringClose.mark(channel);
        }
    }
}
