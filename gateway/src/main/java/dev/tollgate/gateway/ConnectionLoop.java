package dev.tollgate.gateway;

import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.web.server.ServerWebExchange;

import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.netty.Connection;

/** The event loop that serves an exchange's client connection, as a Reactor {@link Scheduler}. Thread-safe. */
final class ConnectionLoop {

    private ConnectionLoop() {
    }

    /**
     * The loop of the Reactor Netty connection the exchange came in on; {@link Schedulers#immediate()} when the
     * request is not a Reactor Netty one (a mock in a test), where there is no loop to keep to.
     */
    static Scheduler of(ServerWebExchange exchange) {
        Object nativeRequest;
        try {
            nativeRequest = ServerHttpRequestDecorator.getNativeRequest(exchange.getRequest());
        } catch (RuntimeException notAvailable) {
            return Schedulers.immediate();
        }
        return nativeRequest instanceof Connection connection
                ? Schedulers.fromExecutor(connection.channel().eventLoop()) : Schedulers.immediate();
    }
}
