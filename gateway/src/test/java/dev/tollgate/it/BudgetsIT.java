package dev.tollgate.it;

import static dev.tollgate.it.FakeUpstream.chatCompletion;
import static dev.tollgate.it.FakeUpstream.chunk;
import static dev.tollgate.it.FakeUpstream.finishChunk;
import static dev.tollgate.it.FakeUpstream.usageChunk;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.InputStream;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.tollgate.wire.openai.ChatRequest;
import dev.tollgate.metering.TokenCounter;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Budgets and rate limits through real HTTP on one instance with the in-memory store (rules in
 * {@code src/test/resources/rules-budgets}): hard refusal with its headers, the remaining-budget header, streams
 * settled from their usage, a client that leaves mid-stream charged, period rollover, soft and shadow budgets that
 * alert without refusing, OpenAI-style rate limits, output capped to what a hard budget can cover, answers longer
 * than any cap. Most calls are {@code gpt-4o-mini} with {@code max_tokens} 5 and a fake upstream that reports
 * exactly the prompt tokens the gateway counts: a call costs {@code P x 0.15 + 5 x 0.60} per 1M tokens and reserves
 * {@code B x 0.15 + 5 x 0.60}, B being the body's length in bytes (the prompt's bound). Each test starts a new month
 * (the clock), so budgets start empty.
 */
class BudgetsIT extends GatewayITSupport {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String GAMMA = "sk-test-gamma";
    private static final String DELTA = "sk-test-delta";
    private static final String BODY = "{\"model\":\"gpt-4o-mini\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\","
            + "\"content\":\"Say hello\"}]}";
    private static final String STREAM_BODY = BODY.replace("\"max_tokens\":5,", "\"max_tokens\":5,\"stream\":true,");
    private static final long PROMPT = ChatRequest.parse(BODY.getBytes(StandardCharsets.UTF_8), JSON)
            .promptTokens(new TokenCounter());
    /** One call's cost, USD. */
    private static final BigDecimal CALL = BigDecimal.valueOf(PROMPT * 150 + 5 * 600, 9);
    /** What one call reserves (its worst case: the prompt at one token per byte), USD. */
    private static final BigDecimal WORST = BigDecimal.valueOf(BODY.getBytes(StandardCharsets.UTF_8).length * 150L
            + 5 * 600, 9);
    private static final String EPSILON = "sk-test-epsilon";
    private static int month;

    @DynamicPropertySource
    static void budgetRules(DynamicPropertyRegistry r) {
        r.add("tollgate.rules.location", () -> "src/test/resources/rules-budgets");
    }

    @BeforeEach
    void newMonthAndAnHonestUpstream() {
        // budgets are monthly/daily/weekly: a fresh month per test (two apart: one test moves to the next month)
        // gives every test empty counters
        CLOCK.set(Instant.parse("2027-01-15T12:00:00Z").atZone(java.time.ZoneOffset.UTC).plusMonths(2L * month++)
                .toInstant());
        UPSTREAM.behave(FakeUpstream.json(200, chatCompletion("hello", PROMPT, 5)));
    }

