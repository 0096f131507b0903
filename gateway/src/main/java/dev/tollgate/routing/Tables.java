package dev.tollgate.routing;

import java.time.Instant;

import dev.tollgate.pricing.PriceTable;
import dev.tollgate.pricing.QualityTable;

/**
 * One consistent snapshot of everything a decision reads: prices, quality, rules and the catalog derived from
 * them. Swapped atomically on reload; a call keeps the snapshot it started with. Immutable.
 *
 * @param generation increases by one with every accepted reload
 */
public record Tables(PriceTable prices, QualityTable quality, RoutingRules rules, Catalog catalog, long generation,
        Instant loadedAt) {

    public Tables(PriceTable prices, RoutingRules rules, Catalog catalog, long generation, Instant loadedAt) {
        this(prices, QualityTable.EMPTY, rules, catalog, generation, loadedAt);
    }
}
