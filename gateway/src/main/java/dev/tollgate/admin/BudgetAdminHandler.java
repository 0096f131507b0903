package dev.tollgate.admin;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.server.MethodNotAllowedException;

import dev.tollgate.api.ApiError;
import dev.tollgate.gateway.ParseFilter;
import dev.tollgate.api.GatewayException;
import dev.tollgate.budget.BudgetPeriod;
import dev.tollgate.budget.BudgetSpec;
import dev.tollgate.budget.BudgetState;
import dev.tollgate.budget.Effective;
import dev.tollgate.budget.LimitStore;
import dev.tollgate.budget.Nanos;
import dev.tollgate.config.LimitOverridesService;
import dev.tollgate.config.TablesService;
import dev.tollgate.routing.RoutingRules;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.ObjectReader;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The admin API's budgets: {@code GET /admin/budgets} (every budget in force, from the rules or the admin API, with
 * its current period's state in the store), {@code GET|PUT|DELETE /admin/budgets/{scope}/{subject}} and
 * {@code POST /admin/budgets/{scope}/{subject}/reset}. A change is stored in the database (other replicas read it
 * within their poll interval) and in force on this replica when the response is sent. Database work runs on
 * Reactor's boundedElastic, never on the event loop. Amounts are exact decimal strings. Thread-safe.
 */
public final class BudgetAdminHandler {

    /** Largest admin request body. */
    static final int MAX_BODY = 64 * 1024;
    static final String EXAMPLE = "{\"amount_usd\": \"25.00\", \"period\": \"monthly\", \"mode\": \"hard\", "
            + "\"alert_thresholds\": [50, 80, 100], \"downgrade_to_fit\": false}";
    private static final String COLLECTION = "budgets";

    private static final Logger log = LoggerFactory.getLogger(BudgetAdminHandler.class);

    private final LimitOverridesService overrides;
    private final TablesService tables;
    private final LimitStore store;
    private final LimitOverridesRepository repository;
    private final ObjectMapper mapper;
    private final ObjectReader reader;
    private final Clock clock;
    private final ZoneId zone;

    public BudgetAdminHandler(LimitOverridesService overrides, TablesService tables, LimitStore store,
            LimitOverridesRepository repository, ObjectMapper mapper, Clock clock, ZoneId zone) {
        this.overrides = overrides;
        this.tables = tables;
        this.store = store;
        this.repository = repository;
        this.mapper = mapper;
        this.reader = LimitBodies.reader(mapper);
        this.clock = clock;
        this.zone = zone;
    }

    /** {@code GET /admin/budgets}. */
    public Mono<ServerResponse> list(ServerRequest request) {
        Instant now = clock.instant();
        List<Effective<BudgetSpec>> budgets = effective();
        return states(budgets, now).map(states -> {
            ObjectNode root = mapper.createObjectNode();
            root.put("object", "list").put("time_zone", zone.getId());
            ArrayNode data = root.putArray("data");
            budgets.forEach(e -> data.add(item(e, states.get(counterKey(e.spec(), now)), now)));
            return root;
        }).flatMap(this::ok);
    }

    /** {@code GET /admin/budgets/{scope}/{subject}}. */
    public Mono<ServerResponse> get(ServerRequest request) {
        if (AdminRoutes.isCollection(request)) {
            return list(request);
        }
        AdminTarget t = item(request);
        Effective<BudgetSpec> e = inForce(t.id());
        Instant now = clock.instant();
        return states(List.of(e), now).map(s -> item(e, s.get(counterKey(e.spec(), now)), now)).flatMap(this::ok);
    }

