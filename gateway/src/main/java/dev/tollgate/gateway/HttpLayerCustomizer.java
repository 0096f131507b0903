package dev.tollgate.gateway;

import java.time.Duration;

import org.springframework.boot.reactor.netty.NettyServerCustomizer;

import io.netty.channel.ChannelPipeline;
import reactor.netty.NettyPipeline;
import reactor.netty.http.server.HttpServer;

/**
 * Adds Tollgate's two handlers to every HTTP/1.1 connection of the server, around Reactor Netty's codec:
 * {@link LingeringClose} in front of it and {@link HttpLayerErrors} behind it. Immutable, thread-safe.
 */
public final class HttpLayerCustomizer implements NettyServerCustomizer {

    /** Longest a lingering close waits for the client to close its side. */
    public static final Duration LINGER_TIMEOUT = Duration.ofSeconds(2);

    static final String LINGERING_CLOSE = "tollgate.lingeringClose";
    static final String HTTP_LAYER_ERRORS = "tollgate.httpLayerErrors";

    private final long lingerMaxBytes;

    /** @param lingerMaxBytes most bytes a lingering close reads and drops (the largest body a client may send) */
    public HttpLayerCustomizer(long lingerMaxBytes) {
        this.lingerMaxBytes = lingerMaxBytes;
    }

    @Override
    public HttpServer apply(HttpServer server) {
        return server.doOnChannelInit((observer, channel, remoteAddress) -> {
            ChannelPipeline pipeline = channel.pipeline();
            if (pipeline.get(NettyPipeline.HttpCodec) == null) {
                return; // not an HTTP/1.1 connection: nothing of Reactor Netty's HTTP/1.1 refusals applies
            }
            pipeline.addBefore(NettyPipeline.HttpCodec, LINGERING_CLOSE,
                    new LingeringClose(LINGER_TIMEOUT.toMillis(), lingerMaxBytes));
            pipeline.addAfter(NettyPipeline.HttpCodec, HTTP_LAYER_ERRORS, new HttpLayerErrors());
        });
    }
}
