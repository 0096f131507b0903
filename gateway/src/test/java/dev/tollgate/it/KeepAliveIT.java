package dev.tollgate.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.tollgate.soak.KeepAliveSoak.Response;

/**
 * A client that keeps its connection alive, on a raw socket so that the test decides when each byte is sent: every
 * request is answered, whatever came before it on the connection (docs/PERFORMANCE.md, "Kept-alive connections
 * that stopped being read").
 */
class KeepAliveIT extends GatewayITSupport {

    private static final int CALLS = 60;

    @BeforeEach
    void upstream() {
        UPSTREAM.behave(FakeUpstream.chatOrStream(Duration.ofMillis(1)));
    }

    /**
     * reactor-netty #4361: the chat call is still open when the models request is read, so the models request is
     * queued; answered at once, it used to leave the connection unread, and the third request waited forever.
     */
    @Test
    void aRequestAfterAPipelinedChatCallAndModelsRequestIsAnswered() throws Exception {
        try (Socket socket = connect()) {
            OutputStream out = socket.getOutputStream();
            InputStream in = new BufferedInputStream(socket.getInputStream());
            out.write(concat(chat(false), get("/v1/models")));
            assertThat(Response.read(in, false).status()).isEqualTo(200);
            assertThat(Response.read(in, false).status()).isEqualTo(200);

            out.write(get("/v1/models"));
            Response third = Response.read(in, false);

            assertThat(third.status()).isEqualTo(200);
            assertThat(third.body()).contains("\"object\":\"list\"");
        }
    }

    /**
     * Sequential requests, each sent the instant the previous answer is complete, as an SDK client does: each is
     * read when the previous exchange has ended, never queued behind it, because a non-streamed answer is written
     * whole and its exchange ends in the same event-loop task.
     */
    @Test
    void sequentialRequestsOnAKeptAliveConnectionFindThePreviousExchangeEnded() throws Exception {
        long queued = ExchangeProbe.requestsReadWhileExchangeOpen.get();
        long whole = ExchangeProbe.wholeChatAnswers.get();
        long inParts = ExchangeProbe.chatAnswersInParts.get();
        try (Socket socket = connect()) {
            OutputStream out = socket.getOutputStream();
            InputStream in = new BufferedInputStream(socket.getInputStream());
            for (int i = 0; i < CALLS; i++) {
                out.write(chat(false));
                Response answer = Response.read(in, false);
                assertThat(answer.status()).as("chat call %d", i).isEqualTo(200);
                assertThat(answer.body()).contains("\"content\":\"hello\"");
                out.write(get(i % 2 == 0 ? "/v1/models" : "/v1/budgets"));
                assertThat(Response.read(in, false).status()).as("request after chat call %d", i).isEqualTo(200);
                if (i % 10 == 0) {
                    out.write(chat(true));
                    Response stream = Response.read(in, false);
                    assertThat(stream.status()).isEqualTo(200);
                    assertThat(stream.body()).contains("data: [DONE]");
                }
            }
        }
        assertThat(ExchangeProbe.chatAnswersInParts.get() - inParts).as("answers written in parts").isZero();
        assertThat(ExchangeProbe.wholeChatAnswers.get() - whole).as("answers written whole").isEqualTo(CALLS);
        assertThat(ExchangeProbe.requestsReadWhileExchangeOpen.get() - queued)
                .as("requests read while the previous exchange was open").isZero();
    }

    private Socket connect() throws IOException {
        Socket socket = new Socket("127.0.0.1", port);
        socket.setTcpNoDelay(true);
        socket.setSoTimeout(5_000);
        return socket;
    }

    private byte[] chat(boolean stream) {
        byte[] body = chatBody("gpt-4o-mini", stream).getBytes(StandardCharsets.UTF_8);
        return concat(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nAuthorization: Bearer "
                + ALPHA + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII), body);
    }

    private byte[] get(String path) {
        return ("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nAuthorization: Bearer " + ALPHA
                + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] all = new byte[a.length + b.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
