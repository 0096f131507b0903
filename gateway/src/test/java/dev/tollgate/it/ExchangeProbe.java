package dev.tollgate.it;

import java.util.concurrent.atomic.AtomicLong;

import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import reactor.netty.NettyPipeline;
import reactor.netty.channel.ChannelOperations;
import reactor.netty.http.server.HttpServerRequest;

/**
 * Watches the gateway's HTTP/1.1 connections from inside their pipelines, just after the HTTP codec: what was read
 * from the socket and what is written to it, before and after Reactor Netty's own handling. Installed on every
 * test gateway ({@link GatewayITSupport}); it only counts. Counters are global: a test reads them before and after
 * what it does (test classes run one at a time). Thread-safe.
 */
final class ExchangeProbe extends ChannelDuplexHandler {

    /** Requests read while the previous exchange on their connection was still open (Reactor Netty queues them). */
    static final AtomicLong requestsReadWhileExchangeOpen = new AtomicLong();
    /** Non-streamed chat answers written as one complete response (head, body and end in one message). */
    static final AtomicLong wholeChatAnswers = new AtomicLong();
    /** Non-streamed chat answers written in parts: the head first, the body and the end after. */
    static final AtomicLong chatAnswersInParts = new AtomicLong();

    static void install(Channel channel) {
        ChannelPipeline pipeline = channel.pipeline();
        if (pipeline.get(NettyPipeline.HttpCodec) != null) {
            pipeline.addAfter(NettyPipeline.HttpCodec, "test.exchangeProbe", new ExchangeProbe());
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest && ChannelOperations.get(ctx.channel()) instanceof HttpServerRequest) {
            requestsReadWhileExchangeOpen.incrementAndGet();
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof HttpResponse response && response.status().code() == 200
                && response.headers().contains("x-tollgate-provider")
                && response.headers().get("content-type", "").startsWith("application/json")) {
            (msg instanceof FullHttpResponse ? wholeChatAnswers : chatAnswersInParts).incrementAndGet();
        }
        ctx.write(msg, promise);
    }
}
