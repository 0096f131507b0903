package dev.tollgate.gateway;

import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;

import io.netty.channel.Channel;
import reactor.netty.Connection;

/** The Netty connection under a request, for what only the connection knows. Stateless, thread-safe. */
final class NettyChannels {

    private NettyChannels() {
    }

    /** The request's connection; null when the server is not Reactor Netty (a mock request in a test). */
    static Channel of(ServerHttpRequest request) {
        Object nativeRequest;
        try {
            nativeRequest = ServerHttpRequestDecorator.getNativeRequest(request);
        } catch (IllegalArgumentException | IllegalStateException notReactorNetty) {
            return null;
        }
        return nativeRequest instanceof Connection connection ? connection.channel() : null;
    }
}
