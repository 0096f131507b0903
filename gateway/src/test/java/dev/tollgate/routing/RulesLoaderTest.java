package dev.tollgate.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.entry;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.tollgate.auth.KeyHasher;
import dev.tollgate.auth.Principal;
import dev.tollgate.pricing.TableValidationException;

class RulesLoaderTest {

    private static final String CI_HASH = KeyHasher.hash("sk-tollgate-ci");
    private static final String NOTEBOOK_HASH = KeyHasher.hash("sk-tollgate-notebook");

    /** A valid {@code teams.yaml}; the line numbers below are those of this text. */
    private static final String VALID = """
            teams:
              - id: platform
                display-name: Platform team
                keys:
                  - id: platform-ci
                    hash: %s
                    app: ci
              - id: research
                keys:
                  - id: research-notebook
                    hash: %s
            """.formatted(CI_HASH, NOTEBOOK_HASH);

    @TempDir
    Path dir;

    private void write(String yaml) throws IOException {
        Files.writeString(dir.resolve("teams.yaml"), yaml);
    }

    @Test
    void validFileMapsEachKeyHashToItsPrincipal() throws IOException {
        write(VALID);

        RoutingRules rules = RulesLoader.load(dir);

        assertThat(rules.keysByHash()).containsOnly(
                entry(CI_HASH, new Principal("platform-ci", "platform", "ci")),
                entry(NOTEBOOK_HASH,
                        new Principal("research-notebook", "research", null)));
        assertThat(rules.teams()).containsOnly(
                entry("platform", "Platform team"),
                entry("research", "research"));
    }

    @Test
    void shippedRulesFolderLoads() {
        // Tests run with the working directory gateway/.
        RoutingRules rules = RulesLoader.load(Path.of("..", "routing-rules"));

        assertThat(rules.keysByHash()).isEmpty();
    }

    static Stream<Arguments> invalidFiles() {
        return Stream.of(
                Arguments.of("hash with too few digits",
                        VALID.replace(CI_HASH, "sha256:abc123"),
                        "teams.yaml line 6: hash must be sha256: followed by 64 lowercase hex digits"),
                Arguments.of("hash in upper case",
                        VALID.replace(CI_HASH, "sha256:" + CI_HASH.substring(7).toUpperCase()),
                        "teams.yaml line 6: hash must be sha256: followed by 64 lowercase hex digits"),
                Arguments.of("the key itself instead of its hash",
                        VALID.replace(CI_HASH, "sk-tollgate-ci"),
                        "teams.yaml line 6: hash must be sha256: followed by 64 lowercase hex digits"),
                Arguments.of("hash of another algorithm",
                        VALID.replace(CI_HASH, CI_HASH.replace("sha256:", "sha512:")),
                        "teams.yaml line 6: hash must be sha256: followed by 64 lowercase hex digits"),
                Arguments.of("duplicate team",
                        VALID.replace("  - id: research", "  - id: platform"),
                        "teams.yaml line 8: team 'platform' is defined twice"),
                Arguments.of("duplicate key id",
                        VALID.replace("research-notebook", "platform-ci"),
                        "teams.yaml line 10: key id 'platform-ci' is already used in team 'platform'"),
                Arguments.of("unknown field",
                        VALID.replace("        app: ci", "        app: ci\n        secret: sk-tollgate-ci"),
                        "teams.yaml line 8: unknown field 'secret'"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidFiles")
    void invalidRulesAreRejectedNamingFileAndLine(String problem, String yaml, String expected) throws IOException {
        write(yaml);

        TableValidationException e = catchThrowableOfType(TableValidationException.class,
                () -> RulesLoader.load(dir));

        assertThat(e).as(problem).isNotNull();
        assertThat(e.problems()).as(problem).hasSize(1);
        assertThat(e).hasMessageStartingWith(expected);
    }
}
