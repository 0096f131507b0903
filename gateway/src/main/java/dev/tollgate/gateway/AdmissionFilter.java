package dev.tollgate.gateway;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.web.server.ServerWebExchange;

import dev.tollgate.api.ApiError;
import dev.tollgate.api.GatewayException;
import dev.tollgate.auth.Principal;
import dev.tollgate.budget.AdmitRequest;
import dev.tollgate.budget.AdmitResult;
import dev.tollgate.budget.Applicable;
import dev.tollgate.budget.BudgetPeriod;
import dev.tollgate.budget.BudgetSpec;
import dev.tollgate.budget.BudgetState;
import dev.tollgate.budget.LimitOverrides;
import dev.tollgate.budget.LimitStore;
import dev.tollgate.budget.Nanos;
import dev.tollgate.budget.RateLimitSpec;
import dev.tollgate.budget.RateState;
import dev.tollgate.budget.SettleRequest;
import dev.tollgate.metering.BudgetMetrics;
import dev.tollgate.metering.CallRecord;
import dev.tollgate.metering.Outcome;
import dev.tollgate.routing.Candidate;
import dev.tollgate.routing.Decision;
import dev.tollgate.routing.Tables;
import reactor.core.publisher.Mono;

/**
 * Budgets and rate limits, between routing and forwarding: reserves the call's worst-case cost in every budget that
 * applies (team, key, app) and takes one request and its estimated tokens from every rate limit (key, team), in one
 * atomic step of the {@link LimitStore}, before anything is sent. The reservation is settled to the actual cost when
 * the call completes, however it ends ({@link CallRecord#settlement}).
 * <p>
 * The worst case of a candidate is its prompt at the input price plus the whole output cap ({@code max_tokens},
 * else {@code default-output-cap}, clamped to the model's maximum output) at the output price. Failover may serve
 * the call from a later candidate, so the step reserves the largest worst case among the candidates failover may
 * use; if that does not fit, the first candidate's alone (failover then keeps to candidates no dearer); with
 * {@code downgrade-to-fit}, then each cheaper candidate's. Thread-safe.
 */
public final class AdmissionFilter implements GlobalFilter, Ordered {

    private final LimitStore store;
    private final Supplier<LimitOverrides> overrides;
    private final BudgetMetrics metrics;
    private final ZoneId zone;
    private final long reservationTtlMillis;
    private final int defaultOutputCap;
    private final int maxAttempts;
    private final Clock clock;

    /**
     * @param defaultOutputCap output tokens reserved for a call without {@code max_tokens} (clamped to the model)
     * @param maxAttempts      failover's attempt limit: how many candidates the reservation must cover
     */
    public AdmissionFilter(LimitStore store, Supplier<LimitOverrides> overrides, BudgetMetrics metrics, ZoneId zone,
            long reservationTtlMillis, int defaultOutputCap, int maxAttempts, Clock clock) {
        this.store = store;
        this.overrides = overrides;
        this.metrics = metrics;
        this.zone = zone;
        this.reservationTtlMillis = reservationTtlMillis;
        this.defaultOutputCap = defaultOutputCap;
        this.maxAttempts = maxAttempts;
        this.clock = clock;
    }

