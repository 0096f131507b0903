package dev.tollgate.bench;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import dev.tollgate.wire.openai.ChatRequest;
import dev.tollgate.metering.TokenCounter;
import dev.tollgate.wire.openai.OpenAiWire;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * What a chat request's body costs the thread that parses it, by size: the validating parse
 * ({@link ChatRequest#parse}) and the prompt's token count (the tree and the tokenizer), the work that
 * {@code tollgate.limits.large-body-threshold} moves off the event loop; and, for comparison, the upstream body
 * when a field must change (a copy of the parsed tree, serialised), which stays on the event loop. The prompt is
 * English-like text in ten messages. Run from gateway/ (see docs/PERFORMANCE.md for the command).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class LargeBodyBenchmark {

    private static final String[] WORDS = {"the", "gateway", "routes", "each", "call", "to", "a", "backend", "and",
        "meters", "tokens", "exactly", "while", "streams", "pass", "through", "chunk", "by", "budget", "price",
        "table", "provider", "latency", "failover", "circuit", "breaker", "opens", "when", "errors", "rise", "42",
        "1.5", "configuration", "Kubernetes", "replica", "ledger", "PostgreSQL", "Redis", "prompt", "completion"};

    @Param({"16384", "65536", "262144", "1048576", "4194304"})
    public int bytes;

    private final ObjectMapper mapper = JsonMapper.builder().build();
    private final TokenCounter tokens = new TokenCounter();
    private final OpenAiWire wire = new OpenAiWire(mapper);
    private byte[] body;
    private ChatRequest parsed;

    @Setup
    public void setUp() {
        body = body(bytes);
        parsed = ChatRequest.parse(body, mapper);
        parsed.promptTokens(tokens);
    }

    /** A request of about {@code size} bytes: ten user messages of words. */
    static byte[] body(int size) {
        Random random = new Random(1);
        StringBuilder sb = new StringBuilder(size + 256).append("{\"model\":\"gpt-4o-mini\",\"messages\":[");
        int perMessage = size / 10;
        for (int m = 0; m < 10; m++) {
            sb.append(m == 0 ? "" : ",").append("{\"role\":\"user\",\"content\":\"");
            int start = sb.length();
            while (sb.length() - start < perMessage) {
                sb.append(WORDS[random.nextInt(WORDS.length)]).append(random.nextInt(12) == 0 ? ". " : " ");
            }
            sb.append("\"}");
        }
        return sb.append("],\"max_tokens\":256}").toString().getBytes(StandardCharsets.UTF_8);
    }

    @Benchmark
    public ChatRequest parse() {
        return ChatRequest.parse(body, mapper);
    }

    @Benchmark
    public long parseAndCount() {
        return ChatRequest.parse(body, mapper).promptTokens(tokens);
    }

    /** The upstream body when a field must change (here the model id): a copy of the parsed tree, serialised. */
    @Benchmark
    public byte[] upstreamBodyRewritten() {
        return wire.upstreamBody(parsed, "gpt-4o-mini-2024-07-18");
    }
}
