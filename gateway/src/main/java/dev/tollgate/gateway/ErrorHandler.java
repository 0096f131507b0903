package dev.tollgate.gateway;

import java.util.Set;
import java.util.stream.Collectors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebExceptionHandler;

import dev.tollgate.api.ApiError;
import dev.tollgate.api.GatewayException;
import reactor.core.publisher.Mono;

/**
 * Renders every error a client can see as JSON in OpenAI's shape, ahead of Spring Boot's own handler: the
 * gateway's errors, upstream errors passed through, Spring's (404 no such path, 405, 415) and any bug (500, with
 * the request id, logged with its stack trace; the message never carries internals). Thread-safe.
 */
@Order(-2)
public final class ErrorHandler implements WebExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(ErrorHandler.class);

    @Override
    public Mono<Void> handle(ServerWebExchange exchange, Throwable ex) {
        ServerHttpResponse response = exchange.getResponse();
        if (response.isCommitted()) {
            return Mono.error(ex);
        }
        byte[] body;
        int status;
        String retryAfter = null;
        Set<HttpMethod> allow = Set.of();
        if (ex instanceof GatewayException g) {
            status = g.error().status();
            body = g.rawBody() != null ? g.rawBody() : g.error().toJson();
            retryAfter = g.retryAfter();
        } else if (ex instanceof ResponseStatusException rse) {
            status = rse.getStatusCode().value();
            allow = rse.getHeaders().getAllow();
            String code = status == 404 ? "not_found" : status == 405 ? "method_not_allowed"
                    : status == 415 ? "unsupported_media_type" : "invalid_request";
            String message = status == 404 ? "Unknown path " + exchange.getRequest().getPath().value()
                    + ". Tollgate serves POST /v1/chat/completions, GET /v1/models, GET /v1/spend, GET /v1/budgets, POST /v1/route/explain and POST /v1/cost/compare."
                    : status == 405 && !allow.isEmpty() ? "Method " + exchange.getRequest().getMethod()
                    + " is not allowed on " + exchange.getRequest().getPath().value() + "; use "
                    + allow.stream().map(HttpMethod::name).sorted().collect(Collectors.joining(", ")) + "."
                    : rse.getReason() != null ? rse.getReason() : HttpStatus.valueOf(status).getReasonPhrase();
            body = new ApiError(status, status >= 500 ? ApiError.SERVER_ERROR : ApiError.INVALID_REQUEST, code,
                    message, null).toJson();
        } else {
            String requestId = exchange.getAttribute(ExchangeAttributes.REQUEST_ID);
            log.error("request {} failed inside the gateway", requestId, ex);
            ApiError error = ApiError.internal(requestId != null ? requestId : "-");
            status = error.status();
            body = error.toJson();
        }
        response.setStatusCode(HttpStatus.valueOf(status));
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
        if (status == 413) {
            // the rest of the oversized body was never read: do not reuse the connection for another request
            headers.set(HttpHeaders.CONNECTION, "close");
        }
        headers.setContentLength(body.length);
        byte[] bytes = body;
        return drain(exchange.getRequest())
                .then(Mono.defer(() -> response.writeWith(Mono.just(response.bufferFactory().wrap(bytes)))));
    }

    /**
     * Reads and drops what is left of the request body (up to {@link ParseFilter#MAX_DRAINED_BYTES}) before the error
     * is written. A request refused before its body was read (bad key, unknown admin target, a 404) would otherwise
     * leave the body's bytes on a kept-alive connection, where the server would parse them as the start of the next
     * request, and that request would never be answered. A body already read completes at once.
     */
    static Mono<Void> drain(ServerHttpRequest request) {
        return request.getBody()
                .map(buffer -> {
                    int n = buffer.readableByteCount();
                    DataBufferUtils.release(buffer);
                    return (long) n;
                })
                .scan(0L, Long::sum)
                .takeUntil(total -> total > ParseFilter.MAX_DRAINED_BYTES)
                .then()
                .onErrorResume(e -> Mono.empty());
    }
}
