package dev.tollgate.routing;

/**
 * An offering that was not eligible, and why. The reason's text is built only when asked for, so a decision over
 * hundreds of offerings does not format hundreds of strings. Immutable.
 *
 * @param kind   machine-readable reason
 * @param detail the values the text needs (numbers, names), or null
 */
public record Exclusion(String provider, String model, Kind kind, String detail) {

    /** Why an offering was excluded, in the order the checks run. */
    public enum Kind {
        PROVIDER_NOT_ALLOWED("provider not allowed by the team's policy"),
        MODEL_NOT_ALLOWED("model not allowed by the team's policy"),
        ATTRIBUTE_MISMATCH("does not meet the team's data-handling requirement"),
        UNPRICED("unpriced: no price row in force"),
        MISSING_CAPABILITY("lacks a capability the request needs"),
        CONTEXT_TOO_SMALL("prompt and output do not fit the context window"),
        OUTPUT_TOO_LONG("max_tokens exceeds the model's maximum output"),
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
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** The reason as a sentence: {@code unpriced: no price row in force (at 2026-01-01T00:00:00Z)}. */
    public String reason() {
        return detail == null ? kind.text() : kind.text() + " (" + detail + ")";
    }
}
