package dev.tollgate.config;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import reactor.netty.NettyPipeline;
import reactor.netty.channel.ChannelOperations;
import reactor.netty.http.server.HttpServerRequest;

/**
 * Asks for the next read on a kept-alive HTTP/1.1 connection that Reactor Netty left unread: a workaround for
 * reactor-netty issue #4361 ("HTTP/1.1 keep-alive connection stops reading after a queued request completes
 * synchronously"), which reactor-netty-http 1.3.5 and 1.3.6 have. It was fixed in reactor-netty's snapshots in
 * 2026-09; once the build resolves a release with that fix, this class and its installation
 * ({@link ServerConfiguration}) can go ({@code KeepAliveReadGuardTest} says when: its check of the library fails).
 * <p>
 * The defect: Reactor Netty's server reads a connection on demand (auto-read off), so after every exchange something
 * must ask for the next read. A request that arrives while the previous exchange on its connection is still open
 * is queued by Reactor Netty's {@code HttpTrafficHandler}, followed by the request's end ({@code LastHttpContent}).
 * When the previous exchange ends, the queue is drained: the queued request is handed to a new exchange, and if
 * that exchange is answered at once (a {@code GET /v1/models}), it ends while its request's end is still queued.
 * Its end finds the queue not empty, so it schedules another drain instead of a read; the running drain then hands
 * the request's end to no exchange, the scheduled one finds the queue empty, and neither asks for a read. Nothing
 * reads the connection again: the client's next request waits forever while every event loop is idle.
 * <p>
 * The trace that path leaves, and that this handler watches for: request content reaching the exchange's bridge
 * while no exchange is bound to the connection. The handler sits just before the bridge; on such content it checks,
 * in a later task of the connection's event loop (after the drains already scheduled), whether the connection is
 * still open with no exchange and reading off, and if so asks for one read, which is what Reactor Netty does after
 * every other exchange. Asking for a read while one is pending changes nothing, so a needless check is harmless;
 * the check never reads for an exchange in progress (whose reads Reactor Netty paces).
 * <p>
 * Not sharable: one instance per connection, used on that connection's event loop only.
 */
final class KeepAliveReadGuard extends ChannelInboundHandlerAdapter {

    /** Name of the handler in the connection's pipeline. */
    static final String NAME = "tollgate.keepAliveReadGuard";

    private boolean checkScheduled;

    /** Adds a guard to a new HTTP/1.1 server connection's pipeline; other pipelines (none here) are left alone. */
    static void install(Channel channel) {
        ChannelPipeline pipeline = channel.pipeline();
        if (pipeline.get(NettyPipeline.HttpTrafficHandler) != null
                && pipeline.get(NettyPipeline.ReactiveBridge) != null) {
            pipeline.addBefore(NettyPipeline.ReactiveBridge, NAME, new KeepAliveReadGuard());
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        // read before passing the message on: the bridge may bind or end an exchange while handling it
        boolean orphan = msg instanceof HttpContent && !(msg instanceof HttpRequest) && !exchangeBound(ctx.channel());
        ctx.fireChannelRead(msg);
        if (orphan && !checkScheduled) {
            checkScheduled = true;
            ctx.executor().execute(() -> {
                checkScheduled = false;
                Channel channel = ctx.channel();
                if (channel.isActive() && !channel.config().isAutoRead() && !exchangeBound(channel)) {
                    ctx.read();
                }
            });
        }
    }

    private static boolean exchangeBound(Channel channel) {
        return ChannelOperations.get(channel) instanceof HttpServerRequest;
    }
}
