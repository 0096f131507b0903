package dev.tollgate.gateway;

import java.util.concurrent.TimeUnit;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;

/**
 * Closes a connection whose request body the gateway will not read without destroying the answer it has just sent.
 * Closing a TCP connection with unread bytes in its receive buffer makes the kernel send a reset, and a client
 * that receives the reset before it has read the answer loses it (a client still sending gets "connection reset"
 * instead of the 401 or 413). So a connection marked with {@link #mark} (by the error handler when it answers
 * before reading a body it will not drain, and by {@link HttpLayerErrors}) is not closed at once when Reactor
 * Netty closes it after the answer: its output is shut down (the client reads the answer, then end of stream), and
 * what the client still sends is read and dropped, undecoded, until the client closes its side, or for at most
 * {@code timeoutMillis}, or {@code maxDiscardedBytes}; then the connection is closed. This is the "lingering close"
 * of other HTTP servers; it costs a timer and raw reads, never a buffer.
 * <p>
 * Sits in front of the HTTP codec, so dropped bytes are never parsed. Not thread-safe: one instance per connection,
 * used on its event loop.
 */
final class LingeringClose extends ChannelDuplexHandler {

    private static final AttributeKey<Boolean> LINGER = AttributeKey.valueOf("tollgate.lingeringClose");

    private final long timeoutMillis;
    private final long maxDiscardedBytes;
    private ChannelPromise closing;
    private ScheduledFuture<?> timer;
    private long discarded;

    /**
     * @param timeoutMillis     longest wait for the client to close its side
     * @param maxDiscardedBytes most bytes read and dropped while waiting
     */
    LingeringClose(long timeoutMillis, long maxDiscardedBytes) {
        this.timeoutMillis = timeoutMillis;
        this.maxDiscardedBytes = maxDiscardedBytes;
    }

    /** The next close of this connection lingers (see the class comment). Any thread. */
    static void mark(Channel channel) {
        channel.attr(LINGER).set(Boolean.TRUE);
    }

    /** Whether the connection's close will linger. */
    static boolean marked(Channel channel) {
        return Boolean.TRUE.equals(channel.attr(LINGER).get());
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) throws Exception {
        Channel channel = ctx.channel();
        if (closing != null) {
            // already lingering: another close (Reactor Netty's, on a failed write) ends it now
            cancelTimer();
            super.close(ctx, promise);
            return;
        }
        if (!marked(channel) || !channel.isActive() || !(channel instanceof DuplexChannel duplex)) {
            super.close(ctx, promise);
            return;
        }
        closing = promise;
        timer = ctx.executor().schedule(() -> closeNow(ctx), timeoutMillis, TimeUnit.MILLISECONDS);
        duplex.shutdownOutput().addListener(done -> {
            if (!done.isSuccess()) {
                closeNow(ctx);
            }
        });
        // Reactor Netty may have stopped reading (no one wants the body): read, to see the client's end of stream
        channel.config().setAutoRead(true);
        ctx.read();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (closing == null) {
            super.channelRead(ctx, msg);
            return;
        }
        if (msg instanceof ByteBuf buf) {
            discarded += buf.readableBytes();
        }
        ReferenceCountUtil.release(msg);
        if (discarded > maxDiscardedBytes) {
            closeNow(ctx);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        // the client closed its side (the transport closes on end of stream), or the close below went through
        if (closing != null) {
            cancelTimer();
            closing.trySuccess();
        }
        super.channelInactive(ctx);
    }

    /** Ends the lingering: the close goes on towards the transport (not through this handler again). */
    private void closeNow(ChannelHandlerContext ctx) {
        cancelTimer();
        if (ctx.channel().isOpen()) {
            ctx.close();
        }
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
        }
    }
}
