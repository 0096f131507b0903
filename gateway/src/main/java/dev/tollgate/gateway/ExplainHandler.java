package dev.tollgate.gateway;

import java.time.Clock;
import java.util.function.Supplier;

import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;

import dev.tollgate.call.CallRequest;
import dev.tollgate.wire.Codecs;
import dev.tollgate.api.DecisionJson;
import dev.tollgate.auth.Principal;
import dev.tollgate.metering.TokenCounter;
import dev.tollgate.routing.Decision;
import dev.tollgate.routing.Health;
import dev.tollgate.routing.Router;
import dev.tollgate.routing.Tables;
import reactor.core.publisher.Mono;
import tools.jackson.databind.ObjectMapper;

/**
 * {@code POST /v1/route/explain}: takes a chat request (and the same {@code x-tollgate-*} headers) and returns the
 * whole routing decision as JSON, exactly as the chat path would decide it now for the caller's team, without
 * calling a backend. A request no backend can serve is explained too ({@code "routed": false}, every exclusion
 * with its reason). Thread-safe.
 */
public final class ExplainHandler {

    private final ObjectMapper mapper;
    private final DecisionJson json;
    private final TokenCounter tokens;
    private final Codecs codecs;
    private final Clock clock;
    private final int maxBytes;
    private final Supplier<Health> health;

    private final BodyWork work;

    /** The query parameter naming the endpoint a body is for. */
    static final String ENDPOINT = "endpoint";

    /**
     * @param health the backends' health now (routing excludes unavailable ones, and says so)
     * @param work   where a large body is parsed and counted
     */
    public ExplainHandler(ObjectMapper mapper, TokenCounter tokens, Clock clock, int maxBytes, Supplier<Health> health,
            BodyWork work, Codecs codecs) {
        this.codecs = codecs;
        this.work = work;
        this.health = health;
        this.mapper = mapper;
        this.json = new DecisionJson(mapper);
        this.tokens = tokens;
        this.clock = clock;
        this.maxBytes = maxBytes;
    }

    /** The body in the format of the endpoint it would be sent to ({@link Ingress#parse(byte[], ObjectMapper, HttpHeaders, String)}). */
    static CallRequest parse(byte[] bytes, ObjectMapper mapper, ServerRequest request) {
        return Ingress.parse(bytes, mapper, request.headers().asHttpHeaders(), request.queryParam(ENDPOINT).orElse(null));
    }

    public Mono<ServerResponse> explain(ServerRequest request) {
        Principal principal = request.exchange().getAttribute(ExchangeAttributes.PRINCIPAL);
        Tables tables = request.exchange().getAttribute(ExchangeAttributes.TABLES);
        return ParseFilter.readBody(request.exchange().getRequest(), maxBytes)
                .flatMap(bytes -> work.run(request.exchange().getRequest(), bytes.length, () -> {
                    CallRequest chat = parse(bytes, mapper, request);
                    Decision decision = Router.decide(RouteRequests.of(chat, request.headers().asHttpHeaders(),
                            principal, tokens, codecs), tables, health.get(), clock.instant());
                    return mapper.writeValueAsBytes(json.full(decision));
                }))
                .flatMap(body -> ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(body));
    }
}
