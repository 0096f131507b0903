package dev.tollgate.providers;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * What one backend needs to be built: its own settings, taken from its {@code tollgate.providers.<id>} entry.
 * Immutable; {@link #toString} never shows the key.
 *
 * @param type             {@code openai}, {@code anthropic} or {@code simulated}
 * @param baseUrl          API root including the version path
 * @param apiKey           the provider's key (may be empty)
 * @param apiKeyHeader     header carrying the key ({@code Authorization} gets {@code Bearer <key>})
 * @param apiKeyRequired   whether an empty key disables the backend
 * @param headers          extra headers sent upstream
 * @param priceTable       the price table the backend is priced by
 * @param connectTimeout   TCP connect timeout
 * @param anthropicVersion {@code anthropic-version} sent to an Anthropic backend
 * @param forwardHeaders   client request headers passed on, by name
 * @param simulated        a simulated backend's pace and answer length
 * @param responses        whether an OpenAI backend also serves the Responses API ({@code POST <base>/responses})
 */
public record BackendSettings(String id, String type, String baseUrl, String apiKey, String apiKeyHeader,
        boolean apiKeyRequired, Map<String, String> headers, String priceTable, Duration connectTimeout,
        String anthropicVersion, List<String> forwardHeaders, Simulation simulated, boolean responses) {

    public BackendSettings {
        headers = Map.copyOf(headers);
        forwardHeaders = List.copyOf(forwardHeaders);
    }

    /**
     * @param latency       delay before the first byte
     * @param chunkInterval delay between stream chunks
     * @param outputTokens  length of every answer in tokens (capped by the request's output cap)
     */
    public record Simulation(Duration latency, Duration chunkInterval, int outputTokens) {
    }

    @Override
    public String toString() {
        return "BackendSettings[" + id + ", type=" + type + ", baseUrl=" + baseUrl + ", apiKey="
                + (apiKey.isEmpty() ? "(none)" : "(set)") + ", prices=" + priceTable + "]";
    }
}
