package dev.tollgate.call;

/**
 * Anthropic's {@code thinking} setting: off, on with a token budget, or adaptive (the model decides how much, guided
 * by {@link CanonicalRequest#effort()}). OpenAI's {@code reasoning_effort} is {@link CanonicalRequest#effort()} alone. Immutable.
 */
public sealed interface ThinkingConfig {

    Disabled DISABLED = new Disabled();
    Adaptive ADAPTIVE = new Adaptive();

    record Disabled() implements ThinkingConfig {
    }

    /** Extended thinking with at most {@code budgetTokens} reasoning tokens (Anthropic: at least 1,024). */
    record Budget(int budgetTokens) implements ThinkingConfig {
    }

    record Adaptive() implements ThinkingConfig {
    }
}
