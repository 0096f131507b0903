package dev.tollgate.providers;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

import dev.tollgate.call.WireFormat;
import dev.tollgate.wire.openai.ChatRequest;
import dev.tollgate.wire.openai.EmbeddingsRequest;
import dev.tollgate.metering.TokenCounter;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * An in-process backend for the demo profile and for tests. It speaks the OpenAI wire format byte for byte (so the
 * whole gateway path runs as with a real upstream) and says what it is everywhere: the answer starts with
 * {@code [simulated ...]}, {@code system_fingerprint} is {@value #FINGERPRINT}, and the gateway adds
 * {@code x-tollgate-simulated: true}. The answer is deterministic (a function of the prompt); usage is the real
 * token count of prompt and answer. Latency before the first byte and the pace of stream chunks are configurable.
 * Thread-safe.
 */
final class SimulatedBackend implements Backend {

    static final String FINGERPRINT = "tollgate-simulated";
    private static final String[] WORDS = {"the", "gateway", "routes", "each", "call", "to", "a", "backend", "whose",
        "price", "and", "quality", "fit", "policy", "while", "metering", "every", "token", "exactly", "so", "teams",
        "see", "what", "they", "spend", "per", "model", "provider", "day"};
    private static final int WORDS_PER_CHUNK = 3;
    /** Numbers per simulated embedding when the request sets no {@code dimensions}. */
    static final int EMBEDDING_DIMENSIONS = 8;
    static final int MAX_EMBEDDING_DIMENSIONS = 4096;

    private final String id;
    private final String priceTable;
    private final BackendSettings.Simulation config;
    private final TokenCounter tokens;
    private final ObjectMapper mapper;
    private final Clock clock;

    SimulatedBackend(BackendSettings config, TokenCounter tokens, ObjectMapper mapper, Clock clock) {
        this.id = config.id();
        this.priceTable = config.priceTable();
        this.config = config.simulated();
        this.tokens = tokens;
        this.mapper = mapper;
        this.clock = clock;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public String priceTable() {
        return priceTable;
    }

    @Override
    public WireFormat format() {
        return WireFormat.OPENAI_CHAT;
    }

    @Override
    public boolean simulated() {
        return true;
    }

    @Override
    public <T> Flux<T> exchange(UpstreamCall call, UpstreamHandler<T> handler) {
        if (call.request() instanceof EmbeddingsRequest embeddings) {
            byte[] bytes = embeddings(embeddings, call);
            Mono<Void> latency = config.latency().isZero() ? Mono.empty() : Mono.delay(config.latency()).then();
            return latency.thenMany(Flux.defer(() -> handler.handle(200, "application/json", null,
                    Flux.just(bytes))));
        }
        ObjectNode request = (ObjectNode) mapper.readTree(call.body());
        long promptTokens = tokens.count(ChatRequest.parse(call.body(), mapper));
        int cap = request.path("max_completion_tokens").asInt(request.path("max_tokens").asInt(Integer.MAX_VALUE));
        List<String> words = answer(request.path("messages").toString(), Math.min(cap, config.outputTokens()),
                call.upstreamModel());
        String text = String.join(" ", words);
        long completionTokens = tokens.count(text);
        String requestId = "chatcmpl-sim-" + Integer.toHexString(request.path("messages").toString().hashCode());
        long created = clock.instant().getEpochSecond();
        boolean stream = request.path("stream").asBoolean(false);
        Mono<Void> latency = config.latency().isZero() ? Mono.empty() : Mono.delay(config.latency()).then();
        if (!stream) {
            ObjectNode body = mapper.createObjectNode();
            body.put("id", requestId).put("object", "chat.completion").put("created", created)
                    .put("model", call.upstreamModel()).put("system_fingerprint", FINGERPRINT);
            ObjectNode choice = body.putArray("choices").addObject();
            choice.put("index", 0).put("finish_reason", "stop");
            choice.putObject("message").put("role", "assistant").put("content", text);
            usage(body.putObject("usage"), promptTokens, completionTokens);
            byte[] bytes = mapper.writeValueAsBytes(body);
            return latency.thenMany(Flux.defer(() -> handler.handle(200, "application/json", null,
                    Flux.just(bytes))));
        }
        List<byte[]> events = new ArrayList<>();
        events.add(event(chunk(requestId, created, call.upstreamModel(), d -> d.put("role", "assistant").put("content", ""),
                null)));
        for (int i = 0; i < words.size(); i += WORDS_PER_CHUNK) {
            String piece = (i == 0 ? "" : " ") + String.join(" ", words.subList(i, Math.min(words.size(), i + WORDS_PER_CHUNK)));
            events.add(event(chunk(requestId, created, call.upstreamModel(), d -> d.put("content", piece), null)));
        }
        events.add(event(chunk(requestId, created, call.upstreamModel(), d -> { }, "stop")));
        if (request.path("stream_options").path("include_usage").asBoolean(false)) {
            ObjectNode last = mapper.createObjectNode();
            last.put("id", requestId).put("object", "chat.completion.chunk").put("created", created)
                    .put("model", call.upstreamModel()).put("system_fingerprint", FINGERPRINT);
            last.putArray("choices");
            usage(last.putObject("usage"), promptTokens, completionTokens);
            events.add(event(mapper.writeValueAsString(last)));
        }
        events.add("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
        Flux<byte[]> body = Flux.fromIterable(events);
        if (!config.chunkInterval().isZero()) {
            body = body.delayElements(config.chunkInterval());
        }
        Flux<byte[]> paced = body;
        return latency.thenMany(Flux.defer(() -> handler.handle(200, "text/event-stream", null, paced)));
    }

    /**
     * An embeddings answer in OpenAI's shape: per input, a vector of {@code dimensions} (default
     * {@value #EMBEDDING_DIMENSIONS}, at most {@value #MAX_EMBEDDING_DIMENSIONS}) pseudo-random numbers seeded by the
     * input, as floats or, with {@code encoding_format: base64}, as little-endian float32 bytes in base64 (as OpenAI
     * sends them); usage is the gateway's count of the input.
     */
    private byte[] embeddings(EmbeddingsRequest request, UpstreamCall call) {
        JsonNode body = mapper.readTree(call.body());
        int dimensions = Math.min(MAX_EMBEDDING_DIMENSIONS, body.path("dimensions").asInt(EMBEDDING_DIMENSIONS));
        boolean base64 = "base64".equals(body.path("encoding_format").asString("float"));
        JsonNode input = body.path("input");
        List<JsonNode> inputs = new ArrayList<>();
        if (input.isArray() && !input.isEmpty() && !input.get(0).isNumber()) {
            input.forEach(inputs::add);
        } else {
            inputs.add(input);
        }
        ObjectNode out = mapper.createObjectNode();
        out.put("object", "list");
        ArrayNode data = out.putArray("data");
        for (int i = 0; i < inputs.size(); i++) {
            ObjectNode item = data.addObject();
            item.put("object", "embedding").put("index", i);
            int seed = inputs.get(i).toString().hashCode();
            java.nio.ByteBuffer packed = java.nio.ByteBuffer.allocate(dimensions * 4)
                    .order(java.nio.ByteOrder.LITTLE_ENDIAN);
            ArrayNode vector = base64 ? null : item.putArray("embedding");
            for (int d = 0; d < dimensions; d++) {
                seed = seed * 1103515245 + 12345;
                float value = ((seed >>> 8) & 0xFFFF) / 32768f - 1f;
                if (base64) {
                    packed.putFloat(value);
                } else {
                    vector.add(value);
                }
            }
            if (base64) {
                item.put("embedding", java.util.Base64.getEncoder().encodeToString(packed.array()));
            }
        }
        out.put("model", call.upstreamModel());
        long prompt = request.promptTokens(tokens);
        out.putObject("usage").put("prompt_tokens", prompt).put("total_tokens", prompt);
        return mapper.writeValueAsBytes(out);
    }

    private String chunk(String id, long created, String model, java.util.function.Consumer<ObjectNode> delta,
            String finish) {
        ObjectNode chunk = mapper.createObjectNode();
        chunk.put("id", id).put("object", "chat.completion.chunk").put("created", created).put("model", model)
                .put("system_fingerprint", FINGERPRINT);
        ArrayNode choices = chunk.putArray("choices");
        ObjectNode choice = choices.addObject();
        choice.put("index", 0);
        delta.accept(choice.putObject("delta"));
        if (finish == null) {
            choice.putNull("finish_reason");
        } else {
            choice.put("finish_reason", finish);
        }
        return mapper.writeValueAsString(chunk);
    }

    private static byte[] event(String json) {
        return ("data: " + json + "\n\n").getBytes(StandardCharsets.UTF_8);
    }

    private static void usage(ObjectNode usage, long prompt, long completion) {
        usage.put("prompt_tokens", prompt).put("completion_tokens", completion).put("total_tokens", prompt + completion);
    }

    /** About {@code outputTokens} words (most of these words are one token), chosen from the prompt's hash. */
    private List<String> answer(String prompt, int outputTokens, String model) {
        List<String> words = new ArrayList<>();
        words.add("[simulated " + id + "/" + model + "]");
        int seed = prompt.hashCode();
        int target = Math.max(1, outputTokens - tokens.count(words.get(0)));
        for (int i = 0; i < target; i++) {
            seed = seed * 1103515245 + 12345;
            words.add(WORDS[Math.floorMod(seed >>> 8, WORDS.length)]);
        }
        return words;
    }
}