    @Test
    void hardBudgetAdmitsWhatFitsThenRefusesWithItsRemainingAndReset() throws Exception {
        BigDecimal limit = new BigDecimal("0.000025");
        assertThat(CALL.add(WORST)).as("a second call fits").isLessThanOrEqualTo(limit);
        assertThat(CALL.multiply(BigDecimal.valueOf(2)).add(WORST)).as("a third does not").isGreaterThan(limit);
        BigDecimal rejections = metric("tollgate_budget_rejections_total", "reason=\"budget_exceeded\",team=\"alpha\"");

        HttpResponse<String> first = post(ALPHA, BODY);
        HttpResponse<String> second = post(ALPHA, BODY);
        HttpResponse<String> third = post(ALPHA, BODY);

        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(new BigDecimal(first.headers().firstValue("x-tollgate-budget-remaining-usd").orElseThrow()))
                .as("what is left after this call's actual cost").isEqualByComparingTo(limit.subtract(CALL));
        assertThat(second.statusCode()).isEqualTo(200);
        assertThat(third.statusCode()).isEqualTo(429);
        JsonNode error = JSON.readTree(third.body()).path("error");
        assertThat(error.path("code").asString()).isEqualTo("budget_exceeded");
        assertThat(error.path("message").asString()).contains("monthly budget 'team:alpha' of 0.000025 USD");
        assertThat(third.headers().firstValue("x-should-retry")).hasValue("false");
        assertThat(third.headers().firstValue("x-tollgate-budget-reset")).hasValue(nextMonth().toString());
        assertThat(new BigDecimal(third.headers().firstValue("x-tollgate-budget-remaining-usd").orElseThrow()))
                .isEqualByComparingTo(limit.subtract(CALL.multiply(BigDecimal.valueOf(2))));
        assertThat(UPSTREAM.receivedCount()).isEqualTo(2);
        assertThat(ledgerRow(requestId(third))).containsEntry("STATUS", 429).containsEntry("OUTCOME", "rejected")
                .containsEntry("ERROR_CODE", "budget_exceeded");
        assertThat(metric("tollgate_budget_rejections_total", "reason=\"budget_exceeded\",team=\"alpha\"")
                .subtract(rejections)).isEqualByComparingTo("1");
        JsonNode budget = budgets(ALPHA).path("data").get(0);
        assertThat(budget.path("id").asString()).isEqualTo("team:alpha");
        assertThat(new BigDecimal(budget.path("spent_usd").asString()))
                .isEqualByComparingTo(CALL.multiply(BigDecimal.valueOf(2)));
        assertThat(budget.path("reserved_usd").asString()).isEqualTo("0");
        assertThat(budget.path("resets_at").asString()).isEqualTo(nextMonth().toString());
        assertThat(metric("tollgate_budget_spent_usd", "team=\"alpha\"").doubleValue())
                .isEqualTo(CALL.multiply(BigDecimal.valueOf(2)).doubleValue());
    }

    @Test
    void theNextPeriodStartsEmpty() throws Exception {
        assertThat(post(ALPHA, BODY).statusCode()).isEqualTo(200);
        assertThat(post(ALPHA, BODY).statusCode()).isEqualTo(200);
        assertThat(post(ALPHA, BODY).statusCode()).isEqualTo(429);

        Instant next = nextMonth();
        CLOCK.set(next);

        assertThat(post(ALPHA, BODY).statusCode()).isEqualTo(200);
        assertThat(budgets(ALPHA).path("data").get(0).path("period_start").asString()).isEqualTo(next.toString());
    }

