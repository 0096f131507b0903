package dev.tollgate.admin;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import dev.tollgate.api.ApiError;
import dev.tollgate.budget.BudgetMode;
import dev.tollgate.budget.BudgetPeriod;
import dev.tollgate.budget.BudgetSpec;
import dev.tollgate.budget.Nanos;
import dev.tollgate.budget.RateLimitSpec;
import dev.tollgate.budget.Scope;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.ObjectReader;
import tools.jackson.databind.cfg.JsonNodeFeature;

/**
 * The admin API's request bodies: a budget ({@code amount_usd, period, mode, alert_thresholds, downgrade_to_fit})
 * and a rate limit ({@code requests_per_minute, tokens_per_minute}), checked with the same rules as the routing
 * rules' YAML. Every problem is a 400 naming the field ({@code param}) and saying what was expected and what was
 * given. Amounts are read exactly, from a JSON string or a JSON number (never through a double). Stateless,
 * thread-safe.
 */
final class LimitBodies {

    static final Set<String> BUDGET_FIELDS = Set.of("amount_usd", "period", "mode", "alert_thresholds",
            "downgrade_to_fit");
    static final Set<String> RATE_FIELDS = Set.of("requests_per_minute", "tokens_per_minute");
    /** Largest alert threshold, in percent (as in the rules). */
    static final int MAX_THRESHOLD = 1000;

    private LimitBodies() {
    }

