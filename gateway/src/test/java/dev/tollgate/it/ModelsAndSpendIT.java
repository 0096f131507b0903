package dev.tollgate.it;

import static dev.tollgate.it.FakeUpstream.chatCompletion;
import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code GET /v1/models} and {@code GET /v1/spend} through real HTTP. Spend tests make their calls on days of
 * their own (moving the clock), so calls made by other tests in the shared context never show up in them.
 */
class ModelsAndSpendIT extends GatewayITSupport {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    // ------------------------------------------------------------------ /v1/models

    @Test
    void modelsAreListedInOpenAisShapeWithExactPricesInForce() throws Exception {
        HttpResponse<String> response = get(ALPHA, "/v1/models");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type").orElseThrow()).startsWith("application/json");
        JsonNode root = JSON.readTree(response.body());
        assertThat(root.path("object").asString()).isEqualTo("list");
        List<String> ids = new ArrayList<>();
        root.path("data").forEach(m -> ids.add(m.path("id").asString()));
        assertThat(ids).doesNotHaveDuplicates().contains("gpt-4o", "gpt-4o-mini", "deepseek-chat", "claude-haiku-4-5");

        JsonNode mini = model(root, "gpt-4o-mini");
        assertThat(mini.path("object").asString()).isEqualTo("model");
        assertThat(mini.path("owned_by").asString()).isEqualTo("openai");
        assertThat(mini.path("created").asLong()).isEqualTo(Instant.parse("2024-10-01T00:00:00Z").getEpochSecond());
        assertThat(mini.path("tollgate").path("context_window").asLong()).isEqualTo(128_000);
        JsonNode offering = onlyOffering(mini);
        assertThat(offering.path("provider").asString()).isEqualTo("fake-openai");
        assertThat(offering.path("price_table").asString()).isEqualTo("openai");
        assertThat(offering.path("priced").asBoolean()).isTrue();
        // exact decimal strings, as written in the price table: never a binary floating-point number
        assertThat(offering.path("input_usd_per_1m").isString()).isTrue();
        assertThat(offering.path("input_usd_per_1m").asString()).isEqualTo("0.15");
        assertThat(offering.path("cached_input_usd_per_1m").asString()).isEqualTo("0.075");
        assertThat(offering.path("output_usd_per_1m").asString()).isEqualTo("0.60");
        assertThat(offering.path("cache_write_usd_per_1m").isNull()).isTrue();
        assertThat(offering.path("effective_from").asString()).isEqualTo("2024-10-01T00:00:00Z");
        assertThat(offering.path("source").asString()).startsWith("https://openai.com/api/pricing/");
        assertThat(offering.path("price_version").asString()).isEqualTo("openai/gpt-4o-mini@2024-10-01");
    }

    @Test
    void modelOfAnUnreachableBackendIsListedToo() throws Exception {
        JsonNode root = JSON.readTree(get(ALPHA, "/v1/models").body());

        JsonNode offering = onlyOffering(model(root, "gemini-2.5-flash"));

        assertThat(offering.path("provider").asString()).isEqualTo("dead");
        assertThat(offering.path("price_table").asString()).isEqualTo("google");
        assertThat(offering.path("input_usd_per_1m").asString()).isEqualTo("0.30");
        assertThat(offering.path("output_usd_per_1m").asString()).isEqualTo("2.50");
        assertThat(offering.path("effective_from").asString()).isEqualTo("2026-07-24T00:00:00Z");
        assertThat(offering.path("source").asString()).isNotBlank();
    }

    @Test
    void modelsOfDisabledBackendsAreNotListed() throws Exception {
        JsonNode root = JSON.readTree(get(ALPHA, "/v1/models").body());

        List<String> ids = new ArrayList<>();
        root.path("data").forEach(m -> ids.add(m.path("id").asString()));
        // Mistral's table is loaded, but no enabled backend is priced by it
        assertThat(ids).doesNotContain("mistral-large-latest", "mistral-small-latest");
    }

