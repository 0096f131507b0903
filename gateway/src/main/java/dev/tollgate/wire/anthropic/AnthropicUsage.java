package dev.tollgate.wire.anthropic;

import dev.tollgate.call.TokenCounts;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.JsonNode;

/**
 * Token counts in Anthropic's {@code usage} object: {@code input_tokens} (excluding cache reads and writes),
 * {@code cache_read_input_tokens}, {@code cache_creation_input_tokens} split by lifetime in
 * {@code cache_creation: {ephemeral_5m_input_tokens, ephemeral_1h_input_tokens}} (a total without the split counts as
 * 5-minute writes), {@code output_tokens} (including thinking). Stateless.
 */
public final class AnthropicUsage {

    private AnthropicUsage() {
    }

    /** The counts of a {@code usage} object; null when it has none. */
    public static TokenCounts read(JsonNode usage) {
        if (usage == null || !usage.isObject() || !has(usage, "input_tokens") && !has(usage, "output_tokens")) {
            return null;
        }
        return merge(TokenCounts.ZERO, usage);
    }

    /**
     * {@code base} updated with the fields {@code usage} has: a stream's {@code message_delta} repeats some counts of
     * {@code message_start} (or corrects them) and gives the cumulative output, so a present field replaces the earlier
     * value and an absent (or null) one keeps it.
     */
    public static TokenCounts merge(TokenCounts base, JsonNode usage) {
        if (usage == null || !usage.isObject()) {
            return base;
        }
        long input = has(usage, "input_tokens") ? count(usage, "input_tokens") : base.input();
        long cacheRead = has(usage, "cache_read_input_tokens") ? count(usage, "cache_read_input_tokens")
                : base.cacheRead();
        long write5m = base.cacheWrite5m();
        long write1h = base.cacheWrite1h();
        JsonNode split = usage.get("cache_creation");
        boolean hasTotal = has(usage, "cache_creation_input_tokens");
        long total = hasTotal ? count(usage, "cache_creation_input_tokens") : -1;
        if (split != null && split.isObject()) {
            write5m = count(split, "ephemeral_5m_input_tokens");
            write1h = count(split, "ephemeral_1h_input_tokens");
            if (total > write5m + write1h) {
                write5m = total - write1h;
            }
        } else if (hasTotal && total != write5m + write1h) {
            write5m = total;
            write1h = 0;
        }
        long output = has(usage, "output_tokens") ? count(usage, "output_tokens") : base.output();
        return new TokenCounts(input, cacheRead, write5m, write1h, output, base.reasoning());
    }

    /** Writes {@code counts} as a {@code usage} object value (the caller wrote the property name). */
    public static void write(JsonGenerator g, TokenCounts counts) {
        g.writeStartObject();
        g.writeNumberProperty("input_tokens", counts.input());
        g.writeNumberProperty("cache_creation_input_tokens", counts.cacheWrite());
        g.writeNumberProperty("cache_read_input_tokens", counts.cacheRead());
        g.writeObjectPropertyStart("cache_creation");
        g.writeNumberProperty("ephemeral_5m_input_tokens", counts.cacheWrite5m());
        g.writeNumberProperty("ephemeral_1h_input_tokens", counts.cacheWrite1h());
        g.writeEndObject();
        g.writeNumberProperty("output_tokens", counts.output());
        g.writeEndObject();
    }

    private static boolean has(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v != null && v.isNumber();
    }

    private static long count(JsonNode node, String field) {
        return Math.max(0, node.path(field).asLong(0));
    }
}
