package dev.tollgate.gateway;

import java.math.BigDecimal;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongSupplier;

import org.springframework.http.HttpHeaders;

import dev.tollgate.api.ApiError;
import dev.tollgate.call.CallRequest;
import dev.tollgate.call.WireFormat;
import dev.tollgate.wire.Codecs;
import dev.tollgate.auth.Principal;
import dev.tollgate.metering.TokenCounter;
import dev.tollgate.pricing.Capability;
import dev.tollgate.pricing.TaskFamily;
import dev.tollgate.routing.RouteRequest;

/**
 * Builds the routing input of a chat request: its features, the caller's team and the tightenings of the
 * {@code x-tollgate-*} headers, each validated (400 naming the header). Shared by the chat path and
 * {@code /v1/route/explain}, so both decide alike. Stateless, thread-safe.
 */
final class RouteRequests {

    static final String MIN_QUALITY = "x-tollgate-min-quality";
    static final String TASK = "x-tollgate-task";
    static final String MAX_COST = "x-tollgate-max-cost-usd";

    private RouteRequests() {
    }

    static RouteRequest of(CallRequest request, HttpHeaders headers, Principal principal, TokenCounter tokens,
            Codecs codecs) {
        Map<WireFormat, Optional<String>> reasons = new EnumMap<>(WireFormat.class);
        return of(request.model(), () -> request.promptTokens(tokens), request.maxOutputTokens(), request.stream(),
                request.needs(), headers, principal).withChoices(request.choices())
                .withFormat(request.format(), backend -> reasons.computeIfAbsent(backend, f -> {
                    ApiError why = codecs.untranslatable(request, f);
                    return Optional.ofNullable(why == null ? null : why.message());
                }).orElse(null));
    }

    static RouteRequest of(String model, LongSupplier promptTokens, Integer maxOutputTokens, boolean stream,
            Set<Capability> needs, HttpHeaders headers, Principal principal) {
        String pinned = headers.getFirst(Headers.PROVIDER);
        return new RouteRequest(model, pinned == null || pinned.isBlank() ? null : pinned.trim(), promptTokens,
                maxOutputTokens, stream, needs, principal != null ? principal.team() : null, minQuality(headers),
                task(headers), maxCost(headers), 1);
    }

    private static Integer minQuality(HttpHeaders headers) {
        String text = headers.getFirst(MIN_QUALITY);
        if (text == null) {
            return null;
        }
        try {
            int value = Integer.parseInt(text.trim());
            if (value >= 0 && value <= 100) {
                return value;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw ApiError.invalidRequest("invalid_header", MIN_QUALITY + " must be a whole number from 0 to 100, but was '"
                + text + "'.", MIN_QUALITY).exception();
    }

    private static TaskFamily task(HttpHeaders headers) {
        String text = headers.getFirst(TASK);
        if (text == null) {
            return null;
        }
        return TaskFamily.fromName(text.trim()).orElseThrow(() -> ApiError.invalidRequest("invalid_header", TASK
                + " must be one of general, code, math, reasoning, but was '" + text + "'.", TASK).exception());
    }

    private static BigDecimal maxCost(HttpHeaders headers) {
        String text = headers.getFirst(MAX_COST);
        if (text == null) {
            return null;
        }
        try {
            BigDecimal value = new BigDecimal(text.trim());
            if (value.signum() >= 0) {
                return value;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw ApiError.invalidRequest("invalid_header", MAX_COST + " must be a decimal amount of USD >= 0, but was '"
                + text + "'.", MAX_COST).exception();
    }
}
