package dev.tollgate.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import dev.tollgate.wire.openai.ChatRequest;
import dev.tollgate.auth.KeyHasher;
import dev.tollgate.wire.openai.SseUsageTap;
import dev.tollgate.pricing.CostCalculator;
import dev.tollgate.pricing.PriceRow;
import dev.tollgate.pricing.PriceTable;
import dev.tollgate.pricing.PriceTableLoader;
import dev.tollgate.pricing.Usage;
import dev.tollgate.wire.openai.OpenAiWire;
import dev.tollgate.routing.Catalog;
import dev.tollgate.routing.Decision;
import dev.tollgate.routing.RouteRequest;
import dev.tollgate.routing.Router;
import dev.tollgate.routing.RoutingRules;
import dev.tollgate.routing.Tables;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * The gateway's own per-call work, piece by piece, on the bench harness's request and response (the pieces that
 * do not involve the network). Run from gateway/ (see docs/PERFORMANCE.md for the command).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class HotPathBenchmark {

    private static final String REQUEST = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"system\",\"content\":"
            + "\"You are a concise assistant that explains infrastructure concepts in plain language.\"},{\"role\":"
            + "\"user\",\"content\":\"In one paragraph, what does an AI model gateway do, and why should its own "
            + "overhead stay small?\"}],\"temperature\":0.2,\"max_tokens\":256,\"user\":\"bench-user-1\"}";
    private static final String RESPONSE = "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1735689600,"
            + "\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":"
            + "\"A gateway sits between clients and model backends. It authenticates the caller, picks a provider and "
            + "model, applies rate limits and budgets, retries or falls back when a backend fails, and records usage.\","
            + "\"refusal\":null},\"logprobs\":null,\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":57,"
            + "\"completion_tokens\":72,\"total_tokens\":129,\"prompt_tokens_details\":{\"cached_tokens\":0},"
            + "\"completion_tokens_details\":{\"reasoning_tokens\":0}},\"system_fingerprint\":\"fp_bench00001\"}";
    private static final String CHUNK = "data: {\"id\":\"chatcmpl-2\",\"object\":\"chat.completion.chunk\",\"created\":"
            + "1735689600,\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" a gateway \"},"
            + "\"finish_reason\":null}],\"usage\":null}\n\n";

    private ObjectMapper mapper;
    private OpenAiWire wire;
    private byte[] request;
    private byte[] response;
    private byte[] chunk;
    private Tables tables;
    private PriceRow price;
    private Instant now;

    @Setup
    public void setUp() {
        mapper = JsonMapper.builder().build();
        wire = new OpenAiWire(mapper);
        request = REQUEST.getBytes(StandardCharsets.UTF_8);
        response = RESPONSE.getBytes(StandardCharsets.UTF_8);
        chunk = CHUNK.getBytes(StandardCharsets.UTF_8);
        PriceTable prices = PriceTableLoader.load(Path.of("../pricing"));
        tables = new Tables(prices, new RoutingRules(Map.of(), Map.of()),
                Catalog.build(prices, Map.of("openai", "openai", "azure", "azure", "deepseek", "deepseek")), 1,
                Instant.now());
        now = Instant.parse("2026-11-15T12:00:00Z");
        price = prices.find("openai", "gpt-4o-mini").orElseThrow().priceAt(now).orElseThrow();
    }

    @Benchmark
    public ChatRequest parseRequest() {
        return ChatRequest.parse(request, mapper);
    }

    @Benchmark
    public Decision routeOneOffering() {
        return Router.decide(new RouteRequest("gpt-4o-mini", null, () -> 57, 256, false), tables, now);
    }

    @Benchmark
    public Usage usageOfResponse() {
        return wire.usageOfResponse(response);
    }

    @Benchmark
    public Object cost() {
        return CostCalculator.cost(new Usage(57, 0, 0, 72, 0, false), price);
    }

    @Benchmark
    public String hashKey() {
        return KeyHasher.hash("sk-tollgate-demo");
    }

    /** One content chunk through the stream tap (scan for boundaries and usage, pass on untouched). */
    @Benchmark
    public void tapChunk(Blackhole bh) {
        SseUsageTap tap = new SseUsageTap(mapper, true);
        bh.consume(tap.onChunk(chunk));
    }
}
