package dev.tollgate.routing;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

import dev.tollgate.call.WireFormat;
import dev.tollgate.pricing.QualityTable;
import dev.tollgate.pricing.TaskFamily;

import dev.tollgate.pricing.PriceTable;
import dev.tollgate.pricing.ProviderPrices;

/**
 * Every offering the gateway can serve: each enabled backend times the models of the price table it is priced by.
 * Built once per tables snapshot so that a request does a hash lookup, never a table scan. Immutable.
 */
public final class Catalog {

    private final Map<String, List<Offering>> byModel;
    private final Map<String, Map<String, Offering>> byProvider;
    private final List<Offering> all;
    /** Data derived from this catalog and the quality table or a team policy, computed once per snapshot. */
    private final ConcurrentHashMap<Object, Object> memo = new ConcurrentHashMap<>();

    private Catalog(Map<String, List<Offering>> byModel, Map<String, Map<String, Offering>> byProvider) {
        this.byModel = byModel;
        this.byProvider = byProvider;
        this.all = byModel.values().stream().flatMap(List::stream).toList();
    }

    /** Quality score of every offering ({@link Catalog#all()} order) for a family; computed once per table. */
    int[] quality(QualityTable quality, TaskFamily family) {
        return (int[]) memo.computeIfAbsent(new QualityKey(quality, family), k -> {
            int[] scores = new int[all.size()];
            for (int i = 0; i < scores.length; i++) {
                scores[i] = quality.score(all.get(i).modelId(), family);
            }
            return scores;
        });
    }

    /**
     * For every offering, the first static policy check it fails (provider, model, attributes) as
     * {@code kind.ordinal() + 1}, or 0; computed once per policy and snapshot (teams are few, offerings many).
     */
    byte[] screen(TeamPolicy policy) {
        return (byte[]) memo.computeIfAbsent(policy, k -> {
            byte[] screen = new byte[all.size()];
            for (int i = 0; i < screen.length; i++) {
                Offering o = all.get(i);
                Exclusion.Kind kind = !policy.providerAllowed(o.provider()) ? Exclusion.Kind.PROVIDER_NOT_ALLOWED
                        : !policy.modelAllowed(o.modelId()) ? Exclusion.Kind.MODEL_NOT_ALLOWED
                        : !Router.hasAttributes(policy.requireAttributes(), o.model().attributes())
                                ? Exclusion.Kind.ATTRIBUTE_MISMATCH : null;
                screen[i] = (byte) (kind == null ? 0 : kind.ordinal() + 1);
            }
            return screen;
        });
    }

    private record QualityKey(QualityTable table, TaskFamily family) {
    }

    /** Every offering, by model id then backend id. */
    public List<Offering> all() {
        return all;
    }

    /**
     * @param backendPriceTables enabled backend id -> the price-table id it is priced by
     */
    public static Catalog build(PriceTable prices, Map<String, String> backendPriceTables) {
        return build(prices, backendPriceTables, Map.of());
    }

    /**
     * @param backendPriceTables enabled backend id -> the price-table id it is priced by
     * @param formats            backend id -> the wire format it speaks (OpenAI's when absent)
     */
    public static Catalog build(PriceTable prices, Map<String, String> backendPriceTables,
            Map<String, WireFormat> formats) {
        return build(prices, backendPriceTables, formats, Set.of());
    }

    /**
     * @param backendPriceTables enabled backend id -> the price-table id it is priced by
     * @param formats            backend id -> the wire format it speaks (OpenAI's when absent)
     * @param responses          ids of the backends that also serve OpenAI's Responses API natively
     */
    public static Catalog build(PriceTable prices, Map<String, String> backendPriceTables,
            Map<String, WireFormat> formats, Set<String> responses) {
        Map<String, List<Offering>> byModel = new TreeMap<>();
        Map<String, Map<String, Offering>> byProvider = new HashMap<>();
        // In backend-id order, as offeringsOf promises: the map given (Map.copyOf of the configuration) has no
        // stable order, and exclusions, refusal messages and GET /v1/models follow this order.
        new TreeMap<>(backendPriceTables).forEach((backend, tableId) -> {
            ProviderPrices table = prices.providers().get(tableId);
            if (table == null) {
                return;
            }
            Map<String, Offering> offered = new LinkedHashMap<>();
            table.models().values().forEach(m -> {
                Offering o = new Offering(backend, m, -1, Offering.mask(m),
                        formats.getOrDefault(backend, WireFormat.OPENAI_CHAT), responses.contains(backend));
                offered.put(m.model(), o);
                byModel.computeIfAbsent(m.model(), k -> new ArrayList<>()).add(o);
            });
            byProvider.put(backend, Collections.unmodifiableMap(offered));
        });
        // number the offerings in all() order (model id, then backend id) and rebuild the maps with the numbered ones
        int[] next = {0};
        Map<String, Map<String, Offering>> numberedByProvider = new HashMap<>();
        byModel.replaceAll((k, v) -> v.stream().map(o -> {
            Offering numbered = new Offering(o.provider(), o.model(), next[0]++, o.capabilityMask(), o.format(),
                    o.responses());
            numberedByProvider.computeIfAbsent(o.provider(), p -> new LinkedHashMap<>()).put(o.modelId(), numbered);
            return numbered;
        }).toList());
        byProvider.replaceAll((p, m) -> Collections.unmodifiableMap(numberedByProvider.getOrDefault(p, Map.of())));
        return new Catalog(Collections.unmodifiableMap(byModel), Map.copyOf(byProvider));
    }

    /** Offerings of a model id, in backend-id order; empty when no enabled backend offers it. */
    public List<Offering> offeringsOf(String model) {
        return byModel.getOrDefault(model, List.of());
    }

    /** The offering of {@code model} at backend {@code provider}, or null. */
    public Offering offering(String provider, String model) {
        Map<String, Offering> offered = byProvider.get(provider);
        return offered == null ? null : offered.get(model);
    }

    public boolean hasProvider(String provider) {
        return byProvider.containsKey(provider);
    }

    /** Every model id with its offerings, sorted by model id. */
    public Map<String, List<Offering>> models() {
        return byModel;
    }
}