    @Test
    void streamIsSettledFromItsStreamedUsage() throws Exception {
        UPSTREAM.behave(FakeUpstream.sse(List.of(chunk("Hel"), chunk("lo"), finishChunk(), usageChunk(PROMPT, 2),
                "[DONE]"), Duration.ofMillis(1)));

        HttpResponse<InputStream> response = openStream(ALPHA, STREAM_BODY);
        ChatCompletionsIT.readAll(lines(response));

        BigDecimal cost = BigDecimal.valueOf(PROMPT * 150 + 2 * 600, 9);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            JsonNode budget = budgets(ALPHA).path("data").get(0);
            assertThat(new BigDecimal(budget.path("spent_usd").asString())).isEqualByComparingTo(cost);
            assertThat(budget.path("reserved_usd").asString()).isEqualTo("0");
            assertThat(metric("tollgate_budget_reserved_usd", "team=\"alpha\"")).isZero();
            assertThat(metric("tollgate_budget_spent_usd", "team=\"alpha\"").doubleValue())
                    .isEqualTo(cost.doubleValue());
        });
    }

    @Test
    void clientLeavingMidStreamIsChargedForWhatWasDelivered() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        UPSTREAM.behave(FakeUpstream.gatedSse(List.of(chunk("Hello there"), finishChunk(), usageChunk(PROMPT, 5),
                "[DONE]"), gate));

        HttpResponse<InputStream> response = openStream(ALPHA, STREAM_BODY);
        String first = lines(response).readLine();
        response.body().close();

        assertThat(first).contains("Hello there");
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            JsonNode budget = budgets(ALPHA).path("data").get(0);
            assertThat(new BigDecimal(budget.path("spent_usd").asString())).isPositive();
            assertThat(budget.path("reserved_usd").asString()).isEqualTo("0");
        });
        gate.countDown();
    }

    @Test
    void softBudgetCrossesItsThresholdsAndAlertsWithoutRefusing() throws Exception {
        BigDecimal crossed100 = metric("tollgate_budget_threshold_crossed_total", "team=\"beta\",threshold=\"100\"");
        BigDecimal crossed50 = metric("tollgate_budget_threshold_crossed_total", "team=\"beta\",threshold=\"50\"");
        BigDecimal soft = metric("tollgate_budget_rejections_total", "reason=\"soft_budget_exceeded\",team=\"beta\"");

        for (int i = 0; i < 4; i++) {
            assertThat(post(BETA, BODY).statusCode()).isEqualTo(200);
        }
        // what a hard budget of 0.000017 would have refused: the calls whose worst case did not fit the rest
        BigDecimal limit = new BigDecimal("0.000017");
        int over = 0;
        for (int i = 0; i < 4; i++) {
            over += CALL.multiply(BigDecimal.valueOf(i)).add(WORST).compareTo(limit) > 0 ? 1 : 0;
        }
        assertThat(CALL.multiply(BigDecimal.valueOf(4))).as("the spend crosses 100%").isGreaterThanOrEqualTo(limit);

        assertThat(metric("tollgate_budget_threshold_crossed_total", "team=\"beta\",threshold=\"50\"")
                .subtract(crossed50)).isEqualByComparingTo("1");
        assertThat(metric("tollgate_budget_threshold_crossed_total", "team=\"beta\",threshold=\"100\"")
                .subtract(crossed100)).isEqualByComparingTo("1");
        assertThat(metric("tollgate_budget_rejections_total", "reason=\"soft_budget_exceeded\",team=\"beta\"")
                .subtract(soft)).isEqualByComparingTo(Integer.toString(over)).isNotZero();
    }

    @Test
    void shadowBudgetOnlyRecordsWhatItWouldHaveRefused() throws Exception {
        BigDecimal shadow = metric("tollgate_budget_rejections_total", "reason=\"shadow_budget_exceeded\",team=\"gamma\"");

        assertThat(post(GAMMA, BODY).statusCode()).isEqualTo(200);
        assertThat(post(GAMMA, BODY).statusCode()).isEqualTo(200);
        CLOCK.advance(Duration.ofSeconds(60)); // a fresh minute for the rate limit of 2 per minute
        assertThat(post(GAMMA, BODY).statusCode()).isEqualTo(200);

        assertThat(CALL.multiply(BigDecimal.valueOf(2)).add(WORST)).as("only the third would have been refused")
                .isGreaterThan(new BigDecimal("0.000025"));
        assertThat(metric("tollgate_budget_rejections_total", "reason=\"shadow_budget_exceeded\",team=\"gamma\"")
                .subtract(shadow)).isEqualByComparingTo("1");
    }

    @Test
    void requestsPerMinuteAreLimitedWithOpenAiStyleHeaders() throws Exception {
        HttpResponse<String> first = post(GAMMA, BODY);
        HttpResponse<String> second = post(GAMMA, BODY);
        HttpResponse<String> third = post(GAMMA, BODY);

        assertThat(first.headers().firstValue("x-ratelimit-limit-requests")).hasValue("2");
        assertThat(first.headers().firstValue("x-ratelimit-remaining-requests")).hasValue("1");
        assertThat(first.headers().firstValue("x-ratelimit-reset-requests")).hasValue("30s");
        assertThat(second.headers().firstValue("x-ratelimit-remaining-requests")).hasValue("0");
        assertThat(third.statusCode()).isEqualTo(429);
        assertThat(JSON.readTree(third.body()).path("error").path("code").asString()).isEqualTo("rate_limit_exceeded");
        assertThat(third.headers().firstValue("retry-after")).hasValue("30");
        assertThat(third.headers().firstValue("x-should-retry")).hasValue("true");
        assertThat(third.headers().firstValue("x-ratelimit-remaining-requests")).hasValue("0");

        CLOCK.advance(Duration.ofSeconds(30));
        assertThat(post(GAMMA, BODY).statusCode()).isEqualTo(200);
    }

    @Test
    void tokensPerMinuteCountTheEstimateThenTheActual() throws Exception {
        // delta: 60 tokens per minute; a call takes P + 5 at admission and gives back what it did not use
        UPSTREAM.behave(FakeUpstream.json(200, chatCompletion("hello", PROMPT, 1)));

        HttpResponse<String> first = post(DELTA, BODY);

        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.headers().firstValue("x-ratelimit-limit-tokens")).hasValue("60");
        assertThat(first.headers().firstValue("x-ratelimit-remaining-tokens")).hasValue(Long.toString(60 - PROMPT - 5));
        String big = BODY.replace("\"max_tokens\":5", "\"max_tokens\":100");
        HttpResponse<String> tooBig = post(DELTA, big);
        assertThat(tooBig.statusCode()).isEqualTo(429);
        assertThat(tooBig.headers().firstValue("x-should-retry")).hasValue("false");
        assertThat(JSON.readTree(tooBig.body()).path("error").path("message").asString())
                .contains("needs more tokens than the rate limit 'team:delta' allows per minute");
        JsonNode app = budgets(DELTA).path("data").get(0);
        assertThat(app.path("id").asString()).isEqualTo("app:delta/reports");
        assertThat(app.path("period").asString()).isEqualTo("none");
        assertThat(app.path("resets_at").isNull()).isTrue();
    }

    @Test
    void onlyChatCallsCarryTheBudgetHeader() throws Exception {
        HttpResponse<String> models = get(ALPHA, "/v1/models");

        assertThat(models.headers().firstValue("x-tollgate-budget-remaining-usd")).isEmpty();
        assertThat(post(ALPHA, BODY).headers().firstValue("x-tollgate-budget-remaining-usd")).isPresent();
    }

    @Test
    void aHardBudgetHoldsWhateverLengthTheProviderAnswers() throws Exception {
        // the reproduction: no max_tokens, a provider answering 20,000 output tokens whatever it is sent
        String body = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Write a long story\"}]}";
        long bound = body.getBytes(StandardCharsets.UTF_8).length;
        UPSTREAM.behave(FakeUpstream.json(200, chatCompletion("a long story", 12, 20_000)));
        BigDecimal overrun = metric("tollgate_budget_overrun_usd_total", "team=\"epsilon\"");

        HttpResponse<String> first = post(EPSILON, body);
        JsonNode firstUpstream = JSON.readTree(UPSTREAM.take().body());
        HttpResponse<String> second = post(EPSILON, body);
        UPSTREAM.take();
        HttpResponse<String> third = post(EPSILON, body);
        JsonNode thirdUpstream = JSON.readTree(UPSTREAM.take().body());
        HttpResponse<String> fourth = post(EPSILON, body);

        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(firstUpstream.path("max_tokens").asInt()).as("the model's whole output limit, reserved")
                .isEqualTo(16_384);
        assertThat(first.headers().firstValue("x-tollgate-output-capped")).isEmpty();
        assertThat(new BigDecimal(first.headers().firstValue("x-tollgate-cost-usd").orElseThrow()))
                .as("the ledger has the provider's figure").isEqualByComparingTo("0.0120018");
        assertThat(second.statusCode()).isEqualTo(200);
        assertThat(third.statusCode()).isEqualTo(200);
        // what was left: 0.02 - 2 x (bound x 0.15 + 16,384 x 0.60) / 1M; the output gets what remains after the prompt
        long leftNanos = 20_000_000 - 2 * (bound * 150 + 16_384 * 600);
        int cap = (int) ((leftNanos * 1000 - bound * 150_000) / 600_000);
        assertThat(thirdUpstream.path("max_tokens").asInt()).isEqualTo(cap);
        assertThat(third.headers().firstValue("x-tollgate-output-capped")).hasValue(Integer.toString(cap));
        assertThat(fourth.statusCode()).isEqualTo(429);
        assertThat(JSON.readTree(fourth.body()).path("error").path("code").asString()).isEqualTo("budget_exceeded");
        JsonNode budget = budgets(EPSILON).path("data").get(0);
        assertThat(new BigDecimal(budget.path("spent_usd").asString())).as("spent never passes the limit")
                .isLessThanOrEqualTo(new BigDecimal("0.02"));
        assertThat(budget.path("reserved_usd").asString()).isEqualTo("0");
        assertThat(metric("tollgate_budget_overrun_usd_total", "team=\"epsilon\"").subtract(overrun)).isPositive();
        assertThat(ledgerRow(requestId(first)).get("RESERVED_USD")).isNotNull();
    }

    @Test
    void aReasoningModelIsCappedInMaxCompletionTokensAndAClientsOwnCapInItsOwnField() throws Exception {
        UPSTREAM.behave(FakeUpstream.json(200, chatCompletion("proof", 12, 10)));
        String noCap = "{\"model\":\"o1\",\"messages\":[{\"role\":\"user\",\"content\":\"Prove it\"}]}";
        String ownCap = noCap.replace("\"model\":\"o1\",", "\"model\":\"o1\",\"max_tokens\":5000,");

        HttpResponse<String> first = post(EPSILON, noCap);
        JsonNode firstUpstream = JSON.readTree(UPSTREAM.take().body());
        HttpResponse<String> second = post(EPSILON, ownCap);
        JsonNode secondUpstream = JSON.readTree(UPSTREAM.take().body());

        // 100,000 output tokens at 60 USD per 1M would be 6 USD: the 0.02 USD budget covers a few hundred
        assertThat(first.statusCode()).isEqualTo(200);
        int cap = firstUpstream.path("max_completion_tokens").asInt();
        assertThat(cap).isBetween(256, 333);
        assertThat(firstUpstream.has("max_tokens")).isFalse();
        assertThat(first.headers().firstValue("x-tollgate-output-capped")).hasValue(Integer.toString(cap));
        assertThat(second.statusCode()).isEqualTo(200);
        assertThat(secondUpstream.path("max_tokens").asInt()).as("the client's field, lowered").isBetween(256, 333);
        assertThat(secondUpstream.has("max_completion_tokens")).isFalse();
    }

    @Test
    void everyChoiceIsEstimatedAndReserved() throws Exception {
        String one = BODY.replace("\"max_tokens\":5", "\"max_tokens\":1000");
        String five = one.replace("\"max_tokens\":1000", "\"max_tokens\":1000,\"n\":5");

        HttpResponse<String> single = post(EPSILON, one);
        HttpResponse<String> choices = post(EPSILON, five);

        BigDecimal estimateOne = estimate(single);
        BigDecimal estimateFive = estimate(choices);
        assertThat(estimateOne).isEqualByComparingTo(BigDecimal.valueOf(PROMPT * 150 + 1000 * 600, 9));
        assertThat(estimateFive.subtract(estimateOne)).as("4,000 more output tokens at 0.60 per 1M")
                .isEqualByComparingTo("0.0024");
        long bound = five.getBytes(StandardCharsets.UTF_8).length;
        assertThat((BigDecimal) ledgerRow(requestId(choices)).get("RESERVED_USD"))
                .isEqualByComparingTo(BigDecimal.valueOf(bound * 150 + 5 * 1000 * 600, 9));
    }

    @Test
    void theRemainingHeaderFallsByExactlyTheCostOfEachCall() throws Exception {
        HttpResponse<String> first = post(EPSILON, BODY);
        UPSTREAM.behave(FakeUpstream.json(200, chatCompletion("hello again", PROMPT, 3)));
        HttpResponse<String> second = post(EPSILON, BODY);

        BigDecimal before = new BigDecimal(first.headers().firstValue("x-tollgate-budget-remaining-usd").orElseThrow());
        BigDecimal after = new BigDecimal(second.headers().firstValue("x-tollgate-budget-remaining-usd").orElseThrow());
        BigDecimal cost = new BigDecimal(second.headers().firstValue("x-tollgate-cost-usd").orElseThrow());
        assertThat(before).isEqualByComparingTo(new BigDecimal("0.02").subtract(CALL));
        assertThat(before.subtract(after)).isEqualByComparingTo(cost);
    }

    private static BigDecimal estimate(HttpResponse<String> response) {
        String route = response.headers().firstValue("x-tollgate-route").orElseThrow();
        String value = route.substring(route.indexOf("estimated_cost_usd=") + "estimated_cost_usd=".length());
        return new BigDecimal(value.substring(0, value.indexOf(';')));
    }

    private Instant nextMonth() {
        return CLOCK.instant().atZone(java.time.ZoneOffset.UTC).toLocalDate().withDayOfMonth(1).plusMonths(1)
                .atStartOfDay(java.time.ZoneOffset.UTC).toInstant();
    }

    private JsonNode budgets(String key) throws Exception {
        HttpResponse<String> response = get(key, "/v1/budgets");
        assertThat(response.statusCode()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private static String requestId(HttpResponse<?> response) {
        return response.headers().firstValue("x-tollgate-request-id").orElseThrow();
    }
}
