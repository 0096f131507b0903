package dev.tollgate.wire.responses;

import dev.tollgate.call.TokenCounts;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.JsonNode;

/**
 * Token counts in a Responses {@code usage} object: {@code input_tokens} includes cache reads
 * ({@code input_tokens_details.cached_tokens}) and cache writes ({@code input_tokens_details.cache_write_tokens}),
 * which are split out (writes priced at the table's {@code cache-write}, else at {@code input}); {@code output_tokens}
 * includes {@code output_tokens_details.reasoning_tokens}. Anthropic's 5-minute and 1-hour writes are both
 * {@code cache_write_tokens} here. Stateless.
 */
public final class ResponsesUsage {

    private ResponsesUsage() {
    }

    /** The counts of a {@code usage} object; null when it has none (missing, null, or without token fields). */
    public static TokenCounts read(JsonNode usage) {
        if (usage == null || !usage.isObject() || !usage.has("input_tokens") && !usage.has("output_tokens")) {
            return null;
        }
        long input = Math.max(0, usage.path("input_tokens").asLong(0));
        long output = Math.max(0, usage.path("output_tokens").asLong(0));
        JsonNode details = usage.path("input_tokens_details");
        long cached = Math.max(0, Math.min(input, details.path("cached_tokens").asLong(0)));
        long written = Math.max(0, Math.min(input - cached, details.path("cache_write_tokens").asLong(0)));
        long reasoning = Math.max(0, Math.min(output,
                usage.path("output_tokens_details").path("reasoning_tokens").asLong(0)));
        return new TokenCounts(input - cached - written, cached, written, 0, output, reasoning);
    }

    /** Writes {@code counts} as a {@code usage} object value (the caller wrote the property name). */
    public static void write(JsonGenerator g, TokenCounts counts) {
        long input = counts.promptTokens();
        g.writeStartObject();
        g.writeNumberProperty("input_tokens", input);
        g.writeObjectPropertyStart("input_tokens_details");
        g.writeNumberProperty("cached_tokens", counts.cacheRead());
        g.writeNumberProperty("cache_write_tokens", counts.cacheWrite());
        g.writeEndObject();
        g.writeNumberProperty("output_tokens", counts.output());
        g.writeObjectPropertyStart("output_tokens_details");
        g.writeNumberProperty("reasoning_tokens", counts.reasoning());
        g.writeEndObject();
        g.writeNumberProperty("total_tokens", input + counts.output());
        g.writeEndObject();
    }
}
