package dev.tollgate.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's start command works from any folder: the packaged jar (built by the package phase, before this
 * integration test), started with the demo profile in an empty temporary folder, serves a demo call from the
 * price tables and routing rules built into it, and says so in its log.
 */
class PackagedJarIT {

    private static final Path JAR = Path.of("target", "tollgate.jar").toAbsolutePath();
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    Path folder;

    @Test
    void theDemoStartedFromAnEmptyFolderServesACallFromTheBuiltInTables() throws Exception {
        assertThat(JAR).as("the packaged jar; run this test through mvn verify, which builds it first").exists();
        int port = freePort();
        Path log = folder.resolve("gateway.log");
        String javaCommand = ProcessHandle.current().info().command().orElse("java");
        Process gateway = new ProcessBuilder(List.of(javaCommand, "-Xmx512m", "-jar", JAR.toString(),
                "--spring.profiles.active=demo", "--server.port=" + port))
                .directory(folder.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            awaitReady(gateway, port, log);

            HttpResponse<String> call = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                    + "/v1/chat/completions")).timeout(Duration.ofSeconds(30))
                    .header("authorization", "Bearer sk-tollgate-demo").header("content-type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":"
                            + "\"user\",\"content\":\"Hello\"}]}")).build(), HttpResponse.BodyHandlers.ofString());

            assertThat(call.statusCode()).as(call.body()).isEqualTo(200);
            assertThat(call.headers().firstValue("x-tollgate-simulated")).hasValue("true");
            assertThat(call.headers().firstValue("x-tollgate-price-version")).hasValueSatisfying(
                    v -> assertThat(v).startsWith("openai/gpt-4o-mini@"));
            assertThat(Files.readString(log, StandardCharsets.UTF_8))
                    .contains("from built-in tables from the jar (pricing)")
                    .contains("from built-in tables from the jar (routing-rules/demo)");
            assertThat(folder.resolve("pricing")).doesNotExist();
        } finally {
            gateway.destroy();
            if (!gateway.waitFor(30, TimeUnit.SECONDS)) {
                gateway.destroyForcibly().waitFor();
            }
        }
    }

    /** Waits for the readiness probe; fails with the gateway's log if it stops or does not get ready in time. */
    private static void awaitReady(Process gateway, int port, Path log) throws Exception {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        HttpRequest readiness = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                + "/actuator/health/readiness")).timeout(Duration.ofSeconds(5)).GET().build();
        while (System.nanoTime() < deadline) {
            if (!gateway.isAlive()) {
                throw new AssertionError("the gateway stopped (exit " + gateway.exitValue() + "):\n" + tail(log));
            }
            try {
                if (HTTP.send(readiness, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(250);
        }
        throw new AssertionError("the gateway was not ready within " + START_TIMEOUT + ":\n" + tail(log));
    }

    private static String tail(Path log) throws IOException {
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
