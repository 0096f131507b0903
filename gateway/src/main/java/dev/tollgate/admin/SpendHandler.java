package dev.tollgate.admin;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;

import dev.tollgate.api.ApiError;
import dev.tollgate.auth.Principal;
import dev.tollgate.pricing.CostCalculator;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code GET /v1/spend?from=YYYY-MM-DD&to=YYYY-MM-DD}: the caller's team's spend from the ledger, by UTC day,
 * provider and model, with totals by model, by provider and overall. Defaults: the current UTC month to today.
 * Amounts are exact decimal strings. The ledger is written in batches, so a call shows up here within the
 * ledger's flush interval (200 ms by default). Thread-safe.
 */
public final class SpendHandler {

    static final int MAX_DAYS = 366;

    private final SpendQueries queries;
    private final ObjectMapper mapper;
    private final Clock clock;

    public SpendHandler(SpendQueries queries, ObjectMapper mapper, Clock clock) {
        this.queries = queries;
        this.mapper = mapper;
        this.clock = clock;
    }

    public Mono<ServerResponse> spend(ServerRequest request, Principal principal) {
        LocalDate today = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
        LocalDate from = date(request, "from", today.withDayOfMonth(1));
        LocalDate to = date(request, "to", today);
        if (to.isBefore(from) || from.plusDays(MAX_DAYS).isBefore(to)) {
            return Mono.error(ApiError.invalidRequest("invalid_value", "from must not be after to, and the range "
                    + "must be at most " + MAX_DAYS + " days.", "from").exception());
        }
        return Mono.fromCallable(() -> queries.spend(principal.team(), from, to))
                .subscribeOn(Schedulers.boundedElastic())
                .map(rows -> body(principal.team(), from, to, rows))
                .flatMap(bytes -> ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(bytes));
    }

    private byte[] body(String team, LocalDate from, LocalDate to, List<SpendRow> rows) {
        ObjectNode root = mapper.createObjectNode();
        root.put("object", "spend").put("team", team).put("currency", "USD")
                .put("from", from.toString()).put("to", to.toString());
        BigDecimal total = BigDecimal.ZERO;
        BigDecimal counterfactual = BigDecimal.ZERO;
        long requests = 0;
        ArrayNode out = root.putArray("rows");
        for (SpendRow r : rows) {
            total = total.add(r.costUsd());
            counterfactual = counterfactual.add(r.counterfactualUsd());
            requests += r.requests();
            ObjectNode o = out.addObject();
            o.put("day", r.day().toString()).put("provider", r.provider()).put("model", r.model())
                    .put("requests", r.requests()).put("input_tokens", r.inputTokens())
                    .put("cached_input_tokens", r.cachedInputTokens()).put("cache_write_tokens", r.cacheWriteTokens())
                    .put("cache_write_1h_tokens", r.cacheWrite1hTokens()).put("output_tokens", r.outputTokens())
                    .put("reasoning_tokens", r.reasoningTokens()).put("cost_usd", CostCalculator.format(r.costUsd()))
                    .put("estimated_requests", r.estimatedRequests())
                    .put("counterfactual_usd", CostCalculator.format(r.counterfactualUsd()))
                    .put("saved_usd", CostCalculator.format(r.counterfactualUsd().subtract(r.costUsd())));
        }
        root.put("total_usd", CostCalculator.format(total)).put("requests", requests)
                .put("counterfactual_usd", CostCalculator.format(counterfactual))
                .put("saved_usd", CostCalculator.format(counterfactual.subtract(total)));
        totals(root.putObject("by_model"), rows, SpendRow::model);
        totals(root.putObject("by_provider"), rows, SpendRow::provider);
        totals(root.putObject("by_day"), rows, r -> r.day().toString());
        return mapper.writeValueAsBytes(root);
    }

    private static void totals(ObjectNode target, List<SpendRow> rows, Function<SpendRow, String> key) {
        Map<String, BigDecimal> sums = new TreeMap<>();
        rows.forEach(r -> sums.merge(key.apply(r), r.costUsd(), BigDecimal::add));
        sums.forEach((k, v) -> target.put(k, CostCalculator.format(v)));
    }

    private static LocalDate date(ServerRequest request, String name, LocalDate fallback) {
        return request.queryParam(name).map(text -> {
            try {
                return LocalDate.parse(text);
            } catch (DateTimeParseException e) {
                throw ApiError.invalidRequest("invalid_value", name + " must be a date like 2026-11-01, but was '"
                        + text + "'.", name).exception();
            }
        }).orElse(fallback);
    }
}
