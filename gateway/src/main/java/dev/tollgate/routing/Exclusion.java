package dev.tollgate.routing;

import java.util.Locale;

/**
 * An offering that was not eligible, and why. Decisions keep their exclusions compactly ({@link ExclusionList})
 * and build these only when an explanation reads them. Immutable.
 *
 * @param kind   machine-readable reason
 * @param detail the values behind the reason (numbers, names), or null
 */
public record Exclusion(String provider, String model, Kind kind, String detail) {

    /** Why an offering was excluded, in the order the checks run. */
    public enum Kind {
        PROVIDER_NOT_ALLOWED("provider not allowed by the team's policy"),
        MODEL_NOT_ALLOWED("model not allowed by the team's policy"),
        ATTRIBUTE_MISMATCH("does not meet the team's data-handling requirement"),
        ENDPOINT_MISMATCH("serves another endpoint"),
        UNPRICED("unpriced: no price row in force"),
        MISSING_CAPABILITY("lacks a capability the request needs"),
        UNTRANSLATABLE("its wire format cannot carry what the request uses"),
        OUTPUT_TOO_LONG("max_tokens exceeds the model's maximum output"),
        CONTEXT_TOO_SMALL("prompt and output do not fit the context window"),
        QUALITY_UNKNOWN("no quality score for the task"),
        QUALITY_TOO_LOW("quality below the minimum"),
        PRICE_ABOVE_MAXIMUM("price per 1M tokens above the team's maximum"),
        UNHEALTHY("backend unavailable"),
        COST_ABOVE_MAXIMUM("estimated cost above x-tollgate-max-cost-usd");

        private final String text;

        Kind(String text) {
            this.text = text;
        }

        public String text() {
            return text;
        }

        public String code() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The reason as a sentence: {@code quality below the minimum (62 < 70 for code)}. */
    public String reason() {
        return detail == null ? kind.text() : kind.text() + " (" + detail + ")";
    }
}
