package dev.tollgate.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * Every {@code tollgate.*} setting, bound once at start. Defaults are the named constants below and are what
 * the embedded profile runs with. Immutable.
 *
 * @param pricing   where the price tables are and how often to look for changes
 * @param rules     where the routing rules (teams, keys) are
 * @param providers backends by provider id, see {@link Provider}
 * @param limits    request limits
 * @param ledger    the ledger writer
 */
@ConfigurationProperties("tollgate")
public record TollgateProperties(Pricing pricing, Rules rules, Map<String, Provider> providers, Limits limits,
        Ledger ledger) {

    public TollgateProperties {
        pricing = pricing != null ? pricing : new Pricing(null, null);
        rules = rules != null ? rules : new Rules(null);
        providers = providers != null ? new TreeMap<>(providers) : new TreeMap<>();
        limits = limits != null ? limits : new Limits(null, null);
        ledger = ledger != null ? ledger : new Ledger(null, null, null, null, null);
    }

    /**
     * @param location       folder of the price files; default {@value #DEFAULT_LOCATION} (relative to the working
     *                       directory)
     * @param reloadInterval how often the folders are checked for changed files; default 2s; 0 turns reload off
     */
    public record Pricing(Path location, Duration reloadInterval) {
        public static final String DEFAULT_LOCATION = "pricing";
        public static final Duration DEFAULT_RELOAD_INTERVAL = Duration.ofSeconds(2);

        public Pricing {
            location = location != null ? location : Path.of(DEFAULT_LOCATION);
            reloadInterval = reloadInterval != null ? reloadInterval : DEFAULT_RELOAD_INTERVAL;
        }
    }

    /** @param location folder of the routing rules (teams and keys); default {@value #DEFAULT_LOCATION} */
    public record Rules(Path location) {
        public static final String DEFAULT_LOCATION = "routing-rules";

        public Rules {
            location = location != null ? location : Path.of(DEFAULT_LOCATION);
        }
    }

    /**
     * @param maxBodySize      largest request body accepted; default 4MB; larger gets 413
     * @param maxUpstreamBody  largest non-streamed upstream response or error body read; default 16MB
     */
    public record Limits(DataSize maxBodySize, DataSize maxUpstreamBody) {
        public static final DataSize DEFAULT_MAX_BODY_SIZE = DataSize.ofMegabytes(4);
        public static final DataSize DEFAULT_MAX_UPSTREAM_BODY = DataSize.ofMegabytes(16);

        public Limits {
            maxBodySize = maxBodySize != null ? maxBodySize : DEFAULT_MAX_BODY_SIZE;
            maxUpstreamBody = maxUpstreamBody != null ? maxUpstreamBody : DEFAULT_MAX_UPSTREAM_BODY;
        }
    }

    /**
     * @param queueCapacity  rows held in memory before the spill file takes the overflow; default 100000
     * @param batchSize      rows per JDBC batch; default 500
     * @param flushInterval  longest time a row waits for its batch; default 200ms
     * @param spillFile      append-only file for rows the queue cannot take, replayed at start;
     *                       default {@code data/ledger-spill.jsonl}
     * @param drainTimeout   longest wait at shutdown for the queue to drain before the rest is spilled; default 30s
     */
    public record Ledger(Integer queueCapacity, Integer batchSize, Duration flushInterval, Path spillFile,
            Duration drainTimeout) {
        public Ledger {
            queueCapacity = queueCapacity != null ? queueCapacity : 100_000;
            batchSize = batchSize != null ? batchSize : 500;
            flushInterval = flushInterval != null ? flushInterval : Duration.ofMillis(200);
            spillFile = spillFile != null ? spillFile : Path.of("data", "ledger-spill.jsonl");
            drainTimeout = drainTimeout != null ? drainTimeout : Duration.ofSeconds(30);
        }
    }

    /**
     * One backend.
     *
     * @param type            {@code openai} (any OpenAI-compatible API) or {@code simulated} (in-process)
     * @param baseUrl         API root including the version path, e.g. {@code https://api.openai.com/v1}
     * @param apiKey          the provider's key; never logged, never returned
     * @param apiKeyHeader    header carrying the key; default {@code Authorization} (as {@code Bearer <key>});
     *                        any other name gets the bare key (Azure: {@code api-key})
     * @param apiKeyRequired  skip the provider at start when its key is empty; default true for {@code openai}
     * @param headers         extra headers sent upstream
     * @param prices          price-table id; default the provider id
     * @param enabled         default true
     * @param connectTimeout  default 5s
     * @param responseTimeout longest upstream silence: to the first response byte, and between stream chunks;
     *                        default 60s
     * @param simulated       settings of a simulated provider
     */
    public record Provider(String type, String baseUrl, String apiKey, String apiKeyHeader, Boolean apiKeyRequired,
            Map<String, String> headers, String prices, Boolean enabled, Duration connectTimeout,
            Duration responseTimeout, Simulated simulated) {
        public Provider {
            type = type != null ? type : "openai";
            apiKey = apiKey != null ? apiKey : "";
            apiKeyHeader = apiKeyHeader != null && !apiKeyHeader.isBlank() ? apiKeyHeader : "Authorization";
            apiKeyRequired = apiKeyRequired != null ? apiKeyRequired : "openai".equals(type);
            headers = headers != null ? Map.copyOf(headers) : Map.of();
            enabled = enabled != null ? enabled : Boolean.TRUE;
            connectTimeout = connectTimeout != null ? connectTimeout : Duration.ofSeconds(5);
            responseTimeout = responseTimeout != null ? responseTimeout : Duration.ofSeconds(60);
            simulated = simulated != null ? simulated : new Simulated(null, null, null);
        }

        @Override
        public String toString() {
            return "Provider[type=" + type + ", baseUrl=" + baseUrl + ", apiKey=" + (apiKey.isEmpty() ? "(none)" : "(set)")
                    + ", prices=" + prices + ", enabled=" + enabled + "]";
        }
    }

    /**
     * @param latency       delay before the first byte; default 20ms
     * @param chunkInterval delay between stream chunks; default 15ms
     * @param outputTokens  length of every answer in tokens (capped by max_tokens); default 64
     */
    public record Simulated(Duration latency, Duration chunkInterval, Integer outputTokens) {
        public Simulated {
            latency = latency != null ? latency : Duration.ofMillis(20);
            chunkInterval = chunkInterval != null ? chunkInterval : Duration.ofMillis(15);
            outputTokens = outputTokens != null ? outputTokens : 64;
        }
    }
}
