package dev.tollgate.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.zip.CRC32;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tollgate.metering.GatewayMetrics;
import dev.tollgate.call.WireFormat;
import dev.tollgate.pricing.PriceTable;
import dev.tollgate.pricing.PriceTableLoader;
import dev.tollgate.pricing.QualityTable;
import dev.tollgate.pricing.QualityTableLoader;
import dev.tollgate.pricing.TableSource;
import dev.tollgate.pricing.TableValidationException;
import dev.tollgate.routing.Catalog;
import dev.tollgate.routing.RoutingRules;
import dev.tollgate.routing.RulesLoader;
import dev.tollgate.routing.Tables;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Holds the tables snapshot in force and swaps it atomically when a file changes. The tables come from folders,
 * or from the copies built into the jar ({@link TableSource}); folders are polled (names and content checksums) on
 * one background thread, which also works for Kubernetes ConfigMap volumes (their files change by a symlink swap
 * that file-watch APIs miss); built-in tables never change. An invalid change keeps the last good snapshot,
 * logs every problem with file and line, and counts {@code tollgate_table_reloads_rejected_total}. At start an
 * invalid table stops the gateway. Thread-safe.
 */
public final class TablesService implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TablesService.class);

    private final TableSource pricing;
    private final TableSource rules;
    private final Map<String, String> backends;
    private final Map<String, WireFormat> formats;
    private final Set<String> responses;
    private final Clock clock;
    private final AtomicReference<Tables> current = new AtomicReference<>();
    private final MeterRegistry registry;
    private ScheduledExecutorService poller;
    private volatile String pricingFingerprint;
    private volatile String rulesFingerprint;
    private volatile Consumer<RoutingRules> beforeRulesInstall = rules -> { };

    public TablesService(Path pricing, Path rules, Map<String, String> backends, Clock clock, MeterRegistry registry) {
        this(TableSource.folder(pricing), TableSource.folder(rules), backends, clock, registry);
    }

    public TablesService(TableSource pricing, TableSource rules, Map<String, String> backends, Clock clock,
            MeterRegistry registry) {
        this(pricing, rules, backends, Map.of(), clock, registry);
    }

    /** @param formats backend id -> the wire format it speaks (OpenAI's when absent) */
    public TablesService(TableSource pricing, TableSource rules, Map<String, String> backends,
            Map<String, WireFormat> formats, Clock clock,
            MeterRegistry registry) {
        this(pricing, rules, backends, formats, Set.of(), clock, registry);
    }

    /**
     * @param formats   backend id -> the wire format it speaks (OpenAI's when absent)
     * @param responses ids of the backends that also serve OpenAI's Responses API natively
     */
    public TablesService(TableSource pricing, TableSource rules, Map<String, String> backends,
            Map<String, WireFormat> formats, Set<String> responses, Clock clock, MeterRegistry registry) {
        this.responses = Set.copyOf(responses);
        this.pricing = pricing;
        this.rules = rules;
        this.backends = Map.copyOf(backends);
        this.formats = Map.copyOf(formats);
        this.clock = clock;
        this.registry = registry;
        pricingFingerprint = fingerprint(pricing);
        rulesFingerprint = fingerprint(rules);
        PriceTable prices = PriceTableLoader.load(pricing);
        QualityTable quality = QualityTableLoader.load(pricing);
        RoutingRules routingRules = RulesLoader.load(rules);
        current.set(new Tables(prices, quality, routingRules, Catalog.build(prices, backends, formats, responses), 1, clock.instant()));
        counter("pricing", "accepted");
        counter("rules", "accepted");
        log.info("tables: {} price files and quality scores for {} models from {}; {} teams, {} keys and {} aliases "
                + "from {}", prices.providers().size(), quality.models(), pricing.describe(),
                routingRules.teams().size(), routingRules.keysByHash().size(), routingRules.aliases().size(),
                rules.describe());
    }

    /** The snapshot in force. */
    public Tables current() {
        return current.get();
    }

    /**
     * Lets {@code hook} see every new rule set on the reload thread before it comes into force (the budget counters'
     * ledger restore). A hook that fails is logged; the rules come into force all the same (a revoked key must stop
     * working whatever else fails).
     */
    public void beforeRulesInstall(Consumer<RoutingRules> hook) {
        beforeRulesInstall = hook;
    }

    public void startPolling(java.time.Duration interval) {
        if (interval.isZero() || interval.isNegative()
                || !(pricing instanceof TableSource.Folder) && !(rules instanceof TableSource.Folder)) {
            return;
        }
        poller = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tollgate-tables-reload");
            t.setDaemon(true);
            return t;
        });
        poller.scheduleWithFixedDelay(this::pollOnce, interval.toMillis(), interval.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /**
     * One poll. Nothing may escape: a scheduled task that throws is never run again, which would silently stop
     * every later reload. An unexpected failure is logged and the folders are looked at afresh next time.
     */
    private void pollOnce() {
        try {
            reloadIfChanged();
        } catch (RuntimeException | Error e) {
            synchronized (this) {
                pricingFingerprint = "";
                rulesFingerprint = "";
            }
            log.error("tables: checking {} and {} for changes failed; trying again at the next poll", pricing, rules, e);
        }
    }

    /** Checks both folders and reloads what changed. Returns true when a new snapshot was installed. */
    public synchronized boolean reloadIfChanged() {
        String p = fingerprint(pricing);
        String r = fingerprint(rules);
        boolean pricingChanged = !p.equals(pricingFingerprint);
        boolean rulesChanged = !r.equals(rulesFingerprint);
        if (!pricingChanged && !rulesChanged) {
            return false;
        }
        Tables old = current.get();
        PriceTable prices = old.prices();
        QualityTable quality = old.quality();
        RoutingRules routingRules = old.rules();
        boolean accepted = false;
        if (pricingChanged) {
            pricingFingerprint = p;
            try {
                PriceTable newPrices = PriceTableLoader.load(pricing);
                quality = QualityTableLoader.load(pricing);
                prices = newPrices;
                counter("pricing", "accepted");
                accepted = true;
            } catch (TableValidationException e) {
                reject("pricing", pricing, e);
            }
        }
        if (rulesChanged) {
            rulesFingerprint = r;
            try {
                routingRules = RulesLoader.load(rules);
                counter("rules", "accepted");
                accepted = true;
            } catch (TableValidationException e) {
                reject("rules", rules, e);
            }
        }
        if (!accepted) {
            return false;
        }
        if (routingRules != old.rules()) {
            try {
                beforeRulesInstall.accept(routingRules);
            } catch (RuntimeException e) {
                log.error("tables: preparing the budget counters for the new rules failed; the rules come into force "
                        + "all the same", e);
            }
        }
        Tables next = new Tables(prices, quality, routingRules, Catalog.build(prices, backends, formats, responses), old.generation() + 1,
                clock.instant());
        current.set(next);
        log.info("tables: reloaded (generation {})", next.generation());
        return true;
    }

    private void reject(String table, TableSource folder, TableValidationException e) {
        registry.counter(GatewayMetrics.TABLE_RELOADS_REJECTED, "table", table).increment();
        counter(table, "rejected");
        log.error("tables: the change in {} was rejected; the last good {} tables stay in force:\n  {}", folder, table,
                String.join("\n  ", e.problems()));
    }

    private void counter(String table, String outcome) {
        Counter.builder(GatewayMetrics.TABLE_RELOADS).tags("table", table, "outcome", outcome).register(registry)
                .increment();
        // make the rejected series exist from the start, so alerts on it have data
        registry.counter(GatewayMetrics.TABLE_RELOADS_REJECTED, "table", table);
    }

    /**
     * Names and content checksums of a folder's files. Content rather than size and modification time: an edit
     * that keeps the size within the file system's time resolution, or a ConfigMap swap that keeps both, is still
     * seen. The files are small; reading them every poll costs little.
     */
    private static String fingerprint(TableSource source) {
        if (!(source instanceof TableSource.Folder watched)) {
            return "built-in"; // the jar's copies never change
        }
        Path folder = watched.path();
        List<String> parts = new ArrayList<>();
        try (var files = Files.list(folder)) {
            files.sorted().forEach(f -> {
                String name = f.getFileName().toString();
                if (name.startsWith(".") || !Files.isRegularFile(f)) {
                    return;
                }
                try {
                    CRC32 crc = new CRC32();
                    crc.update(Files.readAllBytes(f));
                    parts.add(name + ":" + Long.toHexString(crc.getValue()));
                } catch (IOException e) {
                    parts.add(name + ":?");
                }
            });
        } catch (IOException | RuntimeException e) {
            return "missing";
        }
        return String.join("|", parts);
    }

    @Override
    public void close() {
        if (poller != null) {
            poller.shutdownNow();
        }
    }
}
