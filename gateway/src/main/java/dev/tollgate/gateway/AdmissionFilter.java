package dev.tollgate.gateway;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.web.server.ServerWebExchange;

import dev.tollgate.api.ApiError;
import dev.tollgate.call.CallRequest;
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
import dev.tollgate.budget.ReservationPlan;
import dev.tollgate.metering.BudgetMetrics;
import dev.tollgate.metering.CallRecord;
import dev.tollgate.call.Outcome;
import dev.tollgate.pricing.PricedModel;
import dev.tollgate.routing.Candidate;
import dev.tollgate.routing.Decision;
import dev.tollgate.routing.Tables;
import reactor.core.publisher.Mono;

/**
 * Budgets and rate limits, between routing and forwarding: reserves what the call can cost at most in every budget
 * that applies (team, key, app) and takes one request and its estimated tokens from every rate limit (key, team), in
 * one atomic step of the {@link LimitStore}, before anything is sent. The reservation is settled to the actual cost
 * once the cost is known ({@link BudgetSettlement}), however the call ends.
 * <p>
 * What is reserved bounds what the call can cost ({@link ReservationPlan}): its prompt at an upper bound of its
 * tokens, each at the highest price a prompt token can be billed at (cache writes, and the long-context tier when
 * the bound passes its threshold), and its output at the cap the upstream request carries, for every choice, at the
 * highest output price. Under a hard budget the call asks for its {@code max_tokens}, else the model's whole output
 * limit; when that does not fit, the output is capped to what the budget has left (at least
 * {@code min-capped-output-tokens} per choice, else the call is refused), the upstream request carries the cap (in
 * the model's cap field) and the response says so
 * ({@code x-tollgate-output-capped}). Failover keeps to the candidates the reservation covers, each with its own cap.
 * Thread-safe.
 */
public final class AdmissionFilter implements GlobalFilter, Ordered {

    private final LimitStore store;
    private final Supplier<LimitOverrides> overrides;
    private final BudgetMetrics metrics;
    private final ZoneId zone;
    private final long reservationTtlMillis;
    private final int defaultOutputCap;
    private final int minCappedOutput;
    private final Clock clock;

