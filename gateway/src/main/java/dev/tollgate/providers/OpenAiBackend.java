package dev.tollgate.providers;

import java.net.URI;
import java.util.Map;

import dev.tollgate.config.TollgateProperties;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;

/**
 * Any OpenAI-compatible Chat Completions API (OpenAI, Azure OpenAI v1, DeepSeek, Groq, Together, Mistral,
 * DeepInfra, vLLM, Ollama, llama.cpp, ...), over a pooled Reactor Netty client built once. The URL and the
 * provider's key come from configuration only; the client's own headers (its gateway key included) are never
 * forwarded. The response body is handed on chunk by chunk, never aggregated here. Thread-safe.
 */
final class OpenAiBackend implements Backend {

    private final String id;
    private final String priceTable;
    private final HttpClient client;
    private final String url;

    OpenAiBackend(String id, TollgateProperties.Provider config, HttpClient base) {
        this.id = id;
        this.priceTable = config.prices() != null ? config.prices() : id;
        String root = config.baseUrl().endsWith("/") ? config.baseUrl().substring(0, config.baseUrl().length() - 1)
                : config.baseUrl();
        this.url = URI.create(root + "/chat/completions").toString();
        String keyHeader = config.apiKeyHeader();
        String key = config.apiKey();
        Map<String, String> extra = config.headers();
        this.client = base
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) config.connectTimeout().toMillis())
                .headers(h -> {
                    h.set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
                    h.set(HttpHeaderNames.ACCEPT, "application/json, text/event-stream");
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
    public boolean simulated() {
        return false;
    }

    @Override
    public <T> Flux<T> exchange(UpstreamCall call, UpstreamHandler<T> handler) {
        byte[] body = call.body();
        return client.post()
                .uri(url)
                .send(Mono.fromSupplier(() -> Unpooled.wrappedBuffer(body)))
                .response((response, content) -> handler.handle(response.status().code(),
                        response.responseHeaders().get(HttpHeaderNames.CONTENT_TYPE),
                        response.responseHeaders().get(HttpHeaderNames.RETRY_AFTER),
                        content.asByteArray()));
    }

    @Override
    public String toString() {
        return "OpenAiBackend[" + id + " -> " + url + "]";
    }
}