    @Test
    void modelsRequireAKey() throws Exception {
        HttpResponse<String> response = get(null, "/v1/models");

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.headers().firstValue("content-type").orElseThrow()).startsWith("application/json");
        assertThat(JSON.readTree(response.body()).path("error").path("code").asString()).isEqualTo("invalid_api_key");
        assertThat(response.body()).doesNotContain("gpt-4o-mini");
    }

    // ------------------------------------------------------------------ /v1/spend

    @Test
    void spendGroupsByDayProviderAndModelWithExactCostsThatSumToTheTotal() throws Exception {
        CLOCK.set(Instant.parse("2026-09-07T10:00:00Z"));
        call(BETA, "gpt-4o-mini", 1000, 500);          // 0.00015 + 0.0003 = 0.00045
        call(BETA, "gpt-4o-mini", 2000, 0);            // 0.0003
        call(BETA, "gpt-4o", 2000, 100);               // 0.005 + 0.001 = 0.006
        call(BETA, "deepseek-chat", 1_000_000, 1000);  // 0.28 + 0.00042 = 0.28042 (DeepSeek's 2025-09-29 row)
        call(ALPHA, "gpt-4o", 5, 5);                   // alpha's: 0.0000125 + 0.00005 = 0.0000625
        String refused = requestId(post(BETA, chatBody("no-such-model", false)));
        CLOCK.set(Instant.parse("2026-09-08T23:59:59Z"));
        call(BETA, "gpt-4o-mini", 10, 20);             // 0.0000015 + 0.000012 = 0.0000135
        ledgerRow(refused);

        JsonNode beta = spend(BETA, "?from=2026-09-07&to=2026-09-08");

        assertThat(beta.path("object").asString()).isEqualTo("spend");
        assertThat(beta.path("team").asString()).isEqualTo("beta");
        assertThat(beta.path("currency").asString()).isEqualTo("USD");
        assertThat(beta.path("from").asString()).isEqualTo("2026-09-07");
        assertThat(beta.path("to").asString()).isEqualTo("2026-09-08");
        assertThat(rows(beta)).as("the refused call is not spend").containsExactly(
                "2026-09-07 fake-deepseek deepseek-chat requests=1 in=1000000 out=1000 cost=0.280420",
                "2026-09-07 fake-openai gpt-4o requests=1 in=2000 out=100 cost=0.006000",
                "2026-09-07 fake-openai gpt-4o-mini requests=2 in=3000 out=500 cost=0.000750",
                "2026-09-08 fake-openai gpt-4o-mini requests=1 in=10 out=20 cost=0.0000135");
        BigDecimal sum = BigDecimal.ZERO;
        for (JsonNode row : beta.path("rows")) {
            sum = sum.add(new BigDecimal(row.path("cost_usd").asString()));
        }
        assertThat(beta.path("total_usd").asString()).isEqualTo("0.2871835");
        assertThat(new BigDecimal(beta.path("total_usd").asString())).isEqualByComparingTo(sum);
        assertThat(beta.path("requests").asLong()).isEqualTo(5);
        assertThat(beta.path("by_model").path("gpt-4o-mini").asString()).isEqualTo("0.0007635");
        assertThat(beta.path("by_provider").path("fake-openai").asString()).isEqualTo("0.0067635");
        assertThat(beta.path("by_provider").path("fake-deepseek").asString()).isEqualTo("0.280420");
        assertThat(beta.path("by_day").path("2026-09-07").asString()).isEqualTo("0.287170");
        assertThat(beta.path("by_day").path("2026-09-08").asString()).isEqualTo("0.0000135");

        JsonNode alpha = spend(ALPHA, "?from=2026-09-07&to=2026-09-08");

        assertThat(alpha.path("team").asString()).isEqualTo("alpha");
        assertThat(rows(alpha)).containsExactly(
                "2026-09-07 fake-openai gpt-4o requests=1 in=5 out=5 cost=0.0000625");
        assertThat(alpha.path("total_usd").asString()).isEqualTo("0.0000625");
    }

    @Test
    void spendFromToSelectsWholeUtcDaysAndDefaultsToTheMonthSoFar() throws Exception {
        CLOCK.set(Instant.parse("2026-08-10T23:59:59Z"));
        call(BETA, "gpt-4o", 1_000_000, 0);            // 2.50
        CLOCK.set(Instant.parse("2026-08-11T00:00:00Z"));
        call(BETA, "gpt-4o", 0, 1_000_000);            // 10.00

        JsonNode secondDay = spend(BETA, "?from=2026-08-11&to=2026-08-11");
        JsonNode firstDay = spend(BETA, "?from=2026-08-01&to=2026-08-10");
        JsonNode monthSoFar = spend(BETA, "");

        assertThat(rows(secondDay)).containsExactly(
                "2026-08-11 fake-openai gpt-4o requests=1 in=0 out=1000000 cost=10.000000");
        assertThat(secondDay.path("total_usd").asString()).isEqualTo("10.000000");
        assertThat(rows(firstDay)).containsExactly(
                "2026-08-10 fake-openai gpt-4o requests=1 in=1000000 out=0 cost=2.500000");
        assertThat(monthSoFar.path("from").asString()).isEqualTo("2026-08-01");
        assertThat(monthSoFar.path("to").asString()).isEqualTo("2026-08-11");
        assertThat(monthSoFar.path("total_usd").asString()).isEqualTo("12.500000");
        assertThat(monthSoFar.path("rows")).hasSize(2);
    }

    @Test
    void badDateIsA400NamingTheParameter() throws Exception {
        HttpResponse<String> response = get(BETA, "/v1/spend?from=2026-13-01");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.headers().firstValue("content-type").orElseThrow()).startsWith("application/json");
        JsonNode error = JSON.readTree(response.body()).path("error");
        assertThat(error.path("code").asString()).isEqualTo("invalid_value");
        assertThat(error.path("param").asString()).isEqualTo("from");
        assertThat(error.path("type").asString()).isEqualTo("invalid_request_error");
        assertThat(error.path("message").asString()).contains("2026-13-01");
    }

    @Test
    void rangeEndingBeforeItStartsIsA400() throws Exception {
        HttpResponse<String> response = get(BETA, "/v1/spend?from=2026-09-08&to=2026-09-07");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(response.body()).path("error").path("code").asString()).isEqualTo("invalid_value");
    }

    @Test
    void spendRequiresAKey() throws Exception {
        HttpResponse<String> response = get(null, "/v1/spend");

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(JSON.readTree(response.body()).path("error").path("code").asString()).isEqualTo("invalid_api_key");
    }

    // ------------------------------------------------------------------ helpers

    /** One successful call with the usage the upstream reports, waited for until it is in the ledger. */
    private void call(String key, String model, long promptTokens, long completionTokens) throws Exception {
        UPSTREAM.behave(FakeUpstream.json(200, chatCompletion("ok", promptTokens, completionTokens)));
        HttpResponse<String> response = post(key, chatBody(model, false));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        ledgerRow(requestId(response));
    }

    private JsonNode spend(String key, String query) throws Exception {
        HttpResponse<String> response = get(key, "/v1/spend" + query);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type").orElseThrow()).startsWith("application/json");
        return JSON.readTree(response.body());
    }

    private static List<String> rows(JsonNode spend) {
        List<String> rows = new ArrayList<>();
        for (JsonNode r : spend.path("rows")) {
            assertThat(r.path("cost_usd").isString()).isTrue();
            rows.add(r.path("day").asString() + " " + r.path("provider").asString() + " " + r.path("model").asString()
                    + " requests=" + r.path("requests").asLong() + " in=" + r.path("input_tokens").asLong()
                    + " out=" + r.path("output_tokens").asLong() + " cost=" + r.path("cost_usd").asString());
        }
        return rows;
    }

    private static JsonNode model(JsonNode list, String id) {
        for (JsonNode m : list.path("data")) {
            if (id.equals(m.path("id").asString())) {
                return m;
            }
        }
        throw new AssertionError("model " + id + " is not listed");
    }

    private static JsonNode onlyOffering(JsonNode model) {
        JsonNode providers = model.path("tollgate").path("providers");
        assertThat(providers).hasSize(1);
        return providers.get(0);
    }

    private static String requestId(HttpResponse<?> response) {
        return response.headers().firstValue("x-tollgate-request-id").orElseThrow();
    }
}