    /**
     * @param defaultOutputCap output tokens a call without {@code max_tokens} is counted for in tokens-per-minute
     *                         limits (clamped to the model)
     * @param minCappedOutput  fewest output tokens per choice a call capped by a hard budget may be given
     */
    public AdmissionFilter(LimitStore store, Supplier<LimitOverrides> overrides, BudgetMetrics metrics, ZoneId zone,
            long reservationTtlMillis, int defaultOutputCap, int minCappedOutput, Clock clock) {
        this.store = store;
        this.overrides = overrides;
        this.metrics = metrics;
        this.zone = zone;
        this.reservationTtlMillis = reservationTtlMillis;
        this.defaultOutputCap = defaultOutputCap;
        this.minCappedOutput = minCappedOutput;
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
        CallRequest chat = call.request();
        ReservationPlan plan = plan(chat, decision.candidates(), applicable.downgradeToFit());
        long[] amounts = plan.amounts();
        boolean hard = applicable.hasHard();
        Candidate first = decision.first();
        Integer maxTokens = chat.maxOutputTokens();
        long tokens = decision.promptTokens() + (long) chat.choices() * Math.min(
                maxTokens != null ? maxTokens : defaultOutputCap, first.offering().model().maxOutputTokens());
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
                budgets, rates, amounts, tokens, plan.flexibleMinimum());
        // Set before the step: a client that leaves while the store is admitting still completes the call, and its
        // settle (a no-op for an unknown reservation) then releases whatever the step reserved.
        BudgetSettlement settlement = new BudgetSettlement(call, applicable, store, metrics, clock);
        call.settlement(settlement);
        return Mono.fromCompletionStage(() -> store.admit(request))
                .onErrorMap(e -> !(e instanceof GatewayException), e -> unavailable(p.team(), e))
                .flatMap(result -> {
                    HttpHeaders headers = exchange.getResponse().getHeaders();
                    budgetHeaders(headers, result.budgets());
                    // Anthropic's clients read rate-limit resets as times, OpenAI's as durations
                    RateHeaders.set(headers, result.rates(), switch (Ingress.format(exchange)) {
                        case ANTHROPIC_MESSAGES -> now; // anthropic-ratelimit-* headers too
                        case OPENAI_CHAT, OPENAI_RESPONSES, OPENAI_EMBEDDINGS, GEMINI -> null;
                    });
                    metrics.observed(p.team(), applicable, result);
                    if (!result.admitted()) {
                        call.settlement(null); // nothing was reserved
                        long needed = plan.flexibleMinimum() > 0 ? plan.flexibleMinimum() : amounts[amounts.length - 1];
                        return Mono.error(refusal(headers, applicable, result, now, needed));
                    }
                    settlement.admitted(result);
                    Decision.Routed covered = covered(decision, plan, result, hard, maxTokens);
                    if (covered.candidates().isEmpty()) {
                        // cannot happen: the store reserved an amount that covers the first candidate
                        throw new IllegalStateException("the reservation covers no candidate");
                    }
                    if (plan.capped(0, plan.cap(0, result.reservedNanos(), result.option() == amounts.length))) {
                        metrics.outputCapped(p.team());
                    }
                    exchange.getAttributes().put(ExchangeAttributes.DECISION, covered);
                    return chain.filter(exchange);
                });
    }

    /** The reservation plan of a call over the decision's candidates, in routing order. */
    static ReservationPlan plan(CallRequest chat, List<Candidate> candidates, boolean downgrade, int minOutput) {
        int n = candidates.size();
        long[] input = new long[n];
        long[] output = new long[n];
        long[] prompt = new long[n];
        int[] requested = new int[n];
        Integer maxTokens = chat.maxOutputTokens();
        for (int i = 0; i < n; i++) {
            Candidate c = candidates.get(i);
            PricedModel m = c.offering().model();
            prompt[i] = chat.promptBoundTokens(m.imageTokensMax());
            if (chat.promptHiddenUpstream()) {
                // stored state at the provider: the prompt can be anything the model's context window takes
                prompt[i] = Math.max(prompt[i], m.contextWindow());
            }
            // the dearest rates its tokens can be billed at: the provider picks cache reads and writes, and a prompt
            // past a long-context threshold moves the whole call to the tier's rates
            input[i] = c.price().maxPromptMicros(prompt[i]);
            output[i] = c.price().maxOutputMicros(prompt[i]);
            requested[i] = maxTokens != null ? Math.min(maxTokens, m.maxOutputTokens()) : m.maxOutputTokens();
        }
        return new ReservationPlan(input, output, prompt, requested, chat.choices(), minOutput, downgrade);
    }

    private ReservationPlan plan(CallRequest chat, List<Candidate> candidates, boolean downgrade) {
        return plan(chat, candidates, downgrade, minCappedOutput);
    }

    /**
     * The candidates the reservation covers, in routing order, each with the output cap its upstream request must
     * carry under a hard budget (none when the client's own cap stands).
     */
    static Decision.Routed covered(Decision.Routed d, ReservationPlan plan, AdmitResult result, boolean hard,
            Integer clientCap) {
        boolean flexible = result.option() == plan.amounts().length;
        List<Candidate> allowed = new ArrayList<>(d.candidates().size());
        boolean changed = false;
        for (int i = 0; i < d.candidates().size(); i++) {
            Candidate c = d.candidates().get(i);
            int cap = plan.cap(i, result.reservedNanos(), flexible);
            if (cap < 0) {
                changed = true;
                continue;
            }
            if (hard && (clientCap == null || cap != clientCap)) {
                allowed.add(c.withOutputCap(cap));
                changed = true;
            } else {
                allowed.add(c);
            }
        }
        return changed ? d.withCandidates(allowed) : d;
    }

    /** @param smallest the least the call needs reserved (its prompt bound and the smallest output it may get) */
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
                        + " USD left, the call needs at least " + usd(smallest) + " USD reserved (its prompt, counted "
                        + "at one token per byte, and its smallest output)" + (reset != null
                        ? "; the budget starts again at " + reset : "") + ".", null),
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
}
