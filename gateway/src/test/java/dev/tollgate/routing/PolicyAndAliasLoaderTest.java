package dev.tollgate.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.tollgate.pricing.Capability;
import dev.tollgate.pricing.TableValidationException;
import dev.tollgate.pricing.TaskFamily;

/** Team policies and route aliases in the routing-rules folder: read exactly, validated with file and line. */
class PolicyAndAliasLoaderTest {

    @TempDir
    Path dir;

    @Test
    void shippedRulesHaveTheDocumentedAliases() {
        RoutingRules rules = RulesLoader.load(Path.of("../routing-rules"));

        assertThat(rules.aliases()).containsOnlyKeys("auto", "cheap", "balanced", "best", "reasoning");
        assertThat(rules.aliases().get("reasoning").task()).isEqualTo(TaskFamily.REASONING);
        assertThat(RulesLoader.load(Path.of("../routing-rules/demo")).policy("research").allowSubstitution()).isTrue();
    }

    @Test
    void policyAndAliasAreReadExactly() throws IOException {
        Files.writeString(dir.resolve("rules.yaml"), """
                aliases:
                  - {name: fast, min-quality: 60, task: code, expected-output-tokens: 100, baseline-model: m, require: [tools]}
                teams:
                  - id: t
                    policy:
                      allow-providers: [a]
                      deny-providers: [b]
                      deny-models: [x]
                      require-attributes: {zero-data-retention: true, region: eu}
                      max-input-price-per-1m: 1.5
                      max-output-price-per-1m: 6
                      task: math
                      allow-substitution: true
                  - id: u
                """);

        RoutingRules rules = RulesLoader.load(dir);

        assertThat(rules.aliases().get("fast")).isEqualTo(new RouteAlias("fast", 60, TaskFamily.CODE, 100, "m",
                Set.of(Capability.TOOLS)));
        TeamPolicy p = rules.policy("t");
        assertThat(p.allowProviders()).containsExactly("a");
        assertThat(p.denyProviders()).containsExactly("b");
        assertThat(p.denyModels()).containsExactly("x");
        assertThat(p.requireAttributes()).isEqualTo(Map.of("zero-data-retention", "true", "region", "eu"));
        assertThat(p.maxInputPricePer1m()).isEqualByComparingTo(new BigDecimal("1.5"));
        assertThat(p.maxOutputPricePer1m()).isEqualByComparingTo("6");
        assertThat(p.task()).isEqualTo(TaskFamily.MATH);
        assertThat(p.allowSubstitution()).isTrue();
        assertThat(rules.policy("u")).isEqualTo(TeamPolicy.OPEN);
        assertThat(rules.policy("nobody")).isEqualTo(TeamPolicy.OPEN);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            alias without baseline    | aliases: [{name: a, min-quality: 5}]                       | rules.yaml line 1: missing required field 'baseline-model'
            floor above 100           | aliases: [{name: a, min-quality: 101, baseline-model: m}]  | min-quality must be from 0 to 100
            unknown capability        | aliases: [{name: a, baseline-model: m, require: [magic]}]  | unknown capability 'magic'
            unknown task              | aliases: [{name: a, baseline-model: m, task: poetry}]      | task must be one of general, code, math, reasoning
            unknown policy field      | teams: [{id: t, policy: {budget: 5}}]                      | rules.yaml line 1: unknown field 'budget'
            negative price ceiling    | teams: [{id: t, policy: {max-output-price-per-1m: -1}}]    | max-output-price-per-1m must be >= 0
            substitution not boolean  | teams: [{id: t, policy: {allow-substitution: maybe}}]      | expected true or false
            alias defined twice       | aliases: [{name: a, baseline-model: m}, {name: a, baseline-model: m}] | alias 'a' is defined twice
            """)
    void invalidPoliciesAndAliasesAreRejectedWithFileAndLine(String problem, String yaml, String message)
            throws IOException {
        Files.writeString(dir.resolve("rules.yaml"), yaml + "\n");

        TableValidationException e = catchThrowableOfType(TableValidationException.class, () -> RulesLoader.load(dir));

        assertThat(e).as(problem).isNotNull();
        assertThat(e.getMessage()).as(problem).contains(message);
    }
}