    /** {@code PUT /admin/budgets/{scope}/{subject}}: sets the budget (replacing an earlier admin one). */
    public Mono<ServerResponse> put(ServerRequest request) {
        AdminTarget t = item(request);
        String team = t.teamIn(tables.current().rules());
        return body(request)
                .map(bytes -> LimitBodies.budget(LimitBodies.object(bytes, reader, EXAMPLE), t.scope(), team,
                        t.subject()))
                .flatMap(spec -> Mono.fromRunnable(() -> overrides.putBudget(spec))
                        .subscribeOn(Schedulers.boundedElastic())
                        .doOnSuccess(v -> log.info("admin: budget {} set to {} USD {}, {} (alerts at {}%, "
                                + "downgrade-to-fit {})", spec.id(), spec.amountUsd().toPlainString(),
                                spec.period().yamlName(), spec.mode().yamlName(), spec.thresholds(),
                                spec.downgradeToFit()))
                        .then(Mono.defer(() -> {
                            Instant now = clock.instant();
                            Effective<BudgetSpec> e = inForce(spec.id());
                            return states(List.of(e), now).map(s -> item(e, s.get(counterKey(e.spec(), now)), now));
                        })))
                .flatMap(this::ok);
    }

    /** {@code DELETE /admin/budgets/{scope}/{subject}}: drops the admin budget; the rules' one, if any, applies. */
    public Mono<ServerResponse> delete(ServerRequest request) {
        AdminTarget t = item(request);
        return Mono.fromCallable(() -> overrides.removeBudget(t.id()))
                .subscribeOn(Schedulers.boundedElastic())
                .flatMap(removed -> {
                    if (!removed) {
                        return Mono.error(ApiError.notFound("budget_not_found", "No budget '" + t.id() + "' was set "
                                + "through the admin API (a budget of the routing rules is changed in the rules "
                                + "files).", null).exception());
                    }
                    log.info("admin: budget {} deleted", t.id());
                    ObjectNode root = mapper.createObjectNode();
                    root.put("object", "budget.deleted").put("id", t.id()).put("deleted", true);
                    Effective<BudgetSpec> rules = find(t.id());
                    if (rules == null) {
                        root.putNull("in_force");
                        return Mono.just(root);
                    }
                    Instant now = clock.instant();
                    return states(List.of(rules), now).map(st -> {
                        root.set("in_force", item(rules, st.get(counterKey(rules.spec(), now)), now));
                        return root;
                    });
                })
                .flatMap(this::ok);
    }

    /**
     * {@code POST /admin/budgets/{scope}/{subject}/reset}: starts the budget's current period again. The store's
     * counter goes to zero (calls in flight keep their reservations) and the reset time is stored, so that a
     * restore from the ledger after a restart counts only calls from then on.
     */
    public Mono<ServerResponse> reset(ServerRequest request) {
        AdminTarget t = AdminTarget.parse(AdminRoutes.itemPath(request), COLLECTION, true);
        if (!t.reset()) {
            throw new MethodNotAllowedException(request.method(),
                    Set.of(HttpMethod.GET, HttpMethod.PUT, HttpMethod.DELETE));
        }
        Effective<BudgetSpec> e = inForce(t.id());
        Instant now = clock.instant();
        BudgetPeriod.Window w = e.spec().period().window(now, zone);
        String key = counterKey(e.spec(), now);
        return Mono.fromRunnable(() -> repository.recordReset(e.spec().id(), w.key(), now))
                .subscribeOn(Schedulers.boundedElastic())
                .then(Mono.fromCompletionStage(() -> store.reset(e.spec().team(), key))
                        .onErrorMap(x -> !(x instanceof GatewayException), BudgetAdminHandler::storeUnavailable))
                .doOnSuccess(v -> log.info("admin: budget {} started its period {} again at {}", e.spec().id(),
                        w.key(), now))
                .then(states(List.of(e), now))
                .map(s -> {
                    ObjectNode item = item(e, s.get(key), now);
                    item.put("reset_at", now.toString());
                    return item;
                })
                .flatMap(this::ok);
    }

    /** The target of an item path; its reset form is a 405 for any method but POST. */
    private static AdminTarget item(ServerRequest request) {
        AdminTarget t = AdminTarget.parse(AdminRoutes.itemPath(request), COLLECTION, true);
        if (t.reset()) {
            throw new MethodNotAllowedException(request.method(), Set.of(HttpMethod.POST));
        }
        return t;
    }

