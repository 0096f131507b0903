package dev.tollgate.api;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;

import dev.tollgate.pricing.Capability;
import dev.tollgate.pricing.PriceRow;
import dev.tollgate.pricing.PricedModel;
import dev.tollgate.routing.Offering;
import dev.tollgate.routing.Tables;
import reactor.core.publisher.Mono;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code GET /v1/models}: OpenAI's list shape, one entry per model id an enabled backend offers, with a
 * {@code tollgate} extension field: limits, capabilities, the call endpoints the model serves ({@code endpoints}:
 * {@code chat}, {@code messages} and {@code responses} for a chat model, {@code embeddings} for an embedding model), and each offering's provider and prices in force now
 * (USD per 1M tokens, as exact decimal strings) with their source and effective date. A model without a price in
 * force is listed with {@code "priced": false}: calls to it are refused, never billed at $0. Thread-safe.
 */
public final class ModelsHandler {

    /**
     * The call endpoints a chat model serves: Chat Completions, the Messages API and the Responses API, each reaching
     * every chat model (translated when the backend speaks another format).
     */
    static final List<String> CHAT_ENDPOINTS = List.of("chat", "messages", "responses");
    /** The one endpoint an embedding model serves. */
    static final List<String> EMBEDDING_ENDPOINTS = List.of("embeddings");

    private final ObjectMapper mapper;
    private final Clock clock;

    public ModelsHandler(ObjectMapper mapper, Clock clock) {
        this.mapper = mapper;
        this.clock = clock;
    }

    public Mono<ServerResponse> list(ServerRequest request, Tables tables) {
        Instant now = clock.instant();
        ObjectNode root = mapper.createObjectNode();
        root.put("object", "list");
        ArrayNode data = root.putArray("data");
        tables.catalog().models().forEach((id, offerings) -> data.add(model(id, offerings, now)));
        return ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(mapper.writeValueAsBytes(root));
    }

    private ObjectNode model(String id, List<Offering> offerings, Instant now) {
        PricedModel first = offerings.get(0).model();
        ObjectNode m = mapper.createObjectNode();
        m.put("id", id).put("object", "model")
                .put("created", first.prices().get(0).effectiveFrom().getEpochSecond())
                .put("owned_by", first.provider());
        ObjectNode ext = m.putObject("tollgate");
        ext.put("context_window", first.contextWindow()).put("max_output_tokens", first.maxOutputTokens());
        ArrayNode caps = ext.putArray("capabilities");
        first.capabilities().forEach(c -> caps.add(c.yamlName()));
        ArrayNode endpoints = ext.putArray("endpoints");
        for (String endpoint : first.supports(Capability.EMBEDDINGS) ? EMBEDDING_ENDPOINTS : CHAT_ENDPOINTS) {
            endpoints.add(endpoint);
        }
        ArrayNode providers = ext.putArray("providers");
        for (Offering o : offerings) {
            ObjectNode p = providers.addObject();
            p.put("provider", o.provider()).put("price_table", o.model().provider());
            Optional<PriceRow> price = o.model().priceAt(now);
            p.put("priced", price.isPresent());
            price.ifPresent(row -> {
                p.put("input_usd_per_1m", row.input().toPlainString());
                p.put("cached_input_usd_per_1m", row.cachedInput() == null ? null : row.cachedInput().toPlainString());
                p.put("cache_write_usd_per_1m", row.cacheWrite() == null ? null : row.cacheWrite().toPlainString());
                p.put("output_usd_per_1m", row.output().toPlainString());
                p.put("effective_from", row.effectiveFrom().toString());
                p.put("source", row.source());
                p.put("price_version", row.version());
            });
            ObjectNode attrs = p.putObject("attributes");
            o.model().attributes().forEach(attrs::put);
        }
        return m;
    }
}
