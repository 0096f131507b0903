package dev.tollgate.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import org.junit.jupiter.api.Test;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Without {@code tollgate.admin.key-hash} (the shared test context) the admin API is off: every {@code /admin} call,
 * with or without a key, is a 404 in OpenAI's error shape saying how to turn it on.
 */
class AdminApiOffIT extends GatewayITSupport {

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void everyAdminCallIsA404SayingHowToTurnItOn() throws Exception {
        for (String[] call : new String[][] {{"GET", "/admin/budgets", null}, {"GET", "/admin/rate-limits", ALPHA},
                {"PUT", "/admin/budgets/team/beta", "sk-anything"}, {"POST", "/admin/budgets/team/beta/reset", null},
                {"GET", "/admin/unknown", null}, {"GET", "/admin", null}}) {
            HttpRequest.Builder b = HttpRequest.newBuilder(uri(call[1])).timeout(Duration.ofSeconds(20))
                    .method(call[0], HttpRequest.BodyPublishers.ofString("{\"amount_usd\": \"1\"}"));
            if (call[2] != null) {
                b.header("authorization", "Bearer " + call[2]);
            }
            HttpResponse<String> response = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());

            JsonNode error = AdminApiIT.assertError(response, 404, "admin_api_disabled");
            assertThat(error.path("type").asString()).isEqualTo("invalid_request_error");
            assertThat(error.path("message").asString()).contains("tollgate.admin.key-hash").contains("hash-key");
        }
    }

    @Test
    void healthDetailsAreA404SayingHowToTurnTheAdminApiOnAndTheStatusStaysOpen() throws Exception {
        HttpResponse<String> details = HTTP.send(HttpRequest.newBuilder(uri("/actuator/health/details"))
                .timeout(Duration.ofSeconds(20)).GET().build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> health = HTTP.send(HttpRequest.newBuilder(uri("/actuator/health"))
                .timeout(Duration.ofSeconds(20)).GET().build(), HttpResponse.BodyHandlers.ofString());

        AdminApiIT.assertError(details, 404, "admin_api_disabled");
        assertThat(health.statusCode()).isEqualTo(200);
        JsonNode root = JsonMapper.builder().build().readTree(health.body());
        assertThat(root.path("status").asString()).isEqualTo("UP");
        assertThat(root.findValues("details")).as("no details: %s", health.body()).isEmpty();
    }
}