    /** A reader that keeps every JSON number exact (a BigDecimal, not a double) and refuses duplicate fields. */
    static ObjectReader reader(ObjectMapper mapper) {
        return mapper.reader().with(JsonNodeFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .with(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    }

    /** The body as a JSON object, or a 400. */
    static JsonNode object(byte[] body, ObjectReader reader, String example) {
        JsonNode root = null;
        try {
            root = body.length == 0 ? null : reader.readTree(body);
        } catch (JacksonException e) {
            // reported below
        }
        if (root == null || !root.isObject()) {
            throw ApiError.invalidRequest("invalid_json", "The body must be a JSON object like " + example + ".", null)
                    .exception();
        }
        return root;
    }

    /** A budget from a PUT body; leaving out a field gives its default (monthly, hard, [50, 80, 100], false). */
    static BudgetSpec budget(JsonNode body, Scope scope, String team, String subject) {
        fields(body, BUDGET_FIELDS);
        JsonNode amountNode = body.get("amount_usd");
        if (amountNode == null || amountNode.isNull()) {
            throw invalid("missing_required_parameter", "amount_usd is required: the budget per period in USD, as a "
                    + "string (\"25.00\") or a number.", "amount_usd");
        }
        BigDecimal amount = amount(amountNode);
        BudgetPeriod period = BudgetPeriod.MONTHLY;
        JsonNode p = body.get("period");
        if (p != null && !p.isNull()) {
            String text = p.isString() ? p.stringValue() : null;
            period = text == null ? null : BudgetPeriod.fromName(text).orElse(null);
            if (period == null) {
                throw invalid("invalid_value", "period must be one of daily, weekly, monthly, none, but was "
                        + p + ".", "period");
            }
        }
        BudgetMode mode = BudgetMode.HARD;
        JsonNode m = body.get("mode");
        if (m != null && !m.isNull()) {
            String text = m.isString() ? m.stringValue() : null;
            mode = text == null ? null : BudgetMode.fromName(text).orElse(null);
            if (mode == null) {
                throw invalid("invalid_value", "mode must be one of hard, soft, shadow, but was " + m + ".", "mode");
            }
        }
        List<Integer> thresholds = BudgetSpec.DEFAULT_THRESHOLDS;
        JsonNode t = body.get("alert_thresholds");
        if (t != null && !t.isNull()) {
            thresholds = thresholds(t);
        }
        boolean downgrade = false;
        JsonNode d = body.get("downgrade_to_fit");
        if (d != null && !d.isNull()) {
            if (!d.isBoolean()) {
                throw invalid("invalid_type", "downgrade_to_fit must be true or false, but was " + d + ".",
                        "downgrade_to_fit");
            }
            downgrade = d.booleanValue();
        }
        return new BudgetSpec(scope, team, subject, amount, period, mode, thresholds, downgrade);
    }

    /** A rate limit from a PUT body: at least one of the two limits above 0; a missing one or 0 is no limit. */
    static RateLimitSpec rateLimit(JsonNode body, Scope scope, String team, String subject) {
        fields(body, RATE_FIELDS);
        long rpm = perMinute(body, "requests_per_minute");
        long tpm = perMinute(body, "tokens_per_minute");
        if (rpm == 0 && tpm == 0) {
            throw invalid("missing_required_parameter", "A rate limit needs requests_per_minute and/or "
                    + "tokens_per_minute above 0 (to remove a rate limit, DELETE it).", "requests_per_minute");
        }
        return new RateLimitSpec(scope, team, subject, rpm, tpm);
    }

    private static void fields(JsonNode body, Set<String> allowed) {
        for (Map.Entry<String, JsonNode> e : body.properties()) {
            if (!allowed.contains(e.getKey())) {
                throw invalid("unknown_parameter", "Unknown field '" + e.getKey() + "'; expected "
                        + new TreeSet<>(allowed) + ".", e.getKey());
            }
        }
    }

    /** A non-negative USD amount with at most 9 decimals (whole nano-USD), at most {@link Nanos#MAX_USD}. */
    static BigDecimal amount(JsonNode node) {
        BigDecimal value;
        String given = node.toString();
        if (node.isString()) {
            String text = node.stringValue().trim();
            if (text.contains("e") || text.contains("E")) {
                throw invalid("invalid_value", "amount_usd must be written as a plain decimal (no exponent), but was "
                        + given + ".", "amount_usd");
            }
            try {
                value = new BigDecimal(text);
            } catch (NumberFormatException e) {
                throw invalid("invalid_value", "amount_usd must be a decimal number of USD like \"25.00\", but was "
                        + given + ".", "amount_usd");
            }
        } else if (node.isIntegralNumber()) {
            value = new BigDecimal(node.bigIntegerValue());
        } else if (node.isNumber() && node.isBigDecimal()) {
            value = node.decimalValue();
        } else {
            throw invalid("invalid_type", "amount_usd must be a decimal number of USD, as a string (\"25.00\") or a "
                    + "number, but was " + given + ".", "amount_usd");
        }
        if (value.signum() < 0) {
            throw invalid("invalid_value", "amount_usd must be >= 0, but was " + given + ".", "amount_usd");
        }
        if (value.compareTo(Nanos.MAX_USD) > 0) {
            throw invalid("invalid_value", "amount_usd must be at most " + Nanos.MAX_USD.toPlainString()
                    + ", but was " + given + ".", "amount_usd");
        }
        if (value.stripTrailingZeros().scale() > 9) {
            throw invalid("invalid_value", "amount_usd must have at most 9 decimal places (whole nano-USD), but was "
                    + given + ".", "amount_usd");
        }
        return LimitOverridesRepository.normalized(value);
    }

    private static List<Integer> thresholds(JsonNode node) {
        if (!node.isArray()) {
            throw invalid("invalid_type", "alert_thresholds must be a list of percentages like [50, 80, 100], but "
                    + "was " + node + ".", "alert_thresholds");
        }
        List<Integer> out = new ArrayList<>();
        for (JsonNode item : node.values()) {
            if (!item.isIntegralNumber() || item.bigIntegerValue().compareTo(BigInteger.ONE) < 0
                    || item.bigIntegerValue().compareTo(BigInteger.valueOf(MAX_THRESHOLD)) > 0) {
                throw invalid("invalid_value", "each alert threshold must be a whole percentage from 1 to "
                        + MAX_THRESHOLD + ", but alert_thresholds has " + item + ".", "alert_thresholds");
            }
            out.add(item.bigIntegerValue().intValue());
        }
        return out.stream().distinct().sorted().toList();
    }

    private static long perMinute(JsonNode body, String field) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            return 0;
        }
        if (!node.isIntegralNumber() || node.bigIntegerValue().signum() < 0
                || node.bigIntegerValue().compareTo(BigInteger.valueOf(Integer.MAX_VALUE)) > 0) {
            throw invalid("invalid_value", field + " must be a whole number from 0 to " + Integer.MAX_VALUE
                    + " (0: no limit of that kind), but was " + node + ".", field);
        }
        return node.bigIntegerValue().longValue();
    }

    private static RuntimeException invalid(String code, String message, String param) {
        return ApiError.invalidRequest(code, message, param).exception();
    }
}