    @Override
    public int getOrder() {
        return FilterOrder.ADMISSION;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
        CallRecord call = exchange.getAttribute(ExchangeAttributes.CALL);
        Decision.Routed decision = exchange.getAttribute(ExchangeAttributes.DECISION);
        if (call == null || decision == null) {
            return chain.filter(exchange);
        }
        Tables tables = exchange.getAttribute(ExchangeAttributes.TABLES);
        Principal p = call.principal();
        Applicable applicable = Applicable.of(p, tables.rules().budgets(), tables.rules().rateLimits(),
                overrides.get());
        if (applicable.isEmpty()) {
            return chain.filter(exchange);
        }
        Instant now = call.startedAt();
        List<Candidate> candidates = decision.candidates();
        long[] worst = new long[candidates.size()];
        Integer maxTokens = call.request().maxOutputTokens();
        for (int i = 0; i < worst.length; i++) {
            Candidate c = candidates.get(i);
            int cap = Math.min(maxTokens != null ? maxTokens : defaultOutputCap,
                    c.offering().model().maxOutputTokens());
            worst[i] = ceilPicoToNanos(c.price().estimatePicoUsd(decision.promptTokens(), cap));
        }
        long[] amounts = amounts(worst, applicable.downgradeToFit());
        Candidate first = candidates.get(0);
        long tokens = decision.promptTokens() + Math.min(maxTokens != null ? maxTokens : defaultOutputCap,
                first.offering().model().maxOutputTokens());
        List<AdmitRequest.BudgetCheck> budgets = new ArrayList<>(applicable.budgets().size());
        for (BudgetSpec b : applicable.budgets()) {
            BudgetPeriod.Window w = b.period().window(now, zone);
            budgets.add(new AdmitRequest.BudgetCheck(b.id() + "@" + w.key(), b.limitNanos(), b.mode(),
                    w.end() == null ? 0 : w.end().toEpochMilli()));
        }
        List<AdmitRequest.RateCheck> rates = new ArrayList<>(applicable.rateLimits().size());
        for (RateLimitSpec r : applicable.rateLimits()) {
            rates.add(new AdmitRequest.RateCheck(r.id(), r.requestsPerMinute(), r.tokensPerMinute()));
        }
        AdmitRequest request = new AdmitRequest(call.requestId(), p.team(), now.toEpochMilli(), reservationTtlMillis,
                budgets, rates, amounts, tokens);
        // Set before the step: a client that leaves while the store is admitting still completes the call, and its
        // settle (a no-op for an unknown reservation) then releases whatever the step reserved.
        AtomicLong reserved = new AtomicLong();
        call.settlement((cost, usedTokens) -> settle(call, applicable, cost, usedTokens, reserved.get()));
        return Mono.fromCompletionStage(() -> store.admit(request))
                .onErrorMap(e -> !(e instanceof GatewayException), e -> unavailable(p.team(), e))
                .flatMap(result -> {
                    HttpHeaders headers = exchange.getResponse().getHeaders();
                    budgetHeaders(headers, result.budgets());
                    rateHeaders(headers, result.rates());
                    metrics.observed(p.team(), applicable, result);
                    if (!result.admitted()) {
                        call.settlement(null); // nothing was reserved
                        return Mono.error(refusal(headers, applicable, result, now, amounts[amounts.length - 1]));
                    }
                    long amount = amounts[result.option()];
                    reserved.set(amount);
                    exchange.getAttributes().put(ExchangeAttributes.DECISION, restrict(decision, worst, amount));
                    return chain.filter(exchange);
                });
    }

    /** @param reserved the amount this call reserved (for the reserved gauge; 0 when not yet known) */
    private void settle(CallRecord call, Applicable applicable, BigDecimal cost, long tokens, long reserved) {
        SettleRequest request = new SettleRequest(call.requestId(), call.principal().team(), clock.millis(),
                cost == null ? 0 : Nanos.ofUsd(cost), tokens);
        store.settle(request).whenComplete((result, error) -> {
            if (error != null) {
                metrics.settleFailed(call.principal().team(), error);
            } else {
                metrics.settled(call.principal().team(), applicable, result, reserved);
            }
        });
    }

    /**
     * The amounts to try, in order: the largest worst case among the candidates failover may use, the first
     * candidate's, then (downgrade-to-fit) each cheaper worst case in routing order.
     */
    static long[] amounts(long[] worst, boolean downgrade) {
        long max = 0;
        for (int i = 0; i < worst.length; i++) {
            max = Math.max(max, worst[i]);
        }
        List<Long> out = new ArrayList<>();
        out.add(max);
        if (worst[0] != max) {
            out.add(worst[0]);
        }
        if (downgrade) {
            for (long w : worst) {
                if (w < out.get(out.size() - 1)) {
                    out.add(w);
                }
            }
        }
        return out.stream().mapToLong(Long::longValue).toArray();
    }

    /** The candidates whose worst case fits the reserved amount, in routing order. */
    private static Decision.Routed restrict(Decision.Routed d, long[] worst, long amount) {
        List<Candidate> allowed = new ArrayList<>(d.candidates().size());
        for (int i = 0; i < worst.length; i++) {
            if (worst[i] <= amount) {
                allowed.add(d.candidates().get(i));
            }
        }
        return allowed.size() == d.candidates().size() ? d : d.withCandidates(allowed);
    }

