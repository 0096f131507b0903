package dev.tollgate.routing;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

import dev.tollgate.auth.Principal;
import dev.tollgate.budget.BudgetMode;
import dev.tollgate.budget.BudgetPeriod;
import dev.tollgate.budget.BudgetSpec;
import dev.tollgate.budget.Nanos;
import dev.tollgate.budget.RateLimitSpec;
import dev.tollgate.budget.Scope;
import dev.tollgate.pricing.Capability;
import dev.tollgate.pricing.TaskFamily;
import dev.tollgate.pricing.TableValidationException;
import dev.tollgate.pricing.TableFile;
import dev.tollgate.pricing.TableSource;
import dev.tollgate.pricing.YamlNode;

/**
 * Reads the routing-rules folder ({@code *.yaml}): teams, each with its gateway keys stored only as
 * {@code sha256:<hex>} hashes and an optional routing policy, and route aliases. Strict like the price loader: every problem is reported with file and line, and an
 * invalid folder is not used. Stateless, thread-safe.
 */
public final class RulesLoader {

    private static final Set<String> FILE_FIELDS = Set.of("teams", "aliases");
    private static final Set<String> TEAM_FIELDS = Set.of("id", "display-name", "keys", "policy", "budget",
            "rate-limit", "apps");
    private static final Set<String> BUDGET_FIELDS = Set.of("amount-usd", "period", "mode", "alert-thresholds",
            "downgrade-to-fit");
    private static final Set<String> RATE_FIELDS = Set.of("requests-per-minute", "tokens-per-minute");
    private static final Set<String> APP_FIELDS = Set.of("budget");
    private static final Set<String> POLICY_FIELDS = Set.of("allow-providers", "deny-providers", "allow-models",
            "deny-models", "require-attributes", "max-input-price-per-1m", "max-output-price-per-1m", "task",
            "allow-substitution");
    private static final Set<String> ALIAS_FIELDS = Set.of("name", "min-quality", "task", "expected-output-tokens",
            "baseline-model", "require");
    private static final Set<String> KEY_FIELDS = Set.of("id", "hash", "app", "budget", "rate-limit");
    private static final Pattern HASH = Pattern.compile("sha256:[0-9a-f]{64}");
    private static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9._-]{0,62}");

    private RulesLoader() {
    }

    public static RoutingRules load(Path folder) {
        return load(TableSource.folder(folder));
    }

    /** Loads the rules files of {@code source}, or throws {@link TableValidationException} listing every problem. */
    public static RoutingRules load(TableSource source) {
        List<String> problems = new ArrayList<>();
        Map<String, String> teams = new TreeMap<>();
        Map<String, Principal> keys = new HashMap<>();
        Map<String, String> keyIds = new HashMap<>();
        Map<String, TeamPolicy> policies = new HashMap<>();
        Map<String, RouteAlias> aliases = new TreeMap<>();
        Map<String, BudgetSpec> budgets = new TreeMap<>();
        Map<String, RateLimitSpec> rateLimits = new TreeMap<>();
        for (TableFile file : files(source, problems)) {
            YamlNode root = YamlNode.parse(file, problems);
            if (root == null) {
                continue;
            }
            Map<String, YamlNode> sections = root.mapping(FILE_FIELDS);
            if (sections.isEmpty()) {
                root.problem("expected 'teams' and/or 'aliases'");
                continue;
            }
            if (sections.containsKey("aliases")) {
                for (YamlNode aliasNode : sections.get("aliases").sequence()) {
                    RouteAlias alias = alias(aliasNode);
                    if (alias != null && aliases.putIfAbsent(alias.name(), alias) != null) {
                        aliasNode.problem("alias '" + alias.name() + "' is defined twice");
                    }
                }
            }
            YamlNode teamList = sections.get("teams");
            for (YamlNode teamNode : teamList == null ? List.<YamlNode>of() : teamList.sequence()) {
                Map<String, YamlNode> t = teamNode.mapping(TEAM_FIELDS);
                String team = id(teamNode, t, "team");
                if (team == null) {
                    continue;
                }
                String display = t.containsKey("display-name") ? t.get("display-name").string() : team;
                if (teams.putIfAbsent(team, display) != null) {
                    teamNode.problem("team '" + team + "' is defined twice");
                }
                if (t.containsKey("policy")) {
                    policies.put(team, policy(t.get("policy")));
                }
                if (t.containsKey("budget")) {
                    budget(t.get("budget"), Scope.TEAM, team, team, budgets);
                }
                if (t.containsKey("rate-limit")) {
                    rateLimit(t.get("rate-limit"), Scope.TEAM, team, team, rateLimits);
                }
                if (t.containsKey("apps")) {
                    t.get("apps").mapping(null).forEach((app, appNode) -> {
                        Map<String, YamlNode> a = appNode.mapping(APP_FIELDS);
                        if (a.containsKey("budget")) {
                            budget(a.get("budget"), Scope.APP, team, app, budgets);
                        }
                    });
                }
                if (!t.containsKey("keys")) {
                    continue;
                }
                for (YamlNode keyNode : t.get("keys").sequence()) {
                    Map<String, YamlNode> k = keyNode.mapping(KEY_FIELDS);
                    String keyId = id(keyNode, k, "key");
                    String hash = k.containsKey("hash") ? k.get("hash").string() : null;
                    if (hash == null && !k.containsKey("hash")) {
                        keyNode.problem("missing required field 'hash' (sha256:<hex>; make one with: "
                                + "java -jar gateway/target/tollgate.jar hash-key <key>)");
                    } else if (hash != null && !HASH.matcher(hash).matches()) {
                        k.get("hash").problem("hash must be sha256: followed by 64 lowercase hex digits (never the "
                                + "key itself)");
                        hash = null;
                    }
                    String app = k.containsKey("app") ? k.get("app").string() : null;
                    if (keyId == null || hash == null) {
                        continue;
                    }
                    String other = keyIds.putIfAbsent(keyId, team);
                    if (other != null) {
                        keyNode.problem("key id '" + keyId + "' is already used in team '" + other + "'");
                    }
                    if (keys.putIfAbsent(hash, new Principal(keyId, team, app)) != null) {
                        keyNode.problem("the same key hash is listed twice");
                    }
                    if (k.containsKey("budget")) {
                        budget(k.get("budget"), Scope.KEY, team, keyId, budgets);
                    }
                    if (k.containsKey("rate-limit")) {
                        rateLimit(k.get("rate-limit"), Scope.KEY, team, keyId, rateLimits);
                    }
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new TableValidationException(problems);
        }
        return new RoutingRules(Collections.unmodifiableMap(teams), Map.copyOf(keys), Map.copyOf(policies),
                Collections.unmodifiableMap(aliases), Collections.unmodifiableMap(budgets),
                Collections.unmodifiableMap(rateLimits));
    }

    private static void budget(YamlNode node, Scope scope, String team, String subject, Map<String, BudgetSpec> out) {
        BudgetSpec spec = budget(node, scope, team, subject);
        if (spec != null && out.putIfAbsent(spec.id(), spec) != null) {
            node.problem("budget '" + spec.id() + "' is defined twice");
        }
    }

    /** One budget block; null (with problems reported) when invalid. */
    public static BudgetSpec budget(YamlNode node, Scope scope, String team, String subject) {
        Map<String, YamlNode> f = node.mapping(BUDGET_FIELDS);
        BigDecimal amount = null;
        if (!f.containsKey("amount-usd")) {
            node.problem("missing required field 'amount-usd' of the budget");
        } else {
            amount = f.get("amount-usd").decimal("amount-usd", 9);
            if (amount != null && amount.compareTo(Nanos.MAX_USD) > 0) {
                f.get("amount-usd").problem("amount-usd must be at most " + Nanos.MAX_USD.toPlainString()
                        + ", but was " + amount.toPlainString());
                amount = null;
            }
        }
        BudgetPeriod period = BudgetPeriod.MONTHLY;
        if (f.containsKey("period")) {
            String text = f.get("period").string();
            period = text == null ? null : BudgetPeriod.fromName(text).orElse(null);
            if (text != null && period == null) {
                f.get("period").problem("period must be one of daily, weekly, monthly, none, but was '" + text + "'");
            }
        }
        BudgetMode mode = BudgetMode.HARD;
        if (f.containsKey("mode")) {
            String text = f.get("mode").string();
            mode = text == null ? null : BudgetMode.fromName(text).orElse(null);
            if (text != null && mode == null) {
                f.get("mode").problem("mode must be one of hard, soft, shadow, but was '" + text + "'");
            }
        }
        List<Integer> thresholds = BudgetSpec.DEFAULT_THRESHOLDS;
        if (f.containsKey("alert-thresholds")) {
            List<Integer> list = new ArrayList<>();
            for (YamlNode item : f.get("alert-thresholds").sequence()) {
                Integer pct = item.positiveInt();
                if (pct != null && pct > 1000) {
                    item.problem("an alert threshold is a percentage from 1 to 1000, but was " + pct);
                } else if (pct != null) {
                    list.add(pct);
                }
            }
            thresholds = list.stream().distinct().sorted().toList();
        }
        Boolean downgrade = f.containsKey("downgrade-to-fit") ? f.get("downgrade-to-fit").bool() : Boolean.FALSE;
        if (amount == null || period == null || mode == null || downgrade == null) {
            return null;
        }
        return new BudgetSpec(scope, team, subject, amount, period, mode, thresholds, downgrade);
    }

    private static void rateLimit(YamlNode node, Scope scope, String team, String subject,
            Map<String, RateLimitSpec> out) {
        Map<String, YamlNode> f = node.mapping(RATE_FIELDS);
        Integer rpm = f.containsKey("requests-per-minute") ? f.get("requests-per-minute").positiveInt() : Integer.valueOf(0);
        Integer tpm = f.containsKey("tokens-per-minute") ? f.get("tokens-per-minute").positiveInt() : Integer.valueOf(0);
        if (f.isEmpty()) {
            node.problem("a rate limit needs requests-per-minute and/or tokens-per-minute");
        }
        if (rpm == null || tpm == null || f.isEmpty()) {
            return;
        }
        RateLimitSpec spec = new RateLimitSpec(scope, team, subject, rpm, tpm);
        if (out.putIfAbsent(spec.id(), spec) != null) {
            node.problem("rate limit '" + spec.id() + "' is defined twice");
        }
    }

    private static TeamPolicy policy(YamlNode node) {
        Map<String, YamlNode> f = node.mapping(POLICY_FIELDS);
        Map<String, String> attributes = new TreeMap<>();
        if (f.containsKey("require-attributes")) {
            f.get("require-attributes").mapping(null).forEach((k, v) -> {
                String value = v.string();
                if (value != null) {
                    attributes.put(k, value);
                }
            });
        }
        TaskFamily task = f.containsKey("task") ? task(f.get("task")) : null;
        Boolean substitution = f.containsKey("allow-substitution") ? f.get("allow-substitution").bool() : Boolean.FALSE;
        return new TeamPolicy(strings(f.get("allow-providers")), strings(f.get("deny-providers")),
                strings(f.get("allow-models")), strings(f.get("deny-models")), Map.copyOf(attributes),
                f.containsKey("max-input-price-per-1m") ? f.get("max-input-price-per-1m")
                        .decimal("max-input-price-per-1m", 6) : null,
                f.containsKey("max-output-price-per-1m") ? f.get("max-output-price-per-1m")
                        .decimal("max-output-price-per-1m", 6) : null,
                task, Boolean.TRUE.equals(substitution));
    }

    private static RouteAlias alias(YamlNode node) {
        Map<String, YamlNode> f = node.mapping(ALIAS_FIELDS);
        String name = f.containsKey("name") ? f.get("name").string() : null;
        if (name == null && !f.containsKey("name")) {
            node.problem("missing required field 'name'");
        }
        Integer minQuality = 0;
        if (f.containsKey("min-quality")) {
            BigDecimal q = f.get("min-quality").decimal("min-quality", 0);
            if (q != null && q.compareTo(BigDecimal.valueOf(100)) > 0) {
                f.get("min-quality").problem("min-quality must be from 0 to 100, but was " + q);
                minQuality = null;
            } else {
                minQuality = q == null ? null : q.intValueExact();
            }
        }
        Integer expected = f.containsKey("expected-output-tokens") ? f.get("expected-output-tokens").positiveInt()
                : Router.DEFAULT_EXPECTED_OUTPUT_TOKENS;
        String baseline = f.containsKey("baseline-model") ? f.get("baseline-model").string() : null;
        if (!f.containsKey("baseline-model")) {
            node.problem("missing required field 'baseline-model' (the model whose cost the savings are measured "
                    + "against)");
        }
        Set<Capability> require = new HashSet<>();
        if (f.containsKey("require")) {
            for (YamlNode c : f.get("require").sequence()) {
                String text = c.string();
                if (text != null) {
                    Capability.fromYaml(text).ifPresentOrElse(require::add, () -> c.problem("unknown capability '"
                            + text + "'; expected one of tools, vision, json-schema, streaming"));
                }
            }
        }
        TaskFamily task = f.containsKey("task") ? task(f.get("task")) : null;
        if (name == null || minQuality == null || expected == null || baseline == null) {
            return null;
        }
        return new RouteAlias(name, minQuality, task, expected, baseline, Set.copyOf(require));
    }

    private static TaskFamily task(YamlNode node) {
        String text = node.string();
        if (text == null) {
            return null;
        }
        return TaskFamily.fromName(text).orElseGet(() -> {
            node.problem("task must be one of general, code, math, reasoning, but was '" + text + "'");
            return null;
        });
    }

    private static Set<String> strings(YamlNode node) {
        if (node == null) {
            return Set.of();
        }
        Set<String> out = new HashSet<>();
        for (YamlNode item : node.sequence()) {
            String text = item.string();
            if (text != null) {
                out.add(text);
            }
        }
        return Set.copyOf(out);
    }

    private static String id(YamlNode node, Map<String, YamlNode> fields, String what) {
        if (!fields.containsKey("id")) {
            node.problem("missing required field 'id' of the " + what);
            return null;
        }
        String id = fields.get("id").string();
        if (id != null && !ID.matcher(id).matches()) {
            fields.get("id").problem(what + " id must be lowercase letters, digits, '.', '_' or '-' (at most 63), "
                    + "but was '" + id + "'");
            return null;
        }
        return id;
    }

    /** The files this loader reads, sorted by name. */
    public static List<TableFile> files(TableSource source, List<String> problems) {
        return source.yamlFiles("routing-rules", "tollgate.rules.location", name -> true, problems);
    }

}
