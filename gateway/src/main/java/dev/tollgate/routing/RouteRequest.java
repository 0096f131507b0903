package dev.tollgate.routing;

import java.util.function.LongSupplier;

/**
 * What the decision needs from a request. {@code promptTokens} is asked only when the order of several candidates
 * depends on it (the tokenizer is not free), and must return the same value every time. Immutable.
 *
 * @param model           the {@code model} field as the client sent it
 * @param pinnedProvider  a provider the client asked for ({@code x-tollgate-provider}), or null
 * @param maxOutputTokens the request's output cap, or null
 * @param stream          whether the client asked for a stream
 */
public record RouteRequest(String model, String pinnedProvider, LongSupplier promptTokens, Integer maxOutputTokens,
        boolean stream) {
}
