package dev.tollgate.wire.responses;

import dev.tollgate.call.TokenCounts;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.JsonNode;

/**
 * Token counts in a Responses {@code usage} object: {@code input_tokens} includes cached reads
 * ({@code input_tokens_details.cached_tokens}), which are split out; {@code output_tokens} includes
 * {@code output_tokens_details.reasoning_tokens}. Written from counts of another format, cache writes are part of
 * {@code input_tokens} (the Responses API has no field for them; the gateway bills them from the backend's own
 * report, never from this object). Stateless.
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
        long cached = Math.max(0, Math.min(input, usage.path("input_tokens_details").path("cached_tokens").asLong(0)));
        long reasoning = Math.max(0, Math.min(output,
                usage.path("output_tokens_details").path("reasoning_tokens").asLong(0)));
        return new TokenCounts(input - cached, cached, 0, 0, output, reasoning);
    }

    /** Writes {@code counts} as a {@code usage} object value (the caller wrote the property name). */
    public static void write(JsonGenerator g, TokenCounts counts) {
        long input = counts.promptTokens();
        g.writeStartObject();
        g.writeNumberProperty("input_tokens", input);
        g.writeObjectPropertyStart("input_tokens_details");
        g.writeNumberProperty("cached_tokens", counts.cacheRead());
        g.writeEndObject();
        g.writeNumberProperty("output_tokens", counts.output());
        g.writeObjectPropertyStart("output_tokens_details");
        g.writeNumberProperty("reasoning_tokens", counts.reasoning());
        g.writeEndObject();
        g.writeNumberProperty("total_tokens", input + counts.output());
        g.writeEndObject();
    }
}
