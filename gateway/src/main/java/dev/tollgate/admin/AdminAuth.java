package dev.tollgate.admin;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

import org.springframework.http.HttpHeaders;
import org.springframework.web.reactive.function.server.HandlerFilterFunction;
import org.springframework.web.reactive.function.server.HandlerFunction;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;

import dev.tollgate.api.ApiError;
import dev.tollgate.auth.KeyHasher;
import reactor.core.publisher.Mono;

/**
 * Guards every {@code /admin} path (and the health details, {@link HealthDetailsFilter}) with the admin key ({@code Authorization: Bearer <key>} or {@code x-api-key}),
 * whose SHA-256 is {@code tollgate.admin.key-hash}. Without a configured hash the admin API is off: every
 * {@code /admin} call is a 404 saying how to turn it on. A missing or wrong key is a 401. Gateway keys are not
 * admin keys. The key is never logged; hashes are compared in constant time. Thread-safe.
 */
public final class AdminAuth implements HandlerFilterFunction<ServerResponse, ServerResponse> {

    static final String API_KEY = "x-api-key";

    private final byte[] keyHash;

    /** @param keyHash {@code sha256:<hex>}, or null when the admin API is off */
    public AdminAuth(String keyHash) {
        this.keyHash = keyHash == null ? null : keyHash.getBytes(StandardCharsets.US_ASCII);
    }

    public boolean enabled() {
        return keyHash != null;
    }

    @Override
    public Mono<ServerResponse> filter(ServerRequest request, HandlerFunction<ServerResponse> next) {
        ApiError refused = refusal(request.headers().asHttpHeaders());
        return refused != null ? Mono.error(refused.exception()) : next.handle(request);
    }

    /** Why a request with these headers may not pass (404 admin API off, 401 no or wrong key); null: it may. */
    public ApiError refusal(HttpHeaders headers) {
        if (keyHash == null) {
            return ApiError.notFound("admin_api_disabled", "The admin API is off. To turn it on, make an "
                    + "admin key, put its hash in tollgate.admin.key-hash (java -jar tollgate.jar hash-key <key> "
                    + "prints it) and restart; then send the key as 'Authorization: Bearer <key>' or "
                    + "'x-api-key: <key>'.", null);
        }
        String key = key(headers);
        if (key == null) {
            return ApiError.unauthorized("You didn't provide an admin key. Send it as 'Authorization: "
                    + "Bearer <key>' or 'x-api-key: <key>'.");
        }
        byte[] given = KeyHasher.hash(key).getBytes(StandardCharsets.US_ASCII);
        if (!MessageDigest.isEqual(given, keyHash)) {
            return ApiError.unauthorized("Incorrect admin key provided. The admin key is the one whose "
                    + "hash is tollgate.admin.key-hash; gateway keys do not open the admin API.");
        }
        return null;
    }

    private static String key(HttpHeaders headers) {
        String key = null;
        String authorization = headers.getFirst(HttpHeaders.AUTHORIZATION);
        if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            key = authorization.substring(7).trim();
        }
        if (key == null || key.isEmpty()) {
            key = headers.getFirst(API_KEY);
        }
        return key == null || key.isEmpty() || key.length() > 512 ? null : key;
    }
}
