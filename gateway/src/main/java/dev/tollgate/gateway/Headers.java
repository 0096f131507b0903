package dev.tollgate.gateway;

/** Names of the headers Tollgate reads and writes. */
public final class Headers {

    public static final String REQUEST_ID = "x-tollgate-request-id";
    /** The request id under the name Anthropic's API and clients use, on the Messages API. */
    public static final String ANTHROPIC_REQUEST_ID = "request-id";
    public static final String PROVIDER = "x-tollgate-provider";
    public static final String MODEL = "x-tollgate-model";
    public static final String COST_USD = "x-tollgate-cost-usd";
    public static final String PRICE_VERSION = "x-tollgate-price-version";
    public static final String SIMULATED = "x-tollgate-simulated";
    public static final String API_KEY = "x-api-key";
    public static final String ROUTE = "x-tollgate-route";
    public static final String EXPLAIN = "x-tollgate-explain";
    public static final String BUDGET_REMAINING_USD = "x-tollgate-budget-remaining-usd";
    public static final String BUDGET_RESET = "x-tollgate-budget-reset";
    public static final String OUTPUT_CAPPED = "x-tollgate-output-capped";
    public static final String SHOULD_RETRY = "x-should-retry";

    private Headers() {
    }
}
