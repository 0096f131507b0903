package dev.tollgate.config;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.http.client.ReactorResourceFactory;
import org.springframework.cloud.gateway.route.builder.RouteLocatorBuilder;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpMethod;
import org.springframework.web.reactive.function.server.RequestPredicates;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

import dev.tollgate.admin.SpendHandler;
import dev.tollgate.admin.SpendQueries;
import dev.tollgate.api.DecisionJson;
import dev.tollgate.api.ModelsHandler;
import dev.tollgate.auth.Principal;
import dev.tollgate.gateway.BodyWork;
import dev.tollgate.gateway.ErrorHandler;
import dev.tollgate.gateway.CompareHandler;
import dev.tollgate.gateway.CountTokensHandler;
import dev.tollgate.gateway.ExchangeAttributes;
import dev.tollgate.gateway.ExplainHandler;
import dev.tollgate.gateway.ForwardFilter;
import dev.tollgate.gateway.ParseFilter;
import dev.tollgate.gateway.RequestContextWebFilter;
import dev.tollgate.gateway.RouteFilter;
import dev.tollgate.metering.GatewayMetrics;
import dev.tollgate.metering.LedgerWriter;
import dev.tollgate.metering.Metering;
import dev.tollgate.metering.TokenCounter;
import dev.tollgate.providers.BackendRegistry;
import dev.tollgate.providers.BackendSettings;
import dev.tollgate.wire.Codecs;
import dev.tollgate.routing.Tables;
import dev.tollgate.admin.BudgetsHandler;
import dev.tollgate.budget.LimitStore;
import dev.tollgate.gateway.AdmissionFilter;
import dev.tollgate.metering.BudgetMetrics;
import dev.tollgate.resilience.BackendGuards;
import dev.tollgate.resilience.BackendsHealthIndicator;
import io.github.resilience4j.micrometer.tagged.TaggedBulkheadMetrics;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.LoopResources;
import tools.jackson.databind.ObjectMapper;

