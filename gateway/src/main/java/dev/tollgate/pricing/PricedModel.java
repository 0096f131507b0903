package dev.tollgate.pricing;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A model as one provider's price table describes it: limits, capabilities, attributes and its price history
 * (oldest first, effective dates strictly increasing). Immutable.
 *
 * @param outputCapField the request field that caps its output at the provider's API ({@code output-cap-field},
 *                       default {@code max_tokens})
 * @param imageTokensMax the most prompt tokens one image can count for ({@code image-tokens-max}, default
 *                       {@value #DEFAULT_IMAGE_TOKENS_MAX}): budgets reserve it per image
 */
public record PricedModel(
        String provider,
        String model,
        int contextWindow,
        int maxOutputTokens,
        Set<Capability> capabilities,
        Map<String, String> attributes,
        List<PriceRow> prices,
        String file,
        int line,
        OutputCapField outputCapField,
        int imageTokensMax) {

    /**
     * Prompt tokens one image counts for at most, where a table does not say: above the published per-image counts
     * of OpenAI's tile-based models (at most 1,445 at high detail), its patch-based ones (at most 3,779 for
     * gpt-4.1-nano), Anthropic's (about 1,600 for the largest image it keeps) and Gemini's (258 per 768-pixel tile,
     * 16 tiles for a 3072-pixel square). A model that counts more (gpt-4o-mini: up to 48,169) says so in its table.
     */
    public static final int DEFAULT_IMAGE_TOKENS_MAX = 4_200;

    public PricedModel(String provider, String model, int contextWindow, int maxOutputTokens,
            Set<Capability> capabilities, Map<String, String> attributes, List<PriceRow> prices, String file,
            int line) {
        this(provider, model, contextWindow, maxOutputTokens, capabilities, attributes, prices, file, line,
                OutputCapField.MAX_TOKENS, DEFAULT_IMAGE_TOKENS_MAX);
    }

    /**
     * The row in force at {@code at}: the last row whose effective-from is not after it. Empty when {@code at} is
     * before the first row, i.e. the model had no price yet: such a call is unpriced, never billed at $0.
     */
    public Optional<PriceRow> priceAt(Instant at) {
        for (int i = prices.size() - 1; i >= 0; i--) {
            PriceRow row = prices.get(i);
            if (!row.effectiveFrom().isAfter(at)) {
                return Optional.of(row);
            }
        }
        return Optional.empty();
    }

    /** Like {@link #priceAt}, without the Optional: the row in force at {@code at}, or null. */
    public PriceRow rowAt(Instant at) {
        for (int i = prices.size() - 1; i >= 0; i--) {
            PriceRow row = prices.get(i);
            if (!row.effectiveFrom().isAfter(at)) {
                return row;
            }
        }
        return null;
    }

    public boolean supports(Capability capability) {
        return capabilities.contains(capability);
    }
}
