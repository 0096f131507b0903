package dev.tollgate.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.springframework.boot.context.properties.bind.ConstructorBinding;
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
 * @param ledger     the ledger writer
 * @param resilience failover and per-backend protection, see {@link Resilience}
 * @param budgets    budgets and rate limits, see {@link Budgets}
 * @param admin      the admin API, see {@link Admin}
 */
@ConfigurationProperties("tollgate")
public record TollgateProperties(Pricing pricing, Rules rules, Map<String, Provider> providers, Limits limits,
        Ledger ledger, Resilience resilience, Budgets budgets, Admin admin) {

    public TollgateProperties {
        pricing = pricing != null ? pricing : new Pricing(null, null, null);
        rules = rules != null ? rules : new Rules(null, null);
        providers = providers != null ? new TreeMap<>(providers) : new TreeMap<>();
        limits = limits != null ? limits : new Limits(null, null, null, null, null, null, null, null, null);
        ledger = ledger != null ? ledger : new Ledger(null, null, null, null, null, null);
        resilience = resilience != null ? resilience : new Resilience(null, null, null, null);
        budgets = budgets != null ? budgets : new Budgets(null, null, null, null, null, null, null, null, null);
        admin = admin != null ? admin : new Admin(null);
        Duration longest = longestCall(resilience, providers);
        if (budgets.reservationTtl().compareTo(longest) < 0) {
            // a reservation that expires while its call runs is charged its whole amount (never overspent), but the
            // call's actual cost would then wait for a late settle: refuse the setting instead
            throw new IllegalArgumentException("tollgate.budgets.reservation-ttl must be at least as long as a call can "
                    + "live (tollgate.resilience.deadline " + resilience.deadline() + " + the longest total-timeout "
                    + longest.minus(resilience.deadline()) + " = " + longest + "), but was "
                    + budgets.reservationTtl());
        }
    }

    /**
     * The longest a call can live: its first byte comes within the deadline (failovers included), and the attempt
     * that produced it ends within its total timeout, counted from when it was sent (before the deadline).
     */
    public static Duration longestCall(Resilience resilience, Map<String, Provider> providers) {
        Duration total = resilience.defaults().totalTimeout();
        for (Provider p : providers.values()) {
            Duration t = resilience.defaults().overriddenBy(p.resilience()).totalTimeout();
            if (t.compareTo(total) > 0) {
                total = t;
            }
        }
        return resilience.deadline().plus(total);
    }

    /**
     * Budgets and rate limits (amounts and limits themselves are in the routing rules and the admin API). See
     * docs/budgets.md.
     *
     * @param store                 {@code memory} (one replica; restored from the ledger at start) or {@code redis}
     *                              (shared by replicas); default memory
     * @param timeZone              calendar of daily, weekly and monthly periods; default UTC
     * @param defaultOutputCap      output tokens a call without {@code max_tokens} is counted for in tokens-per-minute
     *                              limits at admission (clamped to the model's maximum; settled to the actual count);
     *                              default {@value #DEFAULT_OUTPUT_CAP}. Budgets reserve the model's whole output limit
     * @param reservationTtl        a reservation whose call has not settled after this (its replica died) is charged
     *                              its whole amount; default 1h; at least as long as a call can live
     *                              ({@link TollgateProperties#longestCall})
     * @param storeFailurePolicy    when Redis cannot be reached: {@code fail-closed} (refuse calls, 503) or
     *                              {@code fail-open} (allow them against a local, per-replica share of each limit);
     *                              default fail-closed
     * @param fallbackShare         fail-open: the share of each budget and rate limit one replica may use on its own
     *                              while Redis is down; default 0.1
     * @param redis                 the Redis connection
     * @param overridesPollInterval how often a replica reads the admin API's changes made on other replicas; default 5s
     * @param minCappedOutputTokens a hard budget that cannot cover a call's whole output caps it to what it can cover,
     *                              but to no fewer tokens per choice than this (or what the call asked, if less):
     *                              below, the call is refused; default {@value #DEFAULT_MIN_CAPPED_OUTPUT_TOKENS}
     */
    public record Budgets(String store, java.time.ZoneId timeZone, Integer defaultOutputCap, Duration reservationTtl,
            String storeFailurePolicy, java.math.BigDecimal fallbackShare, Redis redis,
            Duration overridesPollInterval, Integer minCappedOutputTokens) {
        public static final int DEFAULT_OUTPUT_CAP = 4096;
        public static final int DEFAULT_MIN_CAPPED_OUTPUT_TOKENS = 256;

        public Budgets {
            store = store != null ? store : "memory";
            if (!store.equals("memory") && !store.equals("redis")) {
                throw new IllegalArgumentException("tollgate.budgets.store must be memory or redis, but was " + store);
            }
            timeZone = timeZone != null ? timeZone : java.time.ZoneOffset.UTC;
            defaultOutputCap = defaultOutputCap != null ? defaultOutputCap : DEFAULT_OUTPUT_CAP;
            reservationTtl = reservationTtl != null ? reservationTtl : Duration.ofHours(1);
            storeFailurePolicy = storeFailurePolicy != null ? storeFailurePolicy : "fail-closed";
            if (!storeFailurePolicy.equals("fail-closed") && !storeFailurePolicy.equals("fail-open")) {
                throw new IllegalArgumentException("tollgate.budgets.store-failure-policy must be fail-closed or "
                        + "fail-open, but was " + storeFailurePolicy);
            }
            fallbackShare = fallbackShare != null ? fallbackShare : new java.math.BigDecimal("0.1");
            redis = redis != null ? redis : new Redis(null, null);
            overridesPollInterval = overridesPollInterval != null ? overridesPollInterval : Duration.ofSeconds(5);
            minCappedOutputTokens = minCappedOutputTokens != null ? minCappedOutputTokens
                    : DEFAULT_MIN_CAPPED_OUTPUT_TOKENS;
            if (minCappedOutputTokens < 1) {
                throw new IllegalArgumentException("tollgate.budgets.min-capped-output-tokens must be >= 1, but was "
                        + minCappedOutputTokens);
            }
        }
    }

    /**
     * @param url     {@code redis://[:password@]host:port[/database]} (or {@code rediss://} for TLS); default
     *                redis://127.0.0.1:6379
     * @param timeout longest wait for one Redis step; past it the store-failure policy applies; default 500ms
     */
    public record Redis(String url, Duration timeout) {
        public Redis {
            url = url != null ? url : "redis://127.0.0.1:6379";
            timeout = timeout != null ? timeout : Duration.ofMillis(500);
        }

        @Override
        public String toString() {
            return "Redis[url=" + url.replaceAll("//[^@/]*@", "//(credentials)@") + ", timeout=" + timeout + "]";
        }
    }

    /**
     * @param keyHash the admin key's hash ({@code sha256:<hex>}, from {@code hash-key}); unset or empty = the admin
     *                API is off (every {@code /admin} call is a 404 saying so)
     */
    public record Admin(String keyHash) {
        public Admin {
            keyHash = keyHash == null || keyHash.isBlank() ? null : keyHash.trim();
            if (keyHash != null && !keyHash.matches("sha256:[0-9a-f]{64}")) {
                // the value is not shown: it may be the key itself, put there by mistake
                throw new IllegalArgumentException("tollgate.admin.key-hash must be sha256: followed by 64 lowercase "
                        + "hex digits (java -jar tollgate.jar hash-key <key> prints it), but the value set is not");
            }
        }
    }

    /**
     * Failover across the routing decision's candidates, and the defaults of every backend's protection (each
     * provider may override them under {@code tollgate.providers.<id>.resilience}). See docs/resilience.md.
     *
     * @param maxAttempts upstream calls per client call at most, the first included; default
     *                    {@value #DEFAULT_MAX_ATTEMPTS}; 1 turns failover off
     * @param deadline    longest time from a call's arrival until its first byte goes to the client, every attempt
     *                    included; default 300s. Past it the client gets 504 ({@code deadline_exceeded})
     * @param maxCoolDown longest cool-down an upstream {@code retry-after} can impose on a backend; default 300s
     * @param defaults    per-backend settings, see {@link BackendResilience}
     */
    public record Resilience(Integer maxAttempts, Duration deadline, Duration maxCoolDown, BackendResilience defaults) {
        public static final int DEFAULT_MAX_ATTEMPTS = 3;
        public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(300);
        public static final Duration DEFAULT_MAX_COOL_DOWN = Duration.ofSeconds(300);

        public Resilience {
            maxAttempts = maxAttempts != null ? maxAttempts : DEFAULT_MAX_ATTEMPTS;
            if (maxAttempts < 1) {
                throw new IllegalArgumentException("tollgate.resilience.max-attempts must be >= 1, but was "
                        + maxAttempts);
            }
            deadline = deadline != null ? deadline : DEFAULT_DEADLINE;
            maxCoolDown = maxCoolDown != null ? maxCoolDown : DEFAULT_MAX_COOL_DOWN;
            defaults = BackendResilience.DEFAULTS.overriddenBy(defaults);
        }
    }

    /**
     * One backend's protection. Every field may be left out: a provider's value overrides
     * {@code tollgate.resilience.defaults}, which overrides the named constants.
     *
     * @param firstByteTimeout           longest wait from sending an attempt until its first byte could go to the
     *                                   client: a stream's first event, or a whole non-streamed answer; default
     *                                   120s. Past it the next candidate is tried
     * @param streamIdleTimeout          longest silence between two chunks of a stream that has started; default
     *                                   60s. Past it the stream ends with an error event
     * @param totalTimeout               longest an attempt may take from sending to its last byte; default 15m
     * @param maxConcurrentCalls         calls in flight to the provider at most (its bulkhead); default 1000. A full
     *                                   bulkhead sends the call to the next candidate, it never waits
     * @param failureRateThreshold       failure percentage that opens a backend's circuit breaker; default 50
     * @param slowCallRateThreshold      slow-call percentage that opens it; default 100 (only if every call is slow)
     * @param slowCallDuration           an attempt slower than this (to its first byte) is slow; default 60s
     * @param slidingWindowSize          attempts the breaker's rates are computed over; default 20
     * @param minimumNumberOfCalls       attempts before the rates count; default 10
     * @param waitDurationInOpenState    how long an open breaker keeps the backend out before half-open probes;
     *                                   default 30s
     * @param permittedCallsInHalfOpenState probes let through in half-open state; default 3
     * @param providerBreaker            the provider's own breaker (all its models together), see
     *                                   {@link ProviderBreaker}
     */
    public record BackendResilience(Duration firstByteTimeout, Duration streamIdleTimeout, Duration totalTimeout,
            Integer maxConcurrentCalls, Integer failureRateThreshold, Integer slowCallRateThreshold,
            Duration slowCallDuration, Integer slidingWindowSize, Integer minimumNumberOfCalls,
            Duration waitDurationInOpenState, Integer permittedCallsInHalfOpenState, ProviderBreaker providerBreaker) {

        /** The named defaults. */
        public static final BackendResilience DEFAULTS = new BackendResilience(Duration.ofSeconds(120),
                Duration.ofSeconds(60), Duration.ofMinutes(15), 1000, 50, 100, Duration.ofSeconds(60), 20, 10,
                Duration.ofSeconds(30), 3, ProviderBreaker.DEFAULTS);

        /** These settings with every non-null field of {@code o} taking precedence. */
        public BackendResilience overriddenBy(BackendResilience o) {
            if (o == null) {
                return this;
            }
            return new BackendResilience(or(o.firstByteTimeout, firstByteTimeout),
                    or(o.streamIdleTimeout, streamIdleTimeout), or(o.totalTimeout, totalTimeout),
                    or(o.maxConcurrentCalls, maxConcurrentCalls), or(o.failureRateThreshold, failureRateThreshold),
                    or(o.slowCallRateThreshold, slowCallRateThreshold), or(o.slowCallDuration, slowCallDuration),
                    or(o.slidingWindowSize, slidingWindowSize), or(o.minimumNumberOfCalls, minimumNumberOfCalls),
                    or(o.waitDurationInOpenState, waitDurationInOpenState),
                    or(o.permittedCallsInHalfOpenState, permittedCallsInHalfOpenState),
                    providerBreaker != null ? providerBreaker.overriddenBy(o.providerBreaker) : o.providerBreaker);
        }

        private static <T> T or(T value, T fallback) {
            return value != null ? value : fallback;
        }
    }

    /**
     * A provider's own circuit breaker, over every attempt at any of its models. It counts only transport failures:
     * a connection refused, reset or closed before an answer, and no first byte within the timeout; any HTTP answer
     * (errors included) is a success for it, because the provider was reached. Open, it takes every model of the
     * provider out of routing until its wait ends; then half-open probes decide. Every field may be left out, like
     * those of {@link BackendResilience}.
     *
     * @param failureRateThreshold          percentage of transport failures that opens it; default 50
     * @param slidingWindowSize             attempts the rate is computed over; default 20
     * @param minimumNumberOfCalls          attempts before the rate counts; default 10
     * @param waitDurationInOpenState       how long it keeps the provider out before half-open probes; default 30s
     * @param permittedCallsInHalfOpenState probes let through in half-open state; default 3
     */
    public record ProviderBreaker(Integer failureRateThreshold, Integer slidingWindowSize, Integer minimumNumberOfCalls,
            Duration waitDurationInOpenState, Integer permittedCallsInHalfOpenState) {

        /** The named defaults. */
        public static final ProviderBreaker DEFAULTS = new ProviderBreaker(50, 20, 10, Duration.ofSeconds(30), 3);

        /** These settings with every non-null field of {@code o} taking precedence. */
        public ProviderBreaker overriddenBy(ProviderBreaker o) {
            if (o == null) {
                return this;
            }
            return new ProviderBreaker(or(o.failureRateThreshold, failureRateThreshold),
                    or(o.slidingWindowSize, slidingWindowSize), or(o.minimumNumberOfCalls, minimumNumberOfCalls),
                    or(o.waitDurationInOpenState, waitDurationInOpenState),
                    or(o.permittedCallsInHalfOpenState, permittedCallsInHalfOpenState));
        }

        private static <T> T or(T value, T fallback) {
            return value != null ? value : fallback;
        }
    }

    /**
     * @param location        folder of the price files (relative to the working directory); unset by default. When
     *                        set, that folder must exist
     * @param reloadInterval  how often the folders are checked for changed files; default 2s; 0 turns reload off
     * @param defaultLocation the folder used while {@code location} is unset, if it exists; else the copy of it
     *                        built into the jar; default {@value #DEFAULT_LOCATION}
     */
    public record Pricing(Path location, Duration reloadInterval, String defaultLocation) {
        public static final String DEFAULT_LOCATION = "pricing";
        public static final Duration DEFAULT_RELOAD_INTERVAL = Duration.ofSeconds(2);

        public Pricing {
            reloadInterval = reloadInterval != null ? reloadInterval : DEFAULT_RELOAD_INTERVAL;
            defaultLocation = defaultLocation != null && !defaultLocation.isBlank() ? defaultLocation
                    : DEFAULT_LOCATION;
        }
    }

    /**
     * @param location        folder of the routing rules (teams and keys); unset by default. When set, that folder
     *                        must exist
     * @param defaultLocation the folder used while {@code location} is unset, if it exists; else the copy of it
     *                        built into the jar; default {@value #DEFAULT_LOCATION} ({@code routing-rules/demo} in the
     *                        demo profile)
     */
    public record Rules(Path location, String defaultLocation) {
        public static final String DEFAULT_LOCATION = "routing-rules";

        public Rules {
            defaultLocation = defaultLocation != null && !defaultLocation.isBlank() ? defaultLocation
                    : DEFAULT_LOCATION;
        }
    }

    /**
     * Request limits and the bounds of every per-call buffer and queue that depends on traffic (docs/configuration.md
     * names them all).
     *
     * @param maxBodySize            largest request body accepted; default 4MB; larger gets 413
     * @param maxUpstreamBody        largest non-streamed upstream response or error body read; default 16MB
     * @param maxDrainedBody         an error answered before the request body was read reads and drops at most this
     *                               much of it, so that the connection can carry the next request; a larger body is
     *                               not read and the connection is closed after the answer; default 64KB
     * @param largeBodyThreshold     a request body larger than this is parsed and its prompt tokens counted off the
     *                               event loop, on the large-body workers; default 16KB (such a body costs some
     *                               1.5 ms to count, a thread hop tens of microseconds: docs/PERFORMANCE.md)
     * @param largeBodyWorkers       threads that parse large bodies; default the number of processors
     * @param largeBodyQueue         large bodies waiting for a worker at most; past it a call gets 503; default 64
     * @param upstreamConnections    connections to one upstream host at most; default 2000
     * @param upstreamPendingAcquires calls waiting for a free upstream connection at most (per host); past it an
     *                               attempt fails at once (outcome {@code pool_exhausted}) and failover goes on;
     *                               default 1000
     * @param upstreamAcquireTimeout longest wait for a free upstream connection; default 5s
     */
    public record Limits(DataSize maxBodySize, DataSize maxUpstreamBody, DataSize maxDrainedBody,
            DataSize largeBodyThreshold, Integer largeBodyWorkers, Integer largeBodyQueue,
            Integer upstreamConnections, Integer upstreamPendingAcquires, Duration upstreamAcquireTimeout) {
        public static final DataSize DEFAULT_MAX_BODY_SIZE = DataSize.ofMegabytes(4);
        public static final DataSize DEFAULT_MAX_UPSTREAM_BODY = DataSize.ofMegabytes(16);
        public static final DataSize DEFAULT_MAX_DRAINED_BODY = DataSize.ofKilobytes(64);
        public static final DataSize DEFAULT_LARGE_BODY_THRESHOLD = DataSize.ofKilobytes(16);
        public static final int DEFAULT_LARGE_BODY_QUEUE = 64;
        public static final int DEFAULT_UPSTREAM_CONNECTIONS = 2_000;
        public static final int DEFAULT_UPSTREAM_PENDING_ACQUIRES = 1_000;
        public static final Duration DEFAULT_UPSTREAM_ACQUIRE_TIMEOUT = Duration.ofSeconds(5);

        public Limits {
            maxBodySize = maxBodySize != null ? maxBodySize : DEFAULT_MAX_BODY_SIZE;
            maxUpstreamBody = maxUpstreamBody != null ? maxUpstreamBody : DEFAULT_MAX_UPSTREAM_BODY;
            maxDrainedBody = maxDrainedBody != null ? maxDrainedBody : DEFAULT_MAX_DRAINED_BODY;
            largeBodyThreshold = largeBodyThreshold != null ? largeBodyThreshold : DEFAULT_LARGE_BODY_THRESHOLD;
            largeBodyWorkers = largeBodyWorkers != null ? largeBodyWorkers : Runtime.getRuntime().availableProcessors();
            largeBodyQueue = largeBodyQueue != null ? largeBodyQueue : DEFAULT_LARGE_BODY_QUEUE;
            upstreamConnections = upstreamConnections != null ? upstreamConnections : DEFAULT_UPSTREAM_CONNECTIONS;
            upstreamPendingAcquires = upstreamPendingAcquires != null ? upstreamPendingAcquires
                    : DEFAULT_UPSTREAM_PENDING_ACQUIRES;
            upstreamAcquireTimeout = upstreamAcquireTimeout != null ? upstreamAcquireTimeout
                    : DEFAULT_UPSTREAM_ACQUIRE_TIMEOUT;
            positive("large-body-workers", largeBodyWorkers);
            positive("large-body-queue", largeBodyQueue);
            positive("upstream-connections", upstreamConnections);
            positive("upstream-pending-acquires", upstreamPendingAcquires);
            if (maxDrainedBody.isNegative()) {
                throw new IllegalArgumentException("tollgate.limits.max-drained-body must be >= 0, but was "
                        + maxDrainedBody);
            }
            if (upstreamAcquireTimeout.isNegative() || upstreamAcquireTimeout.isZero()) {
                throw new IllegalArgumentException("tollgate.limits.upstream-acquire-timeout must be positive, but was "
                        + upstreamAcquireTimeout);
            }
        }

        private static void positive(String name, int value) {
            if (value < 1) {
                throw new IllegalArgumentException("tollgate.limits." + name + " must be >= 1, but was " + value);
            }
        }
    }

    /**
     * @param queueCapacity      rows held in memory for the database writer; default 100000
     * @param batchSize          rows per JDBC batch; default 500
     * @param flushInterval      longest time a row waits for its batch; default 200ms
     * @param spillFile          append-only file for rows the queue cannot take, replayed at start;
     *                           default {@code data/ledger-spill.jsonl}
     * @param drainTimeout       longest wait at shutdown for the queue to drain before the rest is spilled; default 30s
     * @param spillQueueCapacity rows the queue could not take held in memory for the spill file's thread; past it a
     *                           row is lost (counted and logged); default {@value #DEFAULT_SPILL_QUEUE_CAPACITY}
     */
    public record Ledger(Integer queueCapacity, Integer batchSize, Duration flushInterval, Path spillFile,
            Duration drainTimeout, Integer spillQueueCapacity) {
        public static final int DEFAULT_SPILL_QUEUE_CAPACITY = dev.tollgate.metering.LedgerWriter.DEFAULT_SPILL_QUEUE_CAPACITY;

        public Ledger {
            queueCapacity = queueCapacity != null ? queueCapacity : 100_000;
            batchSize = batchSize != null ? batchSize : 500;
            flushInterval = flushInterval != null ? flushInterval : Duration.ofMillis(200);
            spillFile = spillFile != null ? spillFile : Path.of("data", "ledger-spill.jsonl");
            drainTimeout = drainTimeout != null ? drainTimeout : Duration.ofSeconds(30);
            spillQueueCapacity = spillQueueCapacity != null ? spillQueueCapacity : DEFAULT_SPILL_QUEUE_CAPACITY;
        }
    }

    /**
     * One backend.
     *
     * @param type            {@code openai} (any OpenAI-compatible API), {@code anthropic} (Anthropic's native
     *                        Messages API), {@code gemini} (Google's native Gemini API) or {@code simulated}
     *                        (in-process)
     * @param baseUrl         API root including the version path, e.g. {@code https://api.openai.com/v1}
     * @param apiKey          the provider's key; never logged, never returned
     * @param apiKeyHeader    header carrying the key; default {@code Authorization} (as {@code Bearer <key>}), and
     *                        {@code x-api-key} for {@code anthropic}, {@code x-goog-api-key} for {@code gemini}; any
     *                        other name gets the bare key (Azure:
     *                        {@code api-key})
     * @param apiKeyRequired  skip the provider at start when its key is empty; default true for {@code openai}
     * @param headers         extra headers sent upstream
     * @param prices          price-table id; default the provider id
     * @param enabled         default true
     * @param connectTimeout  default 5s
     * @param resilience      overrides of {@code tollgate.resilience.defaults} for this provider's backends
     * @param simulated       settings of a simulated provider
     * @param anthropicVersion {@code anthropic-version} sent to an {@code anthropic} provider; default
     *                        {@value #DEFAULT_ANTHROPIC_VERSION} (the client's own is not passed on: the gateway reads
     *                        the answers, so it speaks the version it knows)
     * @param forwardHeaders  client request headers passed on to this provider, by name (e.g. {@code anthropic-beta});
     *                        default none. Only headers named here ever leave the gateway
     * @param responses       an {@code openai} provider that also serves OpenAI's Responses API
     *                        ({@code POST <base-url>/responses}): Responses calls pass through to it untouched; default
     *                        false (they are translated to Chat Completions). Only OpenAI's own API serves it
     */
    public record Provider(String type, String baseUrl, String apiKey, String apiKeyHeader, Boolean apiKeyRequired,
            Map<String, String> headers, String prices, Boolean enabled, Duration connectTimeout,
            BackendResilience resilience, Simulated simulated, String anthropicVersion, List<String> forwardHeaders,
            Boolean responses) {

        /** A provider without the Responses API. */
        public Provider(String type, String baseUrl, String apiKey, String apiKeyHeader, Boolean apiKeyRequired,
                Map<String, String> headers, String prices, Boolean enabled, Duration connectTimeout,
                BackendResilience resilience, Simulated simulated, String anthropicVersion,
                List<String> forwardHeaders) {
            this(type, baseUrl, apiKey, apiKeyHeader, apiKeyRequired, headers, prices, enabled, connectTimeout,
                    resilience, simulated, anthropicVersion, forwardHeaders, null);
        }

        public static final String DEFAULT_ANTHROPIC_VERSION = "2023-06-01";

        /** Headers {@code forward-headers} may not name: the client's credentials, and what the connection owns. */
        static final java.util.Set<String> NEVER_FORWARDED = java.util.Set.of("authorization", "x-api-key", "api-key",
                "cookie", "proxy-authorization", "host", "content-length", "content-type", "transfer-encoding",
                "connection", "keep-alive", "upgrade", "te", "trailer", "accept-encoding", "anthropic-version",
                "x-goog-api-key");

        @ConstructorBinding
        public Provider {
            type = type != null ? type : "openai";
            responses = responses != null ? responses : Boolean.FALSE;
            apiKey = apiKey != null ? apiKey : "";
            apiKeyHeader = apiKeyHeader != null && !apiKeyHeader.isBlank() ? apiKeyHeader
                    : switch (type) {
                        case "anthropic" -> "x-api-key";
                        case "gemini" -> "x-goog-api-key";
                        default -> "Authorization";
                    };
            apiKeyRequired = apiKeyRequired != null ? apiKeyRequired
                    : "openai".equals(type) || "anthropic".equals(type) || "gemini".equals(type);
            anthropicVersion = anthropicVersion != null && !anthropicVersion.isBlank() ? anthropicVersion
                    : DEFAULT_ANTHROPIC_VERSION;
            forwardHeaders = forwardHeaders != null ? List.copyOf(forwardHeaders) : List.of();
            for (String name : forwardHeaders) {
                if (NEVER_FORWARDED.contains(name.toLowerCase(java.util.Locale.ROOT).strip())) {
                    throw new IllegalArgumentException("forward-headers may not name '" + name + "': the client's "
                            + "credentials and the connection's own headers never leave the gateway");
                }
            }
            headers = headers != null ? Map.copyOf(headers) : Map.of();
            enabled = enabled != null ? enabled : Boolean.TRUE;
            connectTimeout = connectTimeout != null ? connectTimeout : Duration.ofSeconds(5);
            simulated = simulated != null ? simulated : new Simulated(null, null, null);
        }

        /** This provider's settings, as its backend takes them. */
        public dev.tollgate.providers.BackendSettings settings(String id) {
            return new dev.tollgate.providers.BackendSettings(id, type, baseUrl, apiKey, apiKeyHeader, apiKeyRequired,
                    headers, prices != null ? prices : id, connectTimeout, anthropicVersion, forwardHeaders,
                    new dev.tollgate.providers.BackendSettings.Simulation(simulated.latency(),
                            simulated.chunkInterval(), simulated.outputTokens()), responses);
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
