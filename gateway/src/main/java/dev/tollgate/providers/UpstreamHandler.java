package dev.tollgate.providers;

import reactor.core.publisher.Flux;

/**
 * Turns an upstream answer into what the client receives. Called once per attempt when the response head arrives;
 * {@code body} emits the response body chunk by chunk as it arrives from the network.
 */
@FunctionalInterface
public interface UpstreamHandler<T> {

    Flux<T> handle(int status, String contentType, String retryAfter, Flux<byte[]> body);
}