    private List<Effective<BudgetSpec>> effective() {
        RoutingRules rules = tables.current().rules();
        return Effective.budgets(rules.budgets(), overrides.get().budgets(), rules.keyTeams());
    }

    private Effective<BudgetSpec> find(String id) {
        for (Effective<BudgetSpec> e : effective()) {
            if (e.spec().id().equals(id)) {
                return e;
            }
        }
        return null;
    }

    private Effective<BudgetSpec> inForce(String id) {
        Effective<BudgetSpec> e = find(id);
        if (e == null) {
            throw ApiError.notFound("budget_not_found", "No budget '" + id + "' is in force (neither in the routing "
                    + "rules nor set through the admin API).", null).exception();
        }
        return e;
    }

    private String counterKey(BudgetSpec b, Instant now) {
        return b.id() + "@" + b.period().window(now, zone).key();
    }

    /** The store's state of each budget's current counter, by counter key; one read per team. */
    private Mono<Map<String, BudgetState>> states(List<Effective<BudgetSpec>> budgets, Instant now) {
        Map<String, List<String>> byTeam = new TreeMap<>();
        for (Effective<BudgetSpec> e : budgets) {
            byTeam.computeIfAbsent(e.spec().team(), k -> new ArrayList<>()).add(counterKey(e.spec(), now));
        }
        return Flux.fromIterable(byTeam.entrySet())
                .concatMap(t -> Mono.fromCompletionStage(() -> store.read(t.getKey(), t.getValue(),
                        now.toEpochMilli())))
                .onErrorMap(x -> !(x instanceof GatewayException), BudgetAdminHandler::storeUnavailable)
                .collect(HashMap::new, (Map<String, BudgetState> m, List<BudgetState> l) -> l.forEach(
                        s -> m.put(s.key(), s)));
    }

    private ObjectNode item(Effective<BudgetSpec> e, BudgetState s, Instant now) {
        BudgetSpec b = e.spec();
        BudgetPeriod.Window w = b.period().window(now, zone);
        long spent = s == null ? 0 : s.spentNanos();
        long reserved = s == null ? 0 : s.reservedNanos();
        ObjectNode o = mapper.createObjectNode();
        o.put("object", "budget").put("id", b.id()).put("scope", b.scope().label()).put("team", b.team())
                .put("subject", b.subject()).put("amount_usd", b.amountUsd().toPlainString())
                .put("period", b.period().yamlName()).put("mode", b.mode().yamlName());
        ArrayNode thresholds = o.putArray("alert_thresholds");
        b.thresholds().forEach(thresholds::add);
        o.put("downgrade_to_fit", b.downgradeToFit()).put("source", e.source().label())
                .put("period_start", b.period() == BudgetPeriod.NONE ? null : w.start().toString())
                .put("resets_at", w.end() == null ? null : w.end().toString())
                .put("spent_usd", usd(spent)).put("reserved_usd", usd(reserved))
                .put("remaining_usd", usd(Math.max(0, b.limitNanos() - spent - reserved)));
        return o;
    }

    private Mono<ServerResponse> ok(ObjectNode body) {
        return ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(mapper.writeValueAsBytes(body));
    }

    static Mono<byte[]> body(ServerRequest request) {
        return ParseFilter.readBody(request.exchange().getRequest(), MAX_BODY);
    }

    static GatewayException storeUnavailable(Throwable e) {
        log.warn("admin: the budget store failed: {}", e.toString());
        return new GatewayException(new ApiError(503, ApiError.SERVER_ERROR, "budget_store_unavailable",
                "The budget store is unavailable; retry shortly.", null));
    }

    private static String usd(long nanos) {
        return Nanos.toUsd(nanos).stripTrailingZeros().toPlainString();
    }
}
