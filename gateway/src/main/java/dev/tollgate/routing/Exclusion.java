package dev.tollgate.routing;

import java.util.Locale;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * An offering that was not eligible, and why. The detail text is built only when asked for, so a decision over
 * hundreds of offerings does not format hundreds of strings. Immutable once built; the lazy detail is computed at
 * most once (a benign race may compute it twice, with the same result). Thread-safe.
 */
public final class Exclusion {

    /** Why an offering was excluded, in the order the checks run. */
    public enum Kind {
        PROVIDER_NOT_ALLOWED("provider not allowed by the team's policy"),
        MODEL_NOT_ALLOWED("model not allowed by the team's policy"),
        ATTRIBUTE_MISMATCH("does not meet the team's data-handling requirement"),
        UNPRICED("unpriced: no price row in force"),
        MISSING_CAPABILITY("lacks a capability the request needs"),
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

    private final String provider;
    private final String model;
    private final Kind kind;
    private Supplier<String> detailSupplier;
    private volatile String detail;

    public Exclusion(String provider, String model, Kind kind, String detail) {
        this.provider = provider;
        this.model = model;
        this.kind = kind;
        this.detail = detail;
    }

    /** An exclusion whose detail is formatted on first use. */
    public Exclusion(String provider, String model, Kind kind, Supplier<String> detail) {
        this(provider, model, kind, (String) null);
        this.detailSupplier = detail;
    }

    public String provider() {
        return provider;
    }

    public String model() {
        return model;
    }

    public Kind kind() {
        return kind;
    }

    /** The values behind the reason (numbers, names), or null. */
    public String detail() {
        String d = detail;
        if (d == null && detailSupplier != null) {
            d = detailSupplier.get();
            detail = d;
        }
        return d;
    }

    /** The reason as a sentence: {@code quality below the minimum (62 < 70 for code)}. */
    public String reason() {
        String d = detail();
        return d == null ? kind.text() : kind.text() + " (" + d + ")";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Exclusion e && provider.equals(e.provider) && model.equals(e.model) && kind == e.kind
                && Objects.equals(detail(), e.detail());
    }

    @Override
    public int hashCode() {
        return Objects.hash(provider, model, kind);
    }

    @Override
    public String toString() {
        return "Exclusion[" + provider + "/" + model + ": " + reason() + "]";
    }
}
