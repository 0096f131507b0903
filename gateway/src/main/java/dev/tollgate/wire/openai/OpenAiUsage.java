package dev.tollgate.wire.openai;

import dev.tollgate.call.TokenCounts;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.JsonNode;

/**
 * Token counts in OpenAI's {@code usage} object. {@code prompt_tokens} includes cached reads
 * ({@code prompt_tokens_details.cached_tokens}; DeepSeek reports {@code prompt_cache_hit_tokens}), which are split
 * out; {@code completion_tokens} includes {@code completion_tokens_details.reasoning_tokens}. Stateless.
 */
public final class OpenAiUsage {

    private OpenAiUsage() {
    }

    /** The counts of a {@code usage} object; null when it has none (missing, null, or without token fields). */
    public static TokenCounts read(JsonNode usage) {
        if (usage == null || !usage.isObject() || !usage.has("prompt_tokens") && !usage.has("completion_tokens")) {
            return null;
        }
        long prompt = Math.max(0, usage.path("prompt_tokens").asLong(0));
        long completion = Math.max(0, usage.path("completion_tokens").asLong(0));
        long cached = usage.path("prompt_tokens_details").path("cached_tokens").asLong(0);
        if (cached <= 0) {
            cached = usage.path("prompt_cache_hit_tokens").asLong(0);
        }
        cached = Math.max(0, Math.min(cached, prompt));
        long reasoning = Math.max(0, Math.min(completion,
                usage.path("completion_tokens_details").path("reasoning_tokens").asLong(0)));
        return new TokenCounts(prompt - cached, cached, 0, 0, completion, reasoning);
    }

    /** Writes {@code counts} as a {@code usage} object value (the caller wrote the property name). */
    public static void write(JsonGenerator g, TokenCounts counts) {
        long prompt = counts.promptTokens();
        g.writeStartObject();
        g.writeNumberProperty("prompt_tokens", prompt);
        g.writeNumberProperty("completion_tokens", counts.output());
        g.writeNumberProperty("total_tokens", prompt + counts.output());
        g.writeObjectPropertyStart("prompt_tokens_details");
        g.writeNumberProperty("cached_tokens", counts.cacheRead());
        g.writeEndObject();
        g.writeObjectPropertyStart("completion_tokens_details");
        g.writeNumberProperty("reasoning_tokens", counts.reasoning());
        g.writeEndObject();
        g.writeEndObject();
    }
}
