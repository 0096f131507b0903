package dev.tollgate.providers;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import dev.tollgate.call.WireFormat;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;

/**
 * A provider's HTTP API, over a pooled Reactor Netty client built once: any OpenAI-compatible Chat Completions API
 * ({@code type: openai}: OpenAI, Azure OpenAI v1, DeepSeek, Groq, Together, Mistral, DeepInfra, vLLM, Ollama,
 * llama.cpp, ...; {@code POST <base-url>/chat/completions}, for Responses calls {@code POST <base-url>/responses}
 * when the settings say the backend serves it, and for an embeddings call {@code POST <base-url>/embeddings}),
 * Anthropic's Messages API ({@code type: anthropic};
 * {@code POST <base-url>/messages} with {@code x-api-key} and {@code anthropic-version}) or Google's Gemini API
 * ({@code type: gemini}; {@code POST <base-url>/models/{model}:generateContent}, or
 * {@code :streamGenerateContent?alt=sse}, with {@code x-goog-api-key}). The URL and the provider's
 * key come from configuration only; of the client's own headers only those the settings name are passed on (never
 * its gateway key, which the rules refuse to name). The response body is handed on chunk by chunk, never
 * aggregated here. Thread-safe.
 */
final class HttpBackend implements Backend {

    private final String id;
    private final String priceTable;
    private final HttpClient client;
    /** The URL of every call; for Gemini the root the per-call path is appended to. */
    private final String url;
    /** {@code <base-url>/responses} for a backend that serves the Responses API, else null. */
    private final String responsesUrl;
    /** {@code <base-url>/embeddings} for an OpenAI-compatible backend, else null. */
    private final String embeddingsUrl;

    private final List<String> forwardHeaders;
    private final WireFormat format;

    HttpBackend(BackendSettings config, HttpClient base, WireFormat format) {
        this.id = config.id();
        this.format = format;
        this.priceTable = config.priceTable();
        this.forwardHeaders = config.forwardHeaders();
        String root = config.baseUrl().endsWith("/") ? config.baseUrl().substring(0, config.baseUrl().length() - 1)
                : config.baseUrl();
        boolean anthropic = format == WireFormat.ANTHROPIC_MESSAGES;
        this.url = URI.create(root + switch (format) {
            case OPENAI_CHAT -> "/chat/completions";
            case ANTHROPIC_MESSAGES -> "/messages";
            case GEMINI -> "/models/";
            case OPENAI_RESPONSES, OPENAI_EMBEDDINGS -> throw new IllegalArgumentException("a backend's own format "
                    + "is never " + format.displayName());
        }).toString();
        this.responsesUrl = config.responses() && format == WireFormat.OPENAI_CHAT
                ? URI.create(root + "/responses").toString() : null;
        // Anthropic's API and Gemini's (here) have no embeddings endpoint: routing never sends an embeddings call there
        this.embeddingsUrl = format == WireFormat.OPENAI_CHAT ? URI.create(root + "/embeddings").toString() : null;
        String keyHeader = config.apiKeyHeader();
        String key = config.apiKey();
        Map<String, String> extra = config.headers();
        this.client = base
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) config.connectTimeout().toMillis())
                .headers(h -> {
                    h.set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
                    h.set(HttpHeaderNames.ACCEPT, "application/json, text/event-stream");
                    if (anthropic) {
                        h.set("anthropic-version", config.anthropicVersion());
                    }
                    extra.forEach(h::set);
                    if (!key.isEmpty()) {
                        h.set(keyHeader, "authorization".equalsIgnoreCase(keyHeader) ? "Bearer " + key : key);
                    }
                });
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
        return format;
    }

    @Override
    public boolean servesResponses() {
        return responsesUrl != null;
    }

    @Override
    public boolean simulated() {
        return false;
    }

    @Override
    public <T> Flux<T> exchange(UpstreamCall call, UpstreamHandler<T> handler) {
        byte[] body = call.body();
        String target = url(call);
        if (target == null) {
            return Flux.error(new IllegalStateException("backend '" + id + "' has no "
                    + call.request().format().displayName() + " API"));
        }
        return client.post()
                .uri(target)
                .send((request, out) -> {
                    Forwarding.copy(forwardHeaders, call, request.requestHeaders());
                    return out.send(Mono.fromSupplier(() -> Unpooled.wrappedBuffer(body)));
                })
                .response((response, content) -> handler.handle(response.status().code(),
                        response.responseHeaders().get(HttpHeaderNames.CONTENT_TYPE),
                        response.responseHeaders().get(HttpHeaderNames.RETRY_AFTER),
                        content.asByteArray()));
    }

    /**
     * The call's URL (null when this backend has no such API): the format's one, {@code <base-url>/responses} for a
     * Responses call to a backend serving it, {@code <base-url>/embeddings} for an embeddings call, or for Gemini {@code <base-url>/models/{model}:generateContent}, or
     * {@code :streamGenerateContent?alt=sse} for a stream (Server-Sent Events; without {@code alt=sse} Gemini
     * streams one JSON array). The model id comes from the price tables, never from the request; it is
     * percent-encoded as a path segment all the same.
     */
    private String url(UpstreamCall call) {
        if (call.request().format() == WireFormat.OPENAI_EMBEDDINGS) {
            return embeddingsUrl;
        }
        return switch (formatFor(call.request().format())) {
            case OPENAI_RESPONSES -> responsesUrl;
            case OPENAI_CHAT, ANTHROPIC_MESSAGES, OPENAI_EMBEDDINGS -> url;
            case GEMINI -> url + URLEncoder.encode(call.upstreamModel(), StandardCharsets.UTF_8).replace("+", "%20")
                    + (call.request().stream() ? ":streamGenerateContent?alt=sse" : ":generateContent");
        };
    }

    @Override
    public String toString() {
        return "HttpBackend[" + id + " (" + format.label() + ") -> " + url
                + (responsesUrl != null ? ", " + responsesUrl : "") + "]";
    }
}
