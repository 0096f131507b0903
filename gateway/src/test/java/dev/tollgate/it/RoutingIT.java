package dev.tollgate.it;

import static dev.tollgate.it.FakeUpstream.chatCompletion;
import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Quality-aware routing through HTTP: an alias, the route and explain headers, the explain endpoint, savings. */
class RoutingIT extends GatewayITSupport {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Test
    void aliasGoesToTheCheapestBackendMeetingItsQualityFloorAndRecordsTheSaving() throws Exception {
        UPSTREAM.behave(FakeUpstream.json(200, chatCompletion("ok", 1000, 100)));

        HttpResponse<String> response = post(ALPHA, chatBody("good-enough", false), "x-tollgate-explain", "true");

        assertThat(response.statusCode()).isEqualTo(200);
        // deepseek-chat scores 77 (general) in pricing/quality.yaml and is the cheapest model at or above 75
        assertThat(response.headers().firstValue("x-tollgate-provider")).hasValue("fake-deepseek");
        assertThat(response.headers().firstValue("x-tollgate-model")).hasValue("deepseek-chat");
        assertThat(response.headers().firstValue("x-tollgate-route").orElseThrow())
                .startsWith("requested=good-enough; backend=fake-deepseek/deepseek-chat; estimated_cost_usd=");
        JsonNode explain = JSON.readTree(response.headers().firstValue("x-tollgate-explain").orElseThrow());
        assertThat(explain.path("alias").asString()).isEqualTo("good-enough");
        assertThat(explain.path("chosen").asString()).isEqualTo("fake-deepseek/deepseek-chat");
        assertThat(explain.path("excluded_by_reason").path("quality_too_low").asInt()).isPositive();
        assertThat(UPSTREAM.take().body()).contains("\"model\":\"deepseek-chat\"");

        Map<String, Object> row = ledgerRow(response.headers().firstValue("x-tollgate-request-id").orElseThrow());
        // actual: 1000 x 0.28 + 100 x 0.42 per 1M; counterfactual on gpt-4o: 1000 x 2.50 + 100 x 10.00 per 1M
        assertThat((BigDecimal) row.get("COST_USD")).isEqualByComparingTo("0.000322");
        assertThat((BigDecimal) row.get("COUNTERFACTUAL_COST_USD")).isEqualByComparingTo("0.0035");
        assertThat(row).containsEntry("BASELINE_MODEL", "gpt-4o").containsEntry("ROUTE_ALIAS", "good-enough");
        assertThat(metric("tollgate_savings_usd_total", "team=\"alpha\"")).isPositive();
    }

    @Test
    void explainEndpointReturnsTheWholeDecisionWithoutCallingABackend() throws Exception {
        UPSTREAM.behave(FakeUpstream.hang());
        HttpRequest request = HttpRequest.newBuilder(uri("/v1/route/explain")).timeout(Duration.ofSeconds(10))
                .header("authorization", "Bearer " + ALPHA).header("content-type", "application/json")
                .header("x-tollgate-min-quality", "85")
                .POST(HttpRequest.BodyPublishers.ofString(chatBody("good-enough", false))).build();

        HttpResponse<String> response = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
                .send(request, HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode decision = JSON.readTree(response.body());
        assertThat(decision.path("routed").asBoolean()).isTrue();
        assertThat(decision.path("min_quality").asInt()).isEqualTo(85);
        assertThat(decision.path("candidates")).allSatisfy(c -> assertThat(c.path("quality").asInt()).isGreaterThanOrEqualTo(85));
        assertThat(decision.path("excluded")).anySatisfy(e -> assertThat(e.path("code").asString())
                .isEqualTo("quality_too_low"));
    }

    @Test
    void badTighteningHeaderIsA400NamingIt() throws Exception {
        HttpResponse<String> response = post(ALPHA, chatBody("good-enough", false), "x-tollgate-task", "poetry");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("\"param\":\"x-tollgate-task\"");
    }

    @Test
    void compareShowsEveryOfferingWithItsCostEligibilityAndSavingAgainstTheRequestedModel() throws Exception {
        JsonNode comparison = compare("{\"model\":\"o1\",\"input_tokens\":1000,\"output_tokens\":2000}");

        // o1: 1000 x 15.00 + 2000 x 60.00 per 1M
        assertThat(comparison.path("baseline_cost_usd").asString()).isEqualTo("0.135000");
        assertThat(comparison.path("chosen").asString()).isEqualTo("fake-openai/o1");
        JsonNode r1 = offering(comparison, "fake-deepseek", "deepseek-reasoner");
        // 1000 x 0.28 + 2000 x 0.42 per 1M, not eligible: team alpha does not allow substitution
        assertThat(r1.path("estimated_cost_usd").asString()).isEqualTo("0.001120");
        assertThat(r1.path("saving_usd").asString()).isEqualTo("0.133880");
        assertThat(r1.path("eligible").asBoolean()).isFalse();
        assertThat(r1.path("code").asString()).isEqualTo("not_requested");
        JsonNode o1 = offering(comparison, "fake-openai", "o1");
        assertThat(o1.path("eligible").asBoolean()).isTrue();
        assertThat(o1.path("rank").asInt()).isEqualTo(1);
        assertThat(o1.path("saving_usd").asString()).isEqualTo("0.000000");
        // cheapest first
        assertThat(comparison.path("offerings").get(0).path("estimated_cost_usd").asString()).isNotEmpty();
    }

    @Test
    void compareOfAnAliasMarksWhatTheFloorExcludes() throws Exception {
        JsonNode comparison = compare("{\"model\":\"good-enough\",\"input_tokens\":1000,\"output_tokens\":100,"
                + "\"cached_input_tokens\":0}");

        assertThat(comparison.path("chosen").asString()).isEqualTo("fake-deepseek/deepseek-chat");
        assertThat(offering(comparison, "fake-openai", "gpt-4o-mini").path("code").asString())
                .isEqualTo("quality_too_low");
        assertThat(offering(comparison, "fake-deepseek", "deepseek-chat").path("rank").asInt()).isEqualTo(1);
    }

    private JsonNode compare(String body) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(uri("/v1/cost/compare")).timeout(Duration.ofSeconds(10))
                .header("authorization", "Bearer " + ALPHA).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        HttpResponse<String> response = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
                .send(request, HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private static JsonNode offering(JsonNode comparison, String provider, String model) {
        for (JsonNode o : comparison.path("offerings")) {
            if (o.path("provider").asString().equals(provider) && o.path("model").asString().equals(model)) {
                return o;
            }
        }
        throw new AssertionError("no offering " + provider + "/" + model);
    }
}
