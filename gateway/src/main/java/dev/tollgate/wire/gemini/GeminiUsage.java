package dev.tollgate.wire.gemini;

import dev.tollgate.call.TokenCounts;
import tools.jackson.databind.JsonNode;

/**
 * Gemini's {@code usageMetadata}, read into the canonical token kinds exactly as Google counts them:
 * <ul>
 * <li>{@code promptTokenCount} is the whole prompt, <em>including</em> {@code cachedContentTokenCount}: uncached input
 * is their difference, and the cached part is a cache read (billed at the cache-read price);</li>
 * <li>{@code toolUsePromptTokenCount} (results of tools Gemini runs itself) is prompt the model read, billed as
 * input; {@code promptTokenCount} does not include it;</li>
 * <li>{@code candidatesTokenCount} is the answer <em>without</em> {@code thoughtsTokenCount}: output is their sum,
 * and the thoughts are its reasoning part (billed at the output price);</li>
 * <li>{@code totalTokenCount} is the sum of all of them and is not needed.</li>
 * </ul>
 * In a stream every chunk repeats the counts so far (cumulative): the latest replaces the earlier ones, nothing is
 * ever added up. Gemini has no cache writes (its context caches are created by a separate call). Stateless.
 */
public final class GeminiUsage {

    private GeminiUsage() {
    }

    /** The counts of a {@code usageMetadata} object; null when {@code usage} is missing or not an object. */
    public static TokenCounts read(JsonNode usage) {
        if (usage == null || !usage.isObject()) {
            return null;
        }
        long prompt = count(usage, "promptTokenCount");
        long cached = Math.min(count(usage, "cachedContentTokenCount"), prompt);
        long toolPrompt = count(usage, "toolUsePromptTokenCount");
        long candidates = count(usage, "candidatesTokenCount");
        long thoughts = count(usage, "thoughtsTokenCount");
        return new TokenCounts(prompt - cached + toolPrompt, cached, 0, 0, candidates + thoughts, thoughts);
    }

    private static long count(JsonNode usage, String field) {
        JsonNode n = usage.get(field);
        return n != null && n.canConvertToLong() && n.asLong() > 0 ? n.asLong() : 0;
    }
}
