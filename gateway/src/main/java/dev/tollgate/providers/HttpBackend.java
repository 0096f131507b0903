package dev.tollgate.providers;

import java.net.URI;
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
 * llama.cpp, ...; {@code POST <base-url>/chat/completions}, and for an embeddings call
 * {@code POST <base-url>/embeddings}) or Anthropic's Messages API ({@code type: anthropic};
 * {@code POST <base-url>/messages} with {@code x-api-key} and {@code anthropic-version}). The URL and the provider's
 * key come from configuration only; of the client's own headers only those the settings name are passed on (never
 * its gateway key, which the rules refuse to name). The response body is handed on chunk by chunk, never
 * aggregated here. Thread-safe.
 */
final class HttpBackend implements Backend {

    private final String id;
    private final String priceTable;
    private final HttpClient client;
    private final String url;
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
            case OPENAI_EMBEDDINGS -> throw new IllegalArgumentException("no backend speaks only the embeddings API");
        }).toString();
        // Anthropic's API has no embeddings endpoint: routing never sends an embeddings call there
        this.embeddingsUrl = switch (format) {
            case OPENAI_CHAT, OPENAI_EMBEDDINGS -> URI.create(root + "/embeddings").toString();
            case ANTHROPIC_MESSAGES -> null;
        };
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
    public boolean simulated() {
        return false;
    }

    @Override
    public <T> Flux<T> exchange(UpstreamCall call, UpstreamHandler<T> handler) {
        byte[] body = call.body();
        String target = url;
        if (call.request().format() == WireFormat.OPENAI_EMBEDDINGS) {
            if (embeddingsUrl == null) {
                return Flux.error(new IllegalStateException("backend '" + id + "' has no embeddings API"));
            }
            target = embeddingsUrl;
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

    @Override
    public String toString() {
        return "HttpBackend[" + id + " (" + format.label() + ") -> " + url + "]";
    }
}
