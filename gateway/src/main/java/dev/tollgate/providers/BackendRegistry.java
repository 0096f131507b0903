package dev.tollgate.providers;

import java.net.URI;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.tollgate.call.WireFormat;
import dev.tollgate.metering.TokenCounter;
import reactor.netty.http.client.HttpClient;
import tools.jackson.databind.ObjectMapper;

/**
 * The enabled backends, built once at start from {@code tollgate.providers.*}. Configuration errors (unknown type,
 * missing or malformed base-url) stop the start with a message naming the property; a provider whose required key
 * is empty is skipped with a warning, so the gateway runs with the backends it can use. Immutable, thread-safe.
 */
public final class BackendRegistry {

    private static final Logger log = LoggerFactory.getLogger(BackendRegistry.class);

    private final Map<String, Backend> backends;

    private BackendRegistry(Map<String, Backend> backends) {
        this.backends = backends;
    }

    /**
     * Builds the enabled backends.
     *
     * @param providers each enabled provider's settings
     */
    public static BackendRegistry build(List<BackendSettings> providers, HttpClient httpClient, TokenCounter tokens,
            ObjectMapper mapper, Clock clock) {
        List<String> problems = new ArrayList<>();
        Map<String, Backend> backends = new TreeMap<>();
        for (BackendSettings p : providers) {
            String id = p.id();
            String prefix = "tollgate.providers." + id;
            switch (p.type()) {
                case "simulated" -> backends.put(id, new SimulatedBackend(p, tokens, mapper, clock));
                case "openai", "anthropic", "gemini" -> {
                    String problem = checkUrl(p.baseUrl(), p.type());
                    if (problem != null) {
                        problems.add(prefix + ".base-url " + problem);
                    } else if (p.apiKeyRequired() && p.apiKey().isBlank()) {
                        log.warn("provider {}: skipped, {}.api-key is empty (set the environment variable it names, "
                                + "or api-key-required: false for a server that needs no key)", id, prefix);
                    } else if (p.responses() && !"openai".equals(p.type())) {
                        problems.add(prefix + ".responses may be true only for type openai (OpenAI's own API), "
                                + "but the type is '" + p.type() + "'");
                    } else {
                        backends.put(id, new HttpBackend(p, httpClient, switch (p.type()) {
                            case "anthropic" -> WireFormat.ANTHROPIC_MESSAGES;
                            case "gemini" -> WireFormat.GEMINI;
                            default -> WireFormat.OPENAI_CHAT;
                        }));
                    }
                }
                default -> problems.add(prefix + ".type must be 'openai', 'anthropic', 'gemini' or 'simulated', but was '"
                        + p.type() + "'");
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalStateException("invalid provider configuration:\n  " + String.join("\n  ", problems));
        }
        backends.values().forEach(b -> log.info("provider {}: {} priced by table '{}'", b.id(),
                b.simulated() ? "simulated" : b, b.priceTable()));
        return new BackendRegistry(Collections.unmodifiableMap(backends));
    }

    private static String checkUrl(String url, String type) {
        if (url == null || url.isBlank()) {
            return "is required for type " + type;
        }
        try {
            URI uri = URI.create(url);
            if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
                return "must be an http(s) URL with a host, but was '" + url + "'";
            }
            return null;
        } catch (IllegalArgumentException e) {
            return "is not a URL: '" + url + "'";
        }
    }

    public Backend get(String id) {
        return backends.get(id);
    }

    /** Backend id -> the wire format it speaks, for routing. */
    public Map<String, WireFormat> formats() {
        Map<String, WireFormat> out = new LinkedHashMap<>();
        backends.forEach((id, b) -> out.put(id, b.format()));
        return out;
    }

    /** Ids of the backends that also serve OpenAI's Responses API natively, for routing. */
    public Set<String> responsesBackends() {
        Set<String> out = new TreeSet<>();
        backends.forEach((id, b) -> {
            if (b.servesResponses()) {
                out.add(id);
            }
        });
        return out;
    }

    /** Backend id -> the price table it is priced by, for the catalog. */
    public Map<String, String> priceTables() {
        Map<String, String> out = new LinkedHashMap<>();
        backends.forEach((id, b) -> out.put(id, b.priceTable()));
        return out;
    }

    public Map<String, Backend> all() {
        return backends;
    }
}
