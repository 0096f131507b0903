package dev.tollgate.wire;

/**
 * How reasoning settings map between formats, in one place. OpenAI asks for an effort ({@code minimal} to
 * {@code xhigh}); Anthropic for a thinking budget in tokens (at least {@value #MIN_BUDGET}, below {@code max_tokens}),
 * or, on models with adaptive thinking, an effort ({@code low} to {@code max}).
 * <pre>
 * OpenAI effort   Anthropic budget   Anthropic effort
 * none            (no thinking)      (no thinking)
 * minimal         1024               low
 * low             2048               low
 * medium          8192               medium
 * high            24576              high
 * xhigh           32768              max
 * </pre>
 * A budget goes back to an effort by range: below 4096 low, below 16384 medium, else high; Anthropic's {@code max}
 * becomes {@code high} (not every OpenAI reasoning model takes {@code xhigh}). Stateless.
 */
public final class ReasoningMap {

    /** Anthropic's smallest thinking budget. */
    public static final int MIN_BUDGET = 1024;

    private ReasoningMap() {
    }

    /** The thinking budget for an OpenAI effort; 0 for {@code none}. Unknown values count as {@code medium}. */
    public static int budgetFor(String openAiEffort) {
        return switch (openAiEffort) {
            case "none" -> 0;
            case "minimal" -> 1024;
            case "low" -> 2048;
            case "high" -> 24576;
            case "xhigh", "max" -> 32768;
            default -> 8192;
        };
    }

    /** The OpenAI effort for a thinking budget. */
    public static String effortForBudget(int budgetTokens) {
        return budgetTokens < 4096 ? "low" : budgetTokens < 16384 ? "medium" : "high";
    }

    /** An effort in Anthropic's vocabulary (low, medium, high, max); null for {@code none}. */
    public static String anthropicEffort(String effort) {
        return switch (effort) {
            case "none" -> null;
            case "minimal", "low" -> "low";
            case "high" -> "high";
            case "xhigh", "max" -> "max";
            default -> "medium";
        };
    }

    /** An effort in OpenAI's vocabulary (minimal to high, as most reasoning models take it). */
    public static String openAiEffort(String effort) {
        return switch (effort) {
            case "none", "minimal", "low" -> effort;
            case "high", "xhigh", "max" -> "high";
            default -> "medium";
        };
    }

    /**
     * The budget to send with an output cap of {@code maxTokens}: {@code wanted}, lowered below the cap, or 0 when
     * the cap leaves no room for the smallest budget (the call then goes without thinking).
     */
    public static int fitBudget(int wanted, int maxTokens) {
        int budget = Math.min(wanted, maxTokens - 1);
        return budget < MIN_BUDGET ? 0 : budget;
    }
}