/** Wires the domain objects into Spring: one place where configuration becomes immutable objects. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(TollgateProperties.class)
public class GatewayConfiguration {

    private static final Logger log = LoggerFactory.getLogger(GatewayConfiguration.class);

    /** Ledger stops after the web server has drained in-flight calls (graceful shutdown is DEFAULT_PHASE - 1024). */
    static final int LEDGER_PHASE = SmartLifecycle.DEFAULT_PHASE - 4096;

    @Bean
    @ConditionalOnMissingBean
    Clock clock() {
        return Clock.systemUTC();
    }

    @Bean
    TokenCounter tokenCounter() {
        return new TokenCounter();
    }

    @Bean
    Codecs codecs(ObjectMapper mapper) {
        return new Codecs(mapper);
    }

    /**
     * The event loops of the server and the upstream client, owned by this context: created with it, disposed when
     * it closes. Reactor Netty's global loops (Boot's default) are shared by every context of the JVM, and a context
     * that stops (closed, or paused by the test framework's context cache) disposes them under the others' feet;
     * calls then hang. One set of loops for server and client keeps an upstream call on the thread of its request.
     */
    @Bean(destroyMethod = "dispose")
    LoopResources tollgateLoops() {
        return LoopResources.create("tollgate", LoopResources.DEFAULT_IO_WORKER_COUNT, true);
    }

    /** Boot's web server takes its loops from this factory: ours, which a pause or stop leaves alone. */
    @Bean
    ReactorResourceFactory reactorResourceFactory(LoopResources loops, ConnectionProvider upstreamConnections) {
        ReactorResourceFactory factory = new ReactorResourceFactory();
        factory.setUseGlobalResources(false);
        factory.setLoopResources(loops);
        factory.setConnectionProvider(upstreamConnections);
        return factory;
    }

    @Bean(destroyMethod = "dispose")
    ConnectionProvider upstreamConnections(TollgateProperties properties) {
        return upstreamConnectionProvider(properties.limits());
    }

    /**
     * The pool of upstream connections, per host: at most {@code upstream-connections}; a call that finds none free
     * waits at most {@code upstream-acquire-timeout}, and at most {@code upstream-pending-acquires} calls wait. A call
     * refused a connection is a failed attempt ({@code pool_exhausted}) that failover handles.
     */
    static ConnectionProvider upstreamConnectionProvider(TollgateProperties.Limits limits) {
        return ConnectionProvider.builder("tollgate-upstream")
                .maxConnections(limits.upstreamConnections())
                .pendingAcquireMaxCount(limits.upstreamPendingAcquires())
                .pendingAcquireTimeout(limits.upstreamAcquireTimeout())
                .maxIdleTime(Duration.ofSeconds(30))
                .evictInBackground(Duration.ofSeconds(30))
                .build();
    }

    @Bean
    BackendRegistry backendRegistry(TollgateProperties properties, ConnectionProvider connections, LoopResources loops,
            TokenCounter tokens, ObjectMapper mapper, Clock clock) {
        HttpClient base = HttpClient.create(connections).runOn(loops).compress(false).keepAlive(true);
        List<BackendSettings> enabled = new ArrayList<>();
        properties.providers().forEach((id, p) -> {
            if (Boolean.TRUE.equals(p.enabled())) {
                enabled.add(p.settings(id));
            } else {
                log.info("provider {}: disabled (tollgate.providers.{}.enabled=false)", id, id);
            }
        });
        return BackendRegistry.build(enabled, base, tokens, mapper, clock);
    }

    @Bean(destroyMethod = "close")
    TablesService tablesService(TollgateProperties properties, BackendRegistry backends, Clock clock,
            MeterRegistry registry) {
        TablesService service = new TablesService(
                TableLocations.resolve(properties.pricing().location(), properties.pricing().defaultLocation()),
                TableLocations.resolve(properties.rules().location(), properties.rules().defaultLocation()),
                backends.priceTables(), backends.formats(), backends.responsesBackends(), clock, registry);
        service.startPolling(properties.pricing().reloadInterval());
        return service;
    }

    @Bean
    GatewayMetrics gatewayMetrics(MeterRegistry registry) {
        return new GatewayMetrics(registry);
    }

    @Bean
    LedgerWriter ledgerWriter(DataSource dataSource, ObjectMapper mapper, MeterRegistry registry,
            TollgateProperties properties, Clock clock) {
        TollgateProperties.Ledger l = properties.ledger();
        return new LedgerWriter(dataSource, mapper, registry, l.queueCapacity(), l.batchSize(), l.flushInterval(),
                l.spillFile(), l.spillQueueCapacity(), clock);
    }

    @Bean
    SmartLifecycle ledgerLifecycle(LedgerWriter writer, TollgateProperties properties) {
        // Lifecycles start after every singleton exists, so Flyway has migrated the schema by then.
        return new SmartLifecycle() {
            private volatile boolean running;

            @Override
            public void start() {
                writer.start();
                running = true;
            }

            @Override
            public void stop() {
                writer.stop(properties.ledger().drainTimeout());
                running = false;
            }

            @Override
            public boolean isRunning() {
                return running;
            }

            @Override
            public int getPhase() {
                return LEDGER_PHASE;
            }
        };
    }

    @Bean
    Metering metering(GatewayMetrics metrics, LedgerWriter writer, TokenCounter tokens) {
        return new Metering(metrics, writer, tokens);
    }

    @Bean
    RequestContextWebFilter requestContextWebFilter(TablesService tables, Metering metering, GatewayMetrics metrics,
            Clock clock) {
        return new RequestContextWebFilter(tables, metering, metrics, clock);
    }

    @Bean
    ParseFilter parseFilter(ObjectMapper mapper, TollgateProperties properties, BodyWork bodyWork,
            TokenCounter tokens) {
        return new ParseFilter(mapper, (int) properties.limits().maxBodySize().toBytes(), bodyWork, tokens);
    }

    @Bean
    RouteFilter routeFilter(TokenCounter tokens, BackendGuards guards, Codecs codecs) {
        return new RouteFilter(tokens, guards, codecs);
    }

    @Bean
    BackendGuards backendGuards(TollgateProperties properties, Clock clock, MeterRegistry registry) {
        BackendGuards guards = new BackendGuards(properties.resilience(), properties.providers(), clock);
        // Breaker names are provider/model pairs from configuration and the price tables: bounded.
        TaggedCircuitBreakerMetrics.ofCircuitBreakerRegistry(guards.breakers()).bindTo(registry);
        TaggedBulkheadMetrics.ofBulkheadRegistry(guards.bulkheads()).bindTo(registry);
        return guards;
    }

    @Bean
    BudgetMetrics budgetMetrics(MeterRegistry registry, Clock clock) {
        return new BudgetMetrics(registry, clock);
    }

    @Bean
    AdmissionFilter admissionFilter(LimitStore store, LimitOverridesService overrides, BudgetMetrics metrics,
            TollgateProperties properties, Clock clock) {
        TollgateProperties.Budgets b = properties.budgets();
        return new AdmissionFilter(store, overrides, metrics, b.timeZone(), b.reservationTtl().toMillis(),
                b.defaultOutputCap(), b.minCappedOutputTokens(), clock);
    }

    @Bean
    BackendsHealthIndicator backendsHealthIndicator(BackendGuards guards, Clock clock) {
        return new BackendsHealthIndicator(guards, clock);
    }

    @Bean
    ForwardFilter forwardFilter(BackendRegistry backends, BackendGuards guards, Codecs codecs, TokenCounter tokens,
            TollgateProperties properties, ObjectMapper mapper, GatewayMetrics metrics, Clock clock) {
        TollgateProperties.Resilience r = properties.resilience();
        return new ForwardFilter(backends, guards, codecs, tokens, (int) properties.limits().maxUpstreamBody().toBytes(),
                metrics, r.maxAttempts(), r.deadline(), clock, new DecisionJson(mapper));
    }

    @Bean
    ErrorHandler tollgateErrorHandler(TollgateProperties properties) {
        return new ErrorHandler(properties.limits().maxDrainedBody().toBytes());
    }

    /** The call routes: their backend is chosen per request by the filters, so their URI is never used. */
    @Bean
    RouteLocator tollgateRoutes(RouteLocatorBuilder builder) {
        return builder.routes()
                .route("chat-completions", r -> r.path("/v1/chat/completions").and().method(HttpMethod.POST)
                        .uri("no://op"))
                .route("messages", r -> r.path("/v1/messages").and().method(HttpMethod.POST).uri("no://op"))
                .route("responses", r -> r.path("/v1/responses").and().method(HttpMethod.POST).uri("no://op"))
                .route("embeddings", r -> r.path("/v1/embeddings").and().method(HttpMethod.POST).uri("no://op"))
                .build();
    }

    @Bean
    SpendQueries spendQueries(DataSource dataSource) {
        return new SpendQueries(dataSource);
    }

    @Bean
    RouterFunction<ServerResponse> tollgateApi(ObjectMapper mapper, Clock clock, SpendQueries spend,
            TokenCounter tokens, TollgateProperties properties, BackendGuards guards, LimitStore limitStore,
            LimitOverridesService overrides, BodyWork bodyWork, Codecs codecs) {
        BudgetsHandler budgets = new BudgetsHandler(limitStore, overrides, mapper, clock,
                properties.budgets().timeZone());
        ModelsHandler models = new ModelsHandler(mapper, clock);
        SpendHandler spendHandler = new SpendHandler(spend, mapper, clock);
        int maxBody = (int) properties.limits().maxBodySize().toBytes();
        CountTokensHandler countTokens = new CountTokensHandler(mapper, tokens, maxBody, bodyWork);
        ExplainHandler explain = new ExplainHandler(mapper, tokens, clock, maxBody, guards::health, bodyWork,
                codecs);
        CompareHandler compare = new CompareHandler(mapper, tokens, clock, maxBody, guards::health, bodyWork,
                codecs);
        return RouterFunctions.route(RequestPredicates.GET("/v1/models"),
                        req -> models.list(req, req.exchange().<Tables>getAttribute(ExchangeAttributes.TABLES)))
                .andRoute(RequestPredicates.POST("/v1/route/explain"), explain::explain)
                .andRoute(RequestPredicates.POST("/v1/messages/count_tokens"), countTokens::count)
                .andRoute(RequestPredicates.POST("/v1/cost/compare"), compare::compare)
                .andRoute(RequestPredicates.GET("/v1/spend"),
                        req -> spendHandler.spend(req, req.exchange().<Principal>getAttribute(ExchangeAttributes.PRINCIPAL)))
                .andRoute(RequestPredicates.GET("/v1/budgets"),
                        req -> budgets.budgets(req.exchange().<Principal>getAttribute(ExchangeAttributes.PRINCIPAL),
                                req.exchange().<Tables>getAttribute(ExchangeAttributes.TABLES).rules()));
    }
}
