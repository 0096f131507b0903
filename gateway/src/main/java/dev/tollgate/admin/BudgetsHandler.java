package dev.tollgate.admin;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerResponse;

import dev.tollgate.api.ApiError;
import dev.tollgate.api.GatewayException;
import dev.tollgate.auth.Principal;
import dev.tollgate.budget.Applicable;
import dev.tollgate.budget.BudgetPeriod;
import dev.tollgate.budget.BudgetSpec;
import dev.tollgate.budget.BudgetState;
import dev.tollgate.budget.LimitOverrides;
import dev.tollgate.budget.LimitStore;
import dev.tollgate.budget.Nanos;
import dev.tollgate.budget.RateLimitSpec;
import dev.tollgate.call.Outcome;
import dev.tollgate.routing.RoutingRules;
import reactor.core.publisher.Mono;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code GET /v1/budgets}: the caller's own budgets (its team's, its key's, its app's) with the current period,
 * spend, reservations in flight, what remains and when the period starts again; and the rate limits that apply to
 * it. Amounts are exact decimal strings in USD. Thread-safe.
 */
public final class BudgetsHandler {

    private final LimitStore store;
    private final Supplier<LimitOverrides> overrides;
    private final ObjectMapper mapper;
    private final Clock clock;
    private final ZoneId zone;

    public BudgetsHandler(LimitStore store, Supplier<LimitOverrides> overrides, ObjectMapper mapper, Clock clock,
            ZoneId zone) {
        this.store = store;
        this.overrides = overrides;
        this.mapper = mapper;
        this.clock = clock;
        this.zone = zone;
    }

    public Mono<ServerResponse> budgets(Principal principal, RoutingRules rules) {
        Instant now = clock.instant();
        Applicable applicable = Applicable.of(principal, rules.budgets(), rules.rateLimits(), overrides.get());
        List<String> keys = new ArrayList<>();
        for (BudgetSpec b : applicable.budgets()) {
            keys.add(b.id() + "@" + b.period().window(now, zone).key());
        }
        return Mono.fromCompletionStage(() -> store.read(principal.team(), keys, now.toEpochMilli()))
                .onErrorMap(e -> !(e instanceof GatewayException), BudgetsHandler::unavailable)
                .map(states -> render(principal, applicable, states, now))
                .flatMap(body -> ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(body));
    }

    private byte[] render(Principal principal, Applicable applicable, List<BudgetState> states, Instant now) {
        ObjectNode root = mapper.createObjectNode();
        root.put("object", "list").put("team", principal.team()).put("key_id", principal.keyId())
                .put("app", principal.app()).put("time_zone", zone.getId());
        ArrayNode data = root.putArray("data");
        for (int i = 0; i < applicable.budgets().size(); i++) {
            BudgetSpec b = applicable.budgets().get(i);
            BudgetState s = states.get(i);
            BudgetPeriod.Window w = b.period().window(now, zone);
            ObjectNode o = data.addObject();
            o.put("object", "budget").put("id", b.id()).put("scope", b.scope().label())
                    .put("amount_usd", b.amountUsd().toPlainString()).put("period", b.period().yamlName())
                    .put("mode", b.mode().yamlName())
                    .put("period_start", b.period() == BudgetPeriod.NONE ? null : w.start().toString())
                    .put("resets_at", w.end() == null ? null : w.end().toString())
                    .put("spent_usd", usd(s.spentNanos())).put("reserved_usd", usd(s.reservedNanos()))
                    .put("remaining_usd", usd(Math.max(0, b.limitNanos() - s.spentNanos() - s.reservedNanos())));
            ArrayNode thresholds = o.putArray("alert_thresholds");
            b.thresholds().forEach(thresholds::add);
        }
        ArrayNode limits = root.putArray("rate_limits");
        for (RateLimitSpec r : applicable.rateLimits()) {
            limits.addObject().put("id", r.id()).put("scope", r.scope().label())
                    .put("requests_per_minute", r.requestsPerMinute()).put("tokens_per_minute", r.tokensPerMinute());
        }
        return mapper.writeValueAsBytes(root);
    }

    private static GatewayException unavailable(Throwable e) {
        return new GatewayException(new ApiError(503, ApiError.SERVER_ERROR, "budget_store_unavailable",
                "The budget store is unavailable (" + e.getClass().getSimpleName() + "). Retry shortly.", null), null,
                Outcome.REJECTED, "1");
    }

    private static String usd(long nanos) {
        return Nanos.toUsd(nanos).stripTrailingZeros().toPlainString();
    }
}
