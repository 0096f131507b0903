package dev.tollgate.gateway;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;

import dev.tollgate.api.ApiError;
import dev.tollgate.call.CallRequest;
import dev.tollgate.wire.Codecs;
import dev.tollgate.auth.Principal;
import dev.tollgate.metering.TokenCounter;
import dev.tollgate.pricing.CostCalculator;
import dev.tollgate.pricing.PriceRow;
import dev.tollgate.pricing.QualityTable;
import dev.tollgate.pricing.Usage;
import dev.tollgate.routing.Candidate;
import dev.tollgate.routing.Decision;
import dev.tollgate.routing.Health;
import dev.tollgate.routing.Exclusion;
import dev.tollgate.routing.Offering;
import dev.tollgate.routing.RouteRequest;
import dev.tollgate.routing.Router;
import dev.tollgate.routing.Tables;
import reactor.core.publisher.Mono;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code POST /v1/cost/compare}: what a call would cost on every offering, with its quality for the task, whether
 * the caller's policy would let it serve the call (and if not, why), its rank in the routing order, and the saving
 * against the requested model. The body is a chat request, or a token profile
 * {@code {"model", "input_tokens", "output_tokens", "cached_input_tokens"}}. Costs are exact, at the prices in
 * force now. Thread-safe.
 */
public final class CompareHandler {

    private final ObjectMapper mapper;
    private final TokenCounter tokens;
    private final Codecs codecs;
    private final Clock clock;
    private final int maxBytes;
    private final Supplier<Health> health;

    private final BodyWork work;

    /**
     * @param health the backends' health now (routing excludes unavailable ones, and says so)
     * @param work   where a large body is parsed and counted
     */
    public CompareHandler(ObjectMapper mapper, TokenCounter tokens, Clock clock, int maxBytes, Supplier<Health> health,
            BodyWork work, Codecs codecs) {
        this.codecs = codecs;
        this.work = work;
        this.health = health;
        this.mapper = mapper;
        this.tokens = tokens;
        this.clock = clock;
        this.maxBytes = maxBytes;
    }

    public Mono<ServerResponse> compare(ServerRequest request) {
        Principal principal = request.exchange().getAttribute(ExchangeAttributes.PRINCIPAL);
        Tables tables = request.exchange().getAttribute(ExchangeAttributes.TABLES);
        return ParseFilter.readBody(request.exchange().getRequest(), maxBytes)
                .flatMap(bytes -> work.run(request.exchange().getRequest(), bytes.length,
                        () -> mapper.writeValueAsBytes(compare(bytes, request, principal, tables))))
                .flatMap(body -> ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(body));
    }

    private ObjectNode compare(byte[] bytes, ServerRequest http, Principal principal, Tables tables) {
        Instant now = clock.instant();
        RouteRequest route;
        long input;
        long cached = 0;
        Integer output;
        JsonNode root = tree(bytes);
        if (root.has("messages") || root.has("input")) { // a call: Chat Completions, Messages or Responses
            CallRequest chat = ExplainHandler.parse(bytes, mapper, http);
            route = RouteRequests.of(chat, http.headers().asHttpHeaders(), principal, tokens, codecs);
            input = chat.promptTokens(tokens);
            output = chat.maxOutputTokens();
        } else {
            String model = text(root, "model");
            input = count(root, "input_tokens", true);
            cached = count(root, "cached_input_tokens", false);
            output = (int) Math.min(Integer.MAX_VALUE, Math.max(1, count(root, "output_tokens", true)));
            long prompt = input + cached;
            route = RouteRequests.of(model, () -> prompt, output, false, java.util.Set.of(),
                    http.headers().asHttpHeaders(), principal);
        }
        Decision decision = Router.decide(route, tables, health.get(), now);
        return render(decision, route, tables, now, input, cached, output);
    }

