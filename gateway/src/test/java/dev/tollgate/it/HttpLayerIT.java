package dev.tollgate.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.junit.jupiter.api.Test;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What the HTTP layer itself refuses, and what is left of a request body the gateway refused unread, over raw
 * sockets (the JDK client sends neither malformed requests nor half a body): every refusal is JSON in OpenAI's shape
 * (Anthropic's on the Messages API) with its length, a connection that cannot carry another request is closed after
 * the answer, and one that can carries the next request.
 */
class HttpLayerIT extends GatewayITSupport {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String WRONG_KEY = "sk-test-nobody";

    // ------------------------------------------------------------------ refused by the HTTP decoder

    @Test
    void headersOfSixtyFourKibibytesGet431AsJsonAndTheConnectionIsClosed() throws Exception {
        try (RawHttp http = RawHttp.connect(port)) {
            http.send("GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + ALPHA
                    + "\r\nX-Padding: " + "a".repeat(64 * 1024) + "\r\n\r\n");

            JsonNode error = assertRefusal(http.read(), 431, "request_headers_too_large");
            assertThat(error.path("message").asString()).contains("headers are larger than the gateway accepts");
            assertThat(http.closedByServer()).isTrue();
        }
    }

    @Test
    void aRequestLineOverTheLimitGets414AsJsonAndTheConnectionIsClosed() throws Exception {
        try (RawHttp http = RawHttp.connect(port)) {
            http.send("GET /v1/models?q=" + "a".repeat(8 * 1024) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");

            JsonNode error = assertRefusal(http.read(), 414, "request_line_too_long");
            assertThat(error.path("message").asString()).contains("request line");
            assertThat(http.closedByServer()).isTrue();
        }
    }

    @Test
    void aMalformedRequestLineGets400AsJsonAndTheConnectionIsClosed() throws Exception {
        try (RawHttp http = RawHttp.connect(port)) {
            http.send("THIS IS NOT HTTP\r\nHost: 127.0.0.1\r\n\r\n");

            assertRefusal(http.read(), 400, "invalid_request_line");
            assertThat(http.closedByServer()).isTrue();
        }
    }

    @Test
    void anInvalidHeaderGets400AsJsonAndTheConnectionIsClosed() throws Exception {
        try (RawHttp http = RawHttp.connect(port)) {
            http.send("GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nBad Header: value\r\n\r\n");

            assertRefusal(http.read(), 400, "invalid_header");
            assertThat(http.closedByServer()).isTrue();
        }
    }

    @Test
    void brokenChunkedEncodingGets400AsJsonAndTheConnectionIsClosed() throws Exception {
        try (RawHttp http = RawHttp.connect(port)) {
            http.send("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + ALPHA
                    + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "5\r\n{\"mod\r\nzz-not-a-size\r\n");

            assertRefusal(http.read(), 400, "invalid_chunked_encoding");
            assertThat(http.closedByServer()).isTrue();
        }
        // the call the gateway had begun is recorded with the error the client got, not as a body of its own
        await().atMost(Duration.ofSeconds(10)).until(() -> jdbc.queryForObject(
                "SELECT COUNT(*) FROM ledger WHERE error_code = 'invalid_chunked_encoding' AND status = 400",
                Integer.class) > 0);
    }

    @Test
    void onTheMessagesApiAnInvalidHeaderGets400InAnthropicsShape() throws Exception {
        try (RawHttp http = RawHttp.connect(port)) {
            http.send("POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nx-api-key: " + ALPHA
                    + "\r\nanthropic-version: 2023-06-01\r\nBad Header: value\r\n\r\n");

            assertAnthropicRefusal(http.read(), 400, "invalid_request_error");
            assertThat(http.closedByServer()).isTrue();
        }
    }

    @Test
    void onTheMessagesApiHeadersOverTheLimitGet431InAnthropicsShape() throws Exception {
        try (RawHttp http = RawHttp.connect(port)) {
            http.send("POST /v1/messages?beta=true HTTP/1.1\r\nHost: 127.0.0.1\r\nx-api-key: " + ALPHA
                    + "\r\nX-Filler: " + "a".repeat(64 * 1024) + "\r\n\r\n");

            assertAnthropicRefusal(http.read(), 431, "invalid_request_error");
            assertThat(http.closedByServer()).isTrue();
        }
    }

    @Test
    void onTheMessagesApiBrokenChunkedEncodingGets400InAnthropicsShape() throws Exception {
        try (RawHttp http = RawHttp.connect(port)) {
            http.send("POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nx-api-key: " + ALPHA
                    + "\r\nanthropic-version: 2023-06-01\r\nContent-Type: application/json"
                    + "\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"mod\r\nzz-not-a-size\r\n");

            JsonNode error = assertAnthropicRefusal(http.read(), 400, "invalid_request_error");
            assertThat(error.path("message").asString()).contains("chunked");
            assertThat(http.closedByServer()).isTrue();
        }
    }

    // ------------------------------------------------------------------ bodies refused unread

    @Test
    void aSmallUnreadBodyIsDrainedAndTheConnectionCarriesTheNextRequest() throws Exception {
        String body = chatBody("gpt-4o-mini", false).replace("Say hello", "x".repeat(1024));
        try (RawHttp http = RawHttp.connect(port)) {
            http.send(post(WRONG_KEY, body.length()) + body);

            RawHttp.Response refused = http.read();
            assertThat(refused.status()).isEqualTo(401);
            assertThat(refused.header("connection")).isNull();

            http.send("GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + ALPHA + "\r\n\r\n");
            RawHttp.Response next = http.read();
            assertThat(next.status()).as("the next request on the same connection: %s", next.text()).isEqualTo(200);
            assertThat(JSON.readTree(next.body()).path("object").asString()).isEqualTo("list");
        }
    }

    @Test
    void aBodyDeclaredLargerThanTheDrainBoundIsNotReadAndTheConnectionIsClosedAfterTheAnswer() throws Exception {
        try (RawHttp http = RawHttp.connect(port)) {
            // 64 MiB announced, 16 KiB sent: the answer must not wait for the rest
            http.send(post(WRONG_KEY, 64 * 1024 * 1024) + "x".repeat(16 * 1024));

            RawHttp.Response refused = http.read();
            assertThat(refused.status()).isEqualTo(401);
            assertThat(JSON.readTree(refused.body()).path("error").path("code").asString())
                    .isEqualTo("invalid_api_key");
            assertThat(refused.header("connection")).isEqualToIgnoringCase("close");
            assertThat(http.closedByServer()).isTrue();
            // the close lingers: a client still sending its body is not reset while it may be reading the answer
            http.send("x".repeat(32 * 1024));
            Thread.sleep(200);
            assertThat(http.endsCleanly()).as("end of stream, not a reset").isTrue();
        }
    }

    @Test
    void aChunkedBodyThatGrowsPastTheDrainBoundIsReadNoFurtherAndTheConnectionIsClosed() throws Exception {
        try (RawHttp http = RawHttp.connect(port)) {
            http.send("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + WRONG_KEY
                    + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
            String chunk = "x".repeat(8 * 1024);
            StringBuilder chunks = new StringBuilder();
            for (int i = 0; i < 32; i++) { // 256 KiB, and no last chunk: a drain would wait for ever
                chunks.append(Integer.toHexString(chunk.length())).append("\r\n").append(chunk).append("\r\n");
            }
            http.send(chunks.toString());

            RawHttp.Response refused = http.read();
            assertThat(refused.status()).isEqualTo(401);
            assertThat(refused.header("connection")).isEqualToIgnoringCase("close");
            assertThat(http.closedByServer()).isTrue();
        }
    }

    // ------------------------------------------------------------------ helpers

    private static String post(String key, long contentLength) {
        return "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + key
                + "\r\nContent-Type: application/json\r\nContent-Length: " + contentLength + "\r\n\r\n";
    }

    /** The refusal's status, Anthropic's error shape, a JSON content type, an exact length, and Connection: close. */
    private static JsonNode assertAnthropicRefusal(RawHttp.Response response, int status, String type) {
        assertThat(response.status()).as("status line %s, body %s", response.statusLine(), response.text())
                .isEqualTo(status);
        assertThat(response.header("content-type")).startsWith("application/json");
        assertThat(response.header("content-length")).isEqualTo(Integer.toString(response.body().length));
        assertThat(response.header("connection")).isEqualToIgnoringCase("close");
        JsonNode root = JSON.readTree(new String(response.body(), StandardCharsets.UTF_8));
        assertThat(root.path("type").asString()).isEqualTo("error");
        JsonNode error = root.path("error");
        assertThat(error.path("type").asString()).isEqualTo(type);
        assertThat(error.path("message").asString()).isNotBlank();
        return error;
    }

    /** The refusal's status, OpenAI's error shape, a JSON content type, an exact length, and Connection: close. */
    private static JsonNode assertRefusal(RawHttp.Response response, int status, String code) {
        assertThat(response.status()).as("status line %s, body %s", response.statusLine(), response.text())
                .isEqualTo(status);
        assertThat(response.header("content-type")).startsWith("application/json");
        assertThat(response.header("content-length")).isEqualTo(Integer.toString(response.body().length));
        assertThat(response.header("connection")).isEqualToIgnoringCase("close");
        JsonNode root = JSON.readTree(new String(response.body(), StandardCharsets.UTF_8));
        assertThat(root.propertyNames()).containsExactly("error");
        JsonNode error = root.path("error");
        assertThat(error.propertyNames()).containsExactlyInAnyOrder("message", "type", "param", "code");
        assertThat(error.path("type").asString()).isEqualTo("invalid_request_error");
        assertThat(error.path("param").isNull()).isTrue();
        assertThat(error.path("code").asString()).isEqualTo(code);
        assertThat(error.path("message").asString()).isNotBlank();
        return error;
    }
}
