package dev.tollgate.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.tollgate.soak.KeepAliveSoak.Response;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.resources.LoopResources;

/**
 * reactor-netty issue #4361 on a bare Reactor Netty server (no Spring, no gateway), and the guard that works around
 * it. The client pipelines two requests in one write, a slow one (answered after 50 ms) and a fast one (answered
 * at once), reads both answers and sends a third request on the same connection: without the guard the third is
 * never read.
 */
class KeepAliveReadGuardTest {

    private static final byte[] SLOW_THEN_FAST = ("GET /slow HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
            + "GET /fast HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    private static final byte[] FAST = "GET /fast HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
            .getBytes(StandardCharsets.US_ASCII);

    private final LoopResources loops = LoopResources.create("guard-test", 1, 2, true);
    private DisposableServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.disposeNow();
        }
        loops.disposeLater(Duration.ZERO, Duration.ofSeconds(5)).block(Duration.ofSeconds(10));
    }

    @Test
    void aRequestAfterAPipelinedRequestAnsweredAtOnceIsRead() throws Exception {
        server = start(HttpServer.create().doOnChannelInit((observer, channel, remote) ->
                KeepAliveReadGuard.install(channel)));

        try (Socket socket = connect()) {
            InputStream in = pipelineSlowThenFast(socket);
            socket.getOutputStream().write(FAST);

            Response third = Response.read(in, false);
            assertThat(third.status()).isEqualTo(200);
            assertThat(third.body()).isEqualTo("fast");
        }
    }

    /**
     * The library's defect itself, which is why the guard exists. When this test fails, the resolved reactor-netty
     * reads the third request by itself: #4361 is fixed in it, and {@link KeepAliveReadGuard} can be removed.
     */
    @Test
    void reactorNettyAloneNeverReadsThatRequest() throws Exception {
        server = start(HttpServer.create());

        try (Socket socket = connect()) {
            InputStream in = pipelineSlowThenFast(socket);
            socket.getOutputStream().write(FAST);

            assertThatThrownBy(() -> Response.read(in, false))
                    .as("reactor-netty answered the third request without the guard: issue #4361 is fixed in the "
                            + "version the build resolves; remove KeepAliveReadGuard")
                    .isInstanceOf(SocketTimeoutException.class);
        }
    }

    @Test
    void requestContentThatReachesNoExchangeOnAnUnreadConnectionAsksForARead() {
        ReadCounter reads = new ReadCounter();
        EmbeddedChannel channel = new EmbeddedChannel(reads, new KeepAliveReadGuard());
        channel.config().setAutoRead(false);
        reads.count = 0;

        channel.pipeline().fireChannelRead(LastHttpContent.EMPTY_LAST_CONTENT);
        assertThat(reads.count).as("checked in a later task, not at once").isZero();
        channel.runPendingTasks();

        assertThat(reads.count).isEqualTo(1);
    }

    @Test
    void aConnectionThatReadsByItselfIsLeftAlone() {
        ReadCounter reads = new ReadCounter();
        EmbeddedChannel channel = new EmbeddedChannel(reads, new KeepAliveReadGuard());
        channel.config().setAutoRead(true);
        reads.count = 0;

        channel.pipeline().fireChannelRead(LastHttpContent.EMPTY_LAST_CONTENT);
        channel.runPendingTasks();

        assertThat(reads.count).isZero();
    }

    private DisposableServer start(HttpServer base) {
        return base.runOn(loops).host("127.0.0.1").port(0)
                .handle((request, response) -> response.sendString(request.uri().equals("/slow")
                        ? Mono.delay(Duration.ofMillis(50)).thenReturn("slow") : Mono.just("fast")))
                .bindNow(Duration.ofSeconds(5));
    }

    private Socket connect() throws IOException {
        Socket socket = new Socket("127.0.0.1", server.port());
        socket.setSoTimeout(2_000);
        return socket;
    }

    /** Writes both requests at once and reads both answers. */
    private static InputStream pipelineSlowThenFast(Socket socket) throws IOException {
        socket.getOutputStream().write(SLOW_THEN_FAST);
        InputStream in = new BufferedInputStream(socket.getInputStream());
        assertThat(Response.read(in, false).body()).isEqualTo("slow");
        assertThat(Response.read(in, false).body()).isEqualTo("fast");
        return in;
    }

    /** Counts the reads asked of the channel. */
    private static final class ReadCounter extends ChannelOutboundHandlerAdapter {
        int count;

        @Override
        public void read(ChannelHandlerContext ctx) {
            count++;
            ctx.read();
        }
    }
}