    private ObjectNode render(Decision decision, RouteRequest route, Tables tables, Instant now, long input,
            long cached, Integer requestedOutput) {
        Map<String, Integer> rank = new HashMap<>();
        Map<String, Exclusion> excluded = new HashMap<>();
        ObjectNode root = mapper.createObjectNode();
        root.put("object", "cost.comparison").put("requested", route.model());
        String baselineModel = route.model();
        PriceRow baselinePrice = null;
        int output;
        if (decision instanceof Decision.Routed d) {
            List<Candidate> candidates = d.candidates();
            for (int i = 0; i < candidates.size(); i++) {
                rank.put(key(candidates.get(i).offering()), i + 1);
            }
            d.exclusions().forEach(e -> excluded.put(e.provider() + "/" + e.model(), e));
            baselineModel = d.baselineModel();
            baselinePrice = d.baselinePrice();
            output = d.expectedOutput();
            root.put("alias", d.alias()).put("task", d.task().yamlName()).put("min_quality", d.minQuality())
                    .put("chosen", key(d.first().offering()));
        } else {
            Decision.Refused r = (Decision.Refused) decision;
            r.exclusions().forEach(e -> excluded.put(e.provider() + "/" + e.model(), e));
            output = (requestedOutput != null ? requestedOutput : Router.DEFAULT_EXPECTED_OUTPUT_TOKENS)
                    * route.choices();
            root.put("routed", false).put("code", r.code()).put("message", r.message());
        }
        var task = route.task() != null ? route.task() : decision instanceof Decision.Routed d ? d.task()
                : dev.tollgate.pricing.TaskFamily.GENERAL;
        Usage usage = new Usage(input, cached, 0, output, 0, true);
        BigDecimal baselineCost = baselinePrice == null ? null : CostCalculator.cost(usage, baselinePrice);
        root.put("input_tokens", input).put("cached_input_tokens", cached).put("output_tokens", output)
                .put("baseline_model", baselineModel)
                .put("baseline_cost_usd", baselineCost == null ? null : CostCalculator.format(baselineCost));
        List<ObjectNode> rows = new ArrayList<>();
        for (Offering o : tables.catalog().all()) {
            ObjectNode row = mapper.createObjectNode();
            row.put("provider", o.provider()).put("model", o.modelId());
            Optional<PriceRow> price = o.model().priceAt(now);
            BigDecimal cost = price.map(p -> CostCalculator.cost(usage, p)).orElse(null);
            row.put("estimated_cost_usd", cost == null ? null : CostCalculator.format(cost));
            int q = tables.quality().score(o.modelId(), task);
            if (q == QualityTable.UNKNOWN) {
                row.putNull("quality");
            } else {
                row.put("quality", q);
            }
            Integer r = rank.get(key(o));
            Exclusion e = excluded.get(key(o));
            row.put("eligible", r != null);
            if (r != null) {
                row.put("rank", r);
            } else if (e != null) {
                row.put("code", e.kind().code()).put("reason", e.reason());
            } else {
                row.put("code", "not_requested").put("reason", "another model than the one requested; the team's "
                        + "policy does not allow substitution (or a provider was pinned)");
            }
            if (cost != null && baselineCost != null) {
                BigDecimal saving = baselineCost.subtract(cost);
                row.put("saving_usd", CostCalculator.format(saving));
                if (baselineCost.signum() > 0) {
                    row.put("saving_percent", saving.multiply(BigDecimal.valueOf(100))
                            .divide(baselineCost, 1, RoundingMode.HALF_EVEN).toPlainString());
                }
            }
            rows.add(row);
        }
        rows.sort(Comparator.comparing((ObjectNode n) -> n.path("estimated_cost_usd").isNull()
                ? null : new BigDecimal(n.path("estimated_cost_usd").asString()),
                Comparator.nullsLast(Comparator.naturalOrder())));
        ArrayNode out = root.putArray("offerings");
        rows.forEach(out::add);
        return root;
    }

    private static String key(Offering o) {
        return o.provider() + "/" + o.modelId();
    }

    private JsonNode tree(byte[] bytes) {
        try {
            JsonNode root = mapper.readTree(bytes);
            if (root != null && root.isObject()) {
                return root;
            }
        } catch (JacksonException ignored) {
            // reported below
        }
        throw ApiError.invalidRequest("invalid_json", "The body must be a JSON object: a chat request, or "
                + "{\"model\", \"input_tokens\", \"output_tokens\", \"cached_input_tokens\"}.", null).exception();
    }

    private static String text(JsonNode root, String field) {
        JsonNode node = root.get(field);
        if (node == null || !node.isString() || node.stringValue().isBlank()) {
            throw ApiError.invalidRequest("missing_required_parameter", "You must provide a " + field
                    + " parameter (a string).", field).exception();
        }
        return node.stringValue();
    }

    private static long count(JsonNode root, String field, boolean required) {
        JsonNode node = root.get(field);
        if (node == null || node.isNull()) {
            if (required) {
                throw ApiError.invalidRequest("missing_required_parameter", "A token profile needs " + field
                        + " (a whole number >= 0).", field).exception();
            }
            return 0;
        }
        if (!node.isIntegralNumber() || node.asLong() < 0 || node.asLong() > 100_000_000L) {
            throw ApiError.invalidRequest("invalid_value", field + " must be a whole number from 0 to 100000000.",
                    field).exception();
        }
        return node.asLong();
    }
}
