package dev.tollgate.pricing;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Reads every price file ({@code *.yaml} except {@code quality*.yaml}) of a folder into one {@link PriceTable}.
 * Validation is strict and complete: unknown fields, missing or negative prices, more than
 * {@value #MAX_PRICE_SCALE} decimal places, duplicate models, effective dates that are not strictly increasing
 * (overlapping rows), a provider id that does not match its file name, a long-context tier whose threshold is not
 * below the model's context window or whose prices do not match its row's: every problem is reported with its file
 * and line, and nothing of an invalid folder is used. Stateless, thread-safe.
 */
public final class PriceTableLoader {

    /** Decimal places allowed in a price (USD per 1M tokens); 6 places = 1e-12 USD per token. */
    public static final int MAX_PRICE_SCALE = 6;

    private static final Set<String> FILE_FIELDS = Set.of("provider", "display-name", "models");
    private static final Set<String> MODEL_FIELDS = Set.of("model", "context-window", "max-output-tokens",
            "capabilities", "attributes", "prices", "output-cap-field", "image-tokens-max");
    private static final Set<String> PRICE_FIELDS = Set.of("effective-from", "source", "input", "cached-input",
            "cache-write", "cache-write-1h", "output", "long-context", "usd-per-hour", "tokens-per-second",
            "input-tokens-per-second");
    private static final Set<String> TIER_FIELDS = Set.of("above-prompt-tokens", "input", "cached-input",
            "cache-write", "cache-write-1h", "output");
    /** The optional prices of a row; its long-context tier must give exactly the same ones. */
    private static final List<String> OPTIONAL_PRICES = List.of("cached-input", "cache-write", "cache-write-1h");
    private static final BigDecimal MILLION_PER_HOUR = BigDecimal.valueOf(1_000_000L);
    private static final BigDecimal SECONDS_PER_HOUR = BigDecimal.valueOf(3600);

    private PriceTableLoader() {
    }

    /** Loads the folder, or throws {@link TableValidationException} listing every problem. */
    public static PriceTable load(Path folder) {
        return load(TableSource.folder(folder));
    }

    /** Loads the price files of {@code source}, or throws {@link TableValidationException} listing every problem. */
    public static PriceTable load(TableSource source) {
        List<String> problems = new ArrayList<>();
        Map<String, ProviderPrices> providers = new TreeMap<>();
        for (TableFile file : priceFiles(source, problems)) {
            ProviderPrices prices = loadFile(file, problems);
            if (prices == null) {
                continue;
            }
            ProviderPrices earlier = providers.putIfAbsent(prices.provider(), prices);
            if (earlier != null) {
                problems.add(prices.file() + ": provider '" + prices.provider() + "' is already defined in "
                        + earlier.file());
            }
        }
        if (problems.isEmpty() && providers.isEmpty()) {
            problems.add(source + ": no price files (*.yaml) found");
        }
        if (!problems.isEmpty()) {
            throw new TableValidationException(problems);
        }
        return new PriceTable(Collections.unmodifiableMap(providers));
    }

    /** The files this loader reads in {@code source}, sorted by name. */
    public static List<TableFile> priceFiles(TableSource source, List<String> problems) {
        return source.yamlFiles("pricing", "tollgate.pricing.location", name -> !name.startsWith("quality"), problems);
    }

    private static ProviderPrices loadFile(TableFile file, List<String> problems) {
        String fileName = file.name();
        int before = problems.size();
        YamlNode root = YamlNode.parse(file, problems);
        if (root == null) {
            return null;
        }
        Map<String, YamlNode> fields = root.mapping(FILE_FIELDS);
        String provider = required(root, fields, "provider") ? fields.get("provider").string() : null;
        String stem = fileName.substring(0, fileName.lastIndexOf('.'));
        if (provider != null && !provider.equals(stem)) {
            fields.get("provider").problem("provider must equal the file name '" + stem + "', but was '" + provider + "'");
        }
        String displayName = fields.containsKey("display-name") ? fields.get("display-name").string() : provider;
        Map<String, PricedModel> models = new LinkedHashMap<>();
        if (required(root, fields, "models")) {
            List<YamlNode> entries = fields.get("models").sequence();
            if (entries.isEmpty()) {
                fields.get("models").problem("models must list at least one model");
            }
            for (YamlNode entry : entries) {
                PricedModel model = loadModel(provider, entry);
                if (model == null) {
                    continue;
                }
                PricedModel earlier = models.putIfAbsent(model.model(), model);
                if (earlier != null) {
                    entry.problem("model '" + model.model() + "' is listed twice (first at line " + earlier.line()
                            + "); put its prices as rows of one entry");
                }
            }
        }
        if (problems.size() > before) {
            return null;
        }
        return new ProviderPrices(provider, displayName, Collections.unmodifiableMap(models), fileName);
    }

    private static PricedModel loadModel(String provider, YamlNode entry) {
        Map<String, YamlNode> f = entry.mapping(MODEL_FIELDS);
        String model = required(entry, f, "model") ? f.get("model").string() : null;
        Integer context = required(entry, f, "context-window") ? f.get("context-window").positiveInt() : null;
        Set<Capability> capabilities = EnumSet.noneOf(Capability.class);
        if (f.containsKey("capabilities")) {
            for (YamlNode c : f.get("capabilities").sequence()) {
                String name = c.string();
                if (name != null) {
                    Capability.fromYaml(name).ifPresentOrElse(capabilities::add, () -> c.problem(
                            "unknown capability '" + name + "'; expected one of " + Capability.yamlNames()));
                }
            }
        }
        // An embedding model has no output: no output limit, no output price, and none of a chat model's abilities.
        boolean embeddings = capabilities.contains(Capability.EMBEDDINGS);
        if (embeddings && capabilities.size() > 1) {
            f.get("capabilities").problem("an embedding model (capability embeddings) has no other capability, but "
                    + "model '" + model + "' also declares " + capabilities.stream().filter(c -> c
                    != Capability.EMBEDDINGS).map(Capability::yamlName).toList());
        }
        Integer maxOutput;
        if (embeddings) {
            maxOutput = 0;
            if (f.containsKey("max-output-tokens")) {
                f.get("max-output-tokens").problem("an embedding model (capability embeddings) has no output: "
                        + "leave max-output-tokens out of model '" + model + "'");
            }
        } else {
            maxOutput = required(entry, f, "max-output-tokens") ? f.get("max-output-tokens").positiveInt() : null;
        }
        OutputCapField capField = OutputCapField.MAX_TOKENS;
        if (f.containsKey("output-cap-field")) {
            String name = f.get("output-cap-field").string();
            if (name != null) {
                capField = OutputCapField.fromYaml(name).orElse(null);
                if (capField == null) {
                    f.get("output-cap-field").problem("output-cap-field must be max_tokens or max_completion_tokens, "
                            + "but was '" + name + "'");
                }
            }
        }
        Integer imageTokens = f.containsKey("image-tokens-max") ? f.get("image-tokens-max").positiveInt()
                : Integer.valueOf(PricedModel.DEFAULT_IMAGE_TOKENS_MAX);
        Map<String, String> attributes = new TreeMap<>();
        if (f.containsKey("attributes")) {
            f.get("attributes").mapping(null).forEach((k, v) -> {
                String value = v.string();
                if (value != null) {
                    attributes.put(k, value);
                }
            });
        }
        List<PriceRow> rows = new ArrayList<>();
        if (required(entry, f, "prices")) {
            List<YamlNode> priceNodes = f.get("prices").sequence();
            if (priceNodes.isEmpty()) {
                f.get("prices").problem("prices must have at least one row");
            }
            Instant previous = null;
            for (YamlNode priceNode : priceNodes) {
                PriceRow row = loadPrice(provider, model, context, priceNode, embeddings);
                if (row == null) {
                    continue;
                }
                if (previous != null && !row.effectiveFrom().isAfter(previous)) {
                    priceNode.problem("effective-from " + row.effectiveFrom() + " must be after the previous row's "
                            + previous + " (rows oldest first, no two rows in force at once)");
                }
                previous = row.effectiveFrom();
                rows.add(row);
            }
        }
        if (model == null || context == null || maxOutput == null || capField == null || imageTokens == null) {
            return null;
        }
        return new PricedModel(provider, model, context, maxOutput, Collections.unmodifiableSet(capabilities),
                Collections.unmodifiableMap(attributes), List.copyOf(rows), entry.file(), entry.line(), capField,
                imageTokens);
    }

    /** @param embeddings an embedding model's row: output 0, no long-context tier, a running cost of input only */
    private static PriceRow loadPrice(String provider, String model, Integer contextWindow, YamlNode node,
            boolean embeddings) {
        Map<String, YamlNode> f = node.mapping(PRICE_FIELDS);
        Instant from = required(node, f, "effective-from") ? f.get("effective-from").instant("effective-from") : null;
        String source = required(node, f, "source") ? f.get("source").string() : null;
        BigDecimal input;
        BigDecimal output;
        boolean listPrice = f.containsKey("input") || f.containsKey("output");
        boolean runningCost = f.containsKey("usd-per-hour") || f.containsKey("tokens-per-second")
                || embeddings && f.containsKey("input-tokens-per-second");
        if (listPrice && runningCost) {
            node.problem("a price row has either input/output or usd-per-hour/tokens-per-second, not both");
            return null;
        }
        if (runningCost && embeddings) {
            // an embedding server only reads: its throughput is input tokens per second, and there is no output
            BigDecimal perHour = required(node, f, "usd-per-hour") ? f.get("usd-per-hour").decimal("usd-per-hour", 6) : null;
            if (f.containsKey("tokens-per-second")) {
                f.get("tokens-per-second").problem("an embedding model has no output tokens: give its throughput as "
                        + "input-tokens-per-second, not tokens-per-second (model '" + model + "')");
                return null;
            }
            BigDecimal inTps = required(node, f, "input-tokens-per-second")
                    ? positive(f.get("input-tokens-per-second"), "input-tokens-per-second") : null;
            if (perHour == null || inTps == null) {
                return null;
            }
            input = perMillionFromRunningCost(perHour, inTps);
            output = BigDecimal.ZERO;
        } else if (runningCost) {
            BigDecimal perHour = required(node, f, "usd-per-hour") ? f.get("usd-per-hour").decimal("usd-per-hour", 6) : null;
            BigDecimal outTps = required(node, f, "tokens-per-second")
                    ? positive(f.get("tokens-per-second"), "tokens-per-second") : null;
            BigDecimal inTps = f.containsKey("input-tokens-per-second")
                    ? positive(f.get("input-tokens-per-second"), "input-tokens-per-second") : outTps;
            if (perHour == null || outTps == null || inTps == null) {
                return null;
            }
            input = perMillionFromRunningCost(perHour, inTps);
            output = perMillionFromRunningCost(perHour, outTps);
        } else {
            if (f.containsKey("input-tokens-per-second")) {
                f.get("input-tokens-per-second").problem("input-tokens-per-second goes with usd-per-hour");
            }
            input = required(node, f, "input") ? f.get("input").decimal("input", MAX_PRICE_SCALE) : null;
            output = required(node, f, "output") ? f.get("output").decimal("output", MAX_PRICE_SCALE) : null;
            if (embeddings && output != null && output.signum() != 0) {
                f.get("output").problem("an embedding model (capability embeddings) has no output tokens: output "
                        + "must be 0, but was " + output.toPlainString() + " for model '" + model + "'");
                return null;
            }
        }
        BigDecimal cached = optionalPrice(f, "cached-input", "");
        BigDecimal write = optionalPrice(f, "cache-write", "");
        BigDecimal write1h = optionalPrice(f, "cache-write-1h", "");
        LongContextTier tier = null;
        if (f.containsKey("long-context")) {
            if (embeddings) {
                f.get("long-context").problem("an embedding model has no long-context tier (model '" + model + "')");
                return null;
            }
            if (runningCost) {
                f.get("long-context").problem("long-context goes with input/output list prices, not with "
                        + "usd-per-hour (model '" + model + "')");
                return null;
            }
            tier = loadTier(model, contextWindow, f, f.get("long-context"));
            if (tier == null) {
                return null;
            }
        }
        if (from == null || source == null || input == null || output == null
                || (f.containsKey("cached-input") && cached == null) || (f.containsKey("cache-write") && write == null)
                || (f.containsKey("cache-write-1h") && write1h == null)) {
            return null;
        }
        String version = provider + "/" + model + "@" + (from.toString().endsWith("T00:00:00Z")
                ? from.toString().substring(0, 10) : from.toString());
        return new PriceRow(version, from, source, input, cached, write, write1h, output, tier);
    }

    /**
     * A row's long-context tier: a threshold above zero and below the model's context window (else no prompt could
     * pass it), and a price for each kind of token the row prices, no more and no fewer, with the row's rules
     * (non-negative, at most {@value #MAX_PRICE_SCALE} decimal places). Null after reporting any problem.
     */
    private static LongContextTier loadTier(String model, Integer contextWindow, Map<String, YamlNode> row,
            YamlNode node) {
        Map<String, YamlNode> t = node.mapping(TIER_FIELDS);
        boolean ok = true;
        Integer above = null;
        if (required(node, t, "above-prompt-tokens")) {
            above = t.get("above-prompt-tokens").positiveInt("long-context above-prompt-tokens");
            if (above != null && contextWindow != null && above >= contextWindow) {
                t.get("above-prompt-tokens").problem("long-context above-prompt-tokens must be below the "
                        + "context-window " + contextWindow + " of model '" + model + "', but was " + above
                        + " (no prompt could pass it)");
                ok = false;
            }
        }
        BigDecimal input = required(node, t, "input") ? t.get("input").decimal("long-context input", MAX_PRICE_SCALE)
                : null;
        BigDecimal output = required(node, t, "output")
                ? t.get("output").decimal("long-context output", MAX_PRICE_SCALE) : null;
        for (String price : OPTIONAL_PRICES) {
            if (row.containsKey(price) && !t.containsKey(price)) {
                node.problem("long-context of model '" + model + "' must give " + price + ", since its row does "
                        + "(above the threshold every token is billed at the tier's rates)");
                ok = false;
            } else if (!row.containsKey(price) && t.containsKey(price)) {
                t.get(price).problem("long-context of model '" + model + "' gives " + price + ", but its row does "
                        + "not: give the row's " + price + " too, or leave it out of both");
                ok = false;
            }
        }
        BigDecimal cached = optionalPrice(t, "cached-input", "long-context ");
        BigDecimal write = optionalPrice(t, "cache-write", "long-context ");
        BigDecimal write1h = optionalPrice(t, "cache-write-1h", "long-context ");
        if (!ok || above == null || input == null || output == null
                || (t.containsKey("cached-input") && cached == null) || (t.containsKey("cache-write") && write == null)
                || (t.containsKey("cache-write-1h") && write1h == null)) {
            return null;
        }
        return new LongContextTier(above, input, cached, write, write1h, output);
    }

    /** An optional price; null when absent or invalid (the caller tells them apart with containsKey). */
    private static BigDecimal optionalPrice(Map<String, YamlNode> fields, String field, String label) {
        return fields.containsKey(field) ? fields.get(field).decimal(label + field, MAX_PRICE_SCALE) : null;
    }

    /**
     * USD per 1M tokens from a running cost: usd-per-hour x 1,000,000 / (tokens-per-second x 3600), rounded half-up
     * to {@value #MAX_PRICE_SCALE} places so that costs stay exact from there on.
     */
    static BigDecimal perMillionFromRunningCost(BigDecimal usdPerHour, BigDecimal tokensPerSecond) {
        return usdPerHour.multiply(MILLION_PER_HOUR)
                .divide(tokensPerSecond.multiply(SECONDS_PER_HOUR), MAX_PRICE_SCALE, RoundingMode.HALF_UP);
    }

    private static BigDecimal positive(YamlNode node, String field) {
        BigDecimal value = node.decimal(field, 6);
        if (value != null && value.signum() == 0) {
            node.problem(field + " must be > 0, but was 0");
            return null;
        }
        return value;
    }

    private static boolean required(YamlNode parent, Map<String, YamlNode> fields, String name) {
        if (fields.containsKey(name)) {
            return true;
        }
        parent.problem("missing required field '" + name + "'");
        return false;
    }
}
