package dev.tollgate.admin;

import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;

import dev.tollgate.api.ApiError;
import dev.tollgate.budget.Effective;
import dev.tollgate.budget.RateLimitSpec;
import dev.tollgate.config.LimitOverridesService;
import dev.tollgate.config.TablesService;
import dev.tollgate.routing.RoutingRules;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.ObjectReader;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The admin API's rate limits: {@code GET /admin/rate-limits} (every rate limit in force, from the rules or the
 * admin API) and {@code GET|PUT|DELETE /admin/rate-limits/{scope}/{subject}} (scope team or key). A change is
 * stored in the database and in force on this replica when the response is sent; database work runs on Reactor's
 * boundedElastic. Thread-safe.
 */
public final class RateLimitAdminHandler {

    static final String EXAMPLE = "{\"requests_per_minute\": 600, \"tokens_per_minute\": 200000}";
    private static final String COLLECTION = "rate-limits";

    private static final Logger log = LoggerFactory.getLogger(RateLimitAdminHandler.class);

    private final LimitOverridesService overrides;
    private final TablesService tables;
    private final ObjectMapper mapper;
    private final ObjectReader reader;

    public RateLimitAdminHandler(LimitOverridesService overrides, TablesService tables, ObjectMapper mapper) {
        this.overrides = overrides;
        this.tables = tables;
        this.mapper = mapper;
        this.reader = LimitBodies.reader(mapper);
    }

    /** {@code GET /admin/rate-limits}. */
    public Mono<ServerResponse> list(ServerRequest request) {
        ObjectNode root = mapper.createObjectNode();
        root.put("object", "list");
        ArrayNode data = root.putArray("data");
        effective().forEach(e -> data.add(item(e)));
        return ok(root);
    }

    /** {@code GET /admin/rate-limits/{scope}/{subject}}. */
    public Mono<ServerResponse> get(ServerRequest request) {
        if (AdminRoutes.isCollection(request)) {
            return list(request);
        }
        return ok(item(inForce(target(request).id())));
    }

    /** {@code PUT /admin/rate-limits/{scope}/{subject}}: sets the limit (replacing an earlier admin one). */
    public Mono<ServerResponse> put(ServerRequest request) {
        AdminTarget t = target(request);
        String team = t.teamIn(tables.current().rules());
        return BudgetAdminHandler.body(request)
                .map(bytes -> LimitBodies.rateLimit(LimitBodies.object(bytes, reader, EXAMPLE), t.scope(), team,
                        t.subject()))
                .flatMap(spec -> Mono.fromRunnable(() -> overrides.putRateLimit(spec))
                        .subscribeOn(Schedulers.boundedElastic())
                        .doOnSuccess(v -> log.info("admin: rate limit {} set to {} requests and {} tokens per minute",
                                spec.id(), spec.requestsPerMinute(), spec.tokensPerMinute()))
                        .then(Mono.fromSupplier(() -> item(inForce(spec.id())))))
                .flatMap(this::ok);
    }

    /** {@code DELETE /admin/rate-limits/{scope}/{subject}}: drops the admin limit; the rules' one, if any, applies. */
    public Mono<ServerResponse> delete(ServerRequest request) {
        AdminTarget t = target(request);
        return Mono.fromCallable(() -> overrides.removeRateLimit(t.id()))
                .subscribeOn(Schedulers.boundedElastic())
                .flatMap(removed -> {
                    if (!removed) {
                        return Mono.error(ApiError.notFound("rate_limit_not_found", "No rate limit '" + t.id()
                                + "' was set through the admin API (a rate limit of the routing rules is changed in "
                                + "the rules files).", null).exception());
                    }
                    log.info("admin: rate limit {} deleted", t.id());
                    ObjectNode root = mapper.createObjectNode();
                    root.put("object", "rate_limit.deleted").put("id", t.id()).put("deleted", true);
                    Effective<RateLimitSpec> rules = find(t.id());
                    if (rules == null) {
                        root.putNull("in_force");
                    } else {
                        root.set("in_force", item(rules));
                    }
                    return ok(root);
                });
    }

    private static AdminTarget target(ServerRequest request) {
        AdminTarget t = AdminTarget.parse(AdminRoutes.itemPath(request), COLLECTION, false);
        if (t.reset()) {
            throw ApiError.notFound("not_found", "Rate limits have no reset: a token bucket refills by itself.", null)
                    .exception();
        }
        return t;
    }

    private List<Effective<RateLimitSpec>> effective() {
        RoutingRules rules = tables.current().rules();
        return Effective.rateLimits(rules.rateLimits(), overrides.get().rateLimits(), rules.keyTeams());
    }

    private Effective<RateLimitSpec> find(String id) {
        for (Effective<RateLimitSpec> e : effective()) {
            if (e.spec().id().equals(id)) {
                return e;
            }
        }
        return null;
    }

    private Effective<RateLimitSpec> inForce(String id) {
        Effective<RateLimitSpec> e = find(id);
        if (e == null) {
            throw ApiError.notFound("rate_limit_not_found", "No rate limit '" + id + "' is in force (neither in the "
                    + "routing rules nor set through the admin API).", null).exception();
        }
        return e;
    }

    private ObjectNode item(Effective<RateLimitSpec> e) {
        RateLimitSpec r = e.spec();
        ObjectNode o = mapper.createObjectNode();
        o.put("object", "rate_limit").put("id", r.id()).put("scope", r.scope().label()).put("team", r.team())
                .put("subject", r.subject()).put("requests_per_minute", r.requestsPerMinute())
                .put("tokens_per_minute", r.tokensPerMinute()).put("source", e.source().label());
        return o;
    }

    private Mono<ServerResponse> ok(ObjectNode body) {
        return ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(mapper.writeValueAsBytes(body));
    }
}