    /** @param smallest the smallest worst case that was tried */
    private GatewayException refusal(HttpHeaders headers, Applicable applicable, AdmitResult result, Instant now,
            long smallest) {
        headers.set(Headers.SHOULD_RETRY, "false");
        switch (result.outcome()) {
            case BUDGET_EXCEEDED -> {
                BudgetSpec spec = spec(applicable, result.refusedKey());
                BudgetState state = state(result.budgets(), result.refusedKey());
                Instant reset = spec.period().window(now, zone).end();
                if (reset != null) {
                    headers.set(Headers.BUDGET_RESET, reset.toString());
                }
                headers.set(Headers.BUDGET_REMAINING_USD, usd(Math.max(0, state.remainingNanos())));
                return new GatewayException(new ApiError(429, "insufficient_quota", "budget_exceeded", "The "
                        + spec.period().yamlName() + " budget '" + spec.id() + "' of " + spec.amountUsd().toPlainString()
                        + " USD cannot cover this call: " + usd(Math.max(0, state.remainingNanos()))
                        + " USD left, the call may cost up to " + usd(smallest) + " USD" + (reset != null ? "; the budget starts again at " + reset : "") + ".", null),
                        null, Outcome.REJECTED, null);
            }
            case REQUESTS_LIMITED, TOKENS_LIMITED -> {
                boolean requests = result.outcome() == AdmitResult.Outcome.REQUESTS_LIMITED;
                String kind = requests ? "requests" : "tokens";
                if (result.retryAfterMillis() < 0) {
                    return new GatewayException(new ApiError(429, "requests", "rate_limit_exceeded", "This call "
                            + "needs more tokens than the rate limit '" + result.refusedKey() + "' allows per minute; "
                            + "lower max_tokens or the prompt.", null), null, Outcome.REJECTED, null);
                }
                headers.set(Headers.SHOULD_RETRY, "true");
                String retryAfter = Long.toString(Math.max(1, (result.retryAfterMillis() + 999) / 1000));
                return new GatewayException(new ApiError(429, "requests", "rate_limit_exceeded", "Rate limit of "
                        + kind + " per minute reached for '" + result.refusedKey() + "'. Retry in "
                        + RateHeaders.duration(result.retryAfterMillis()) + ".", null), null, Outcome.REJECTED,
                        retryAfter);
            }
            default -> throw new IllegalStateException("not a refusal: " + result.outcome());
        }
    }

    private GatewayException unavailable(String team, Throwable e) {
        metrics.storeFailed(team, e);
        return new GatewayException(new ApiError(503, ApiError.SERVER_ERROR, "budget_store_unavailable",
                "The budget store is unavailable and the gateway is configured to refuse calls it cannot count "
                + "(tollgate.budgets.store-failure-policy=fail-closed). Retry shortly.", null), null,
                Outcome.REJECTED, "1");
    }

    /** {@code x-tollgate-budget-remaining-usd}: the tightest budget's remaining amount after this call's reservation. */
    private static void budgetHeaders(HttpHeaders headers, List<BudgetState> states) {
        if (states.isEmpty()) {
            return;
        }
        BudgetState tightest = states.get(0);
        for (BudgetState s : states) {
            if (s.remainingNanos() < tightest.remainingNanos()) {
                tightest = s;
            }
        }
        headers.set(Headers.BUDGET_REMAINING_USD, usd(Math.max(0, tightest.remainingNanos())));
    }

    private static void rateHeaders(HttpHeaders headers, List<RateState> states) {
        RateHeaders.set(headers, states);
    }

    private static BudgetSpec spec(Applicable applicable, String counterKey) {
        String id = counterKey.substring(0, counterKey.lastIndexOf('@'));
        for (BudgetSpec b : applicable.budgets()) {
            if (b.id().equals(id)) {
                return b;
            }
        }
        throw new IllegalStateException("no budget " + id);
    }

    private static BudgetState state(List<BudgetState> states, String key) {
        for (BudgetState s : states) {
            if (s.key().equals(key)) {
                return s;
            }
        }
        throw new IllegalStateException("no state for " + key);
    }

    static String usd(long nanos) {
        return Nanos.toUsd(nanos).stripTrailingZeros().toPlainString();
    }

    /** Pico-USD (10^-12) to nano-USD, rounded up. */
    static long ceilPicoToNanos(long pico) {
        return pico <= 0 ? 0 : (pico + 999) / 1000;
    }
}
