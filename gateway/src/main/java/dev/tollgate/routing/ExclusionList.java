package dev.tollgate.routing;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.AbstractList;
import java.util.Arrays;
import java.util.List;
import java.util.RandomAccess;
import java.util.Set;

import dev.tollgate.call.WireFormat;
import dev.tollgate.pricing.Capability;
import dev.tollgate.pricing.PriceRow;
import dev.tollgate.pricing.QualityTable;
import dev.tollgate.pricing.TaskFamily;

/**
 * The exclusions of one decision, kept as two primitive arrays (which offering, which reason) and turned into
 * {@link Exclusion} objects only when read: a decision over hundreds of offerings allocates almost nothing for
 * the ones it excludes, and an explanation still gets every reason with its detail. Read-only; safe to read from
 * several threads once the decision is returned (reads build equal objects).
 */
final class ExclusionList extends AbstractList<Exclusion> implements RandomAccess {

    /** What details are made of: the decision's inputs, kept by reference. */
    record Context(Instant now, Set<Capability> needs, TeamPolicy policy, Integer maxOutput, int expectedBase,
            QualityTable quality, TaskFamily task, int minQuality, Health health, BigDecimal maxCostUsd,
            RouteRequest request) {
    }

    private static final Exclusion.Kind[] KINDS = Exclusion.Kind.values();

    private final List<Offering> scope;
    private Context context;
    private long promptTokens;
    private int[] offerings = new int[16];
    private byte[] kinds = new byte[16];
    private int size;

    ExclusionList(List<Offering> scope) {
        this.scope = scope;
    }

    void add(int scopeIndex, Exclusion.Kind kind) {
        if (size == offerings.length) {
            offerings = Arrays.copyOf(offerings, size * 2);
            kinds = Arrays.copyOf(kinds, size * 2);
        }
        offerings[size] = scopeIndex;
        kinds[size] = (byte) kind.ordinal();
        size++;
    }

    /** Completes the list once the decision's inputs are all known. */
    ExclusionList seal(Context context, long promptTokens) {
        this.context = context;
        this.promptTokens = promptTokens;
        return this;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public Exclusion get(int i) {
        if (i < 0 || i >= size) {
            throw new IndexOutOfBoundsException("exclusion " + i + " of " + size);
        }
        Offering o = scope.get(offerings[i]);
        Exclusion.Kind kind = KINDS[kinds[i]];
        return new Exclusion(o.provider(), o.modelId(), kind, detail(o, kind));
    }

    private String detail(Offering o, Exclusion.Kind kind) {
        Context c = context;
        var m = o.model();
        return switch (kind) {
            case PROVIDER_NOT_ALLOWED, MODEL_NOT_ALLOWED -> null;
            case ATTRIBUTE_MISMATCH -> Router.missingAttribute(c.policy().requireAttributes(), m.attributes());
            case ENDPOINT_MISMATCH -> c.request().format() == WireFormat.OPENAI_EMBEDDINGS
                    ? "not an embedding model: POST /v1/embeddings takes embedding models only"
                    : "an embedding model: call it with POST /v1/embeddings";
            case UNPRICED -> "at " + c.now();
            case MISSING_CAPABILITY -> Router.missing(c.needs(), m.capabilities());
            case UNTRANSLATABLE -> o.formatFor(c.request().format()).label() + ": "
                    + c.request().untranslatableTo(o.formatFor(c.request().format()));
            case OUTPUT_TOO_LONG -> c.maxOutput() + " > " + m.maxOutputTokens();
            case CONTEXT_TOO_SMALL -> promptTokens + " prompt + " + Math.min(c.expectedBase(), m.maxOutputTokens())
                    + " output tokens > " + m.contextWindow();
            case QUALITY_UNKNOWN -> c.task().yamlName();
            case QUALITY_TOO_LOW -> c.quality().score(m.model(), c.task()) + " < " + c.minQuality() + " for "
                    + c.task().yamlName();
            case PRICE_ABOVE_MAXIMUM -> Router.overPriceCap(c.policy(), m.rowAt(c.now()));
            case UNHEALTHY -> c.health().unavailableReason(o.provider(), o.modelId(), c.now());
            case COST_ABOVE_MAXIMUM -> {
                PriceRow row = m.rowAt(c.now());
                long pico = row.estimatePicoUsd(promptTokens, Math.min(c.expectedBase(), m.maxOutputTokens()));
                yield BigDecimal.valueOf(pico, 12).stripTrailingZeros().toPlainString() + " > "
                        + c.maxCostUsd().toPlainString();
            }
        };
    }
}
