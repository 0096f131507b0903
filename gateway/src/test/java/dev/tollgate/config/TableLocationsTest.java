package dev.tollgate.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.tollgate.pricing.PriceTableLoader;
import dev.tollgate.pricing.QualityTableLoader;
import dev.tollgate.pricing.TableSource;
import dev.tollgate.pricing.TableValidationException;
import dev.tollgate.routing.RoutingRules;
import dev.tollgate.routing.RulesLoader;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/**
 * Where the tables come from (tests run in gateway/, where no pricing or routing-rules folder exists; the
 * repository's are in ../): a configured folder, else the default folder if present, else the jar's copy of it.
 */
class TableLocationsTest {

    private final Logger logger = (Logger) LoggerFactory.getLogger(TablesService.class);
    private final ListAppender<ILoggingEvent> lines = new ListAppender<>();

    TableLocationsTest() {
        lines.start();
        logger.addAppender(lines);
    }

    @AfterEach
    void detach() {
        logger.detachAppender(lines);
    }

    @Test
    void withoutAFolderTheBuiltInCopiesAreTheRepositorysTables() {
        TableSource pricing = TableLocations.resolve(null, "pricing");
        TableSource rules = TableLocations.resolve(null, "routing-rules");
        TableSource demo = TableLocations.resolve(null, "routing-rules/demo");

        assertThat(pricing).isInstanceOf(TableSource.BuiltIn.class);
        assertThat(PriceTableLoader.load(pricing).providers())
                .isEqualTo(PriceTableLoader.load(Path.of("../pricing")).providers());
        assertThat(QualityTableLoader.load(pricing).models())
                .isEqualTo(QualityTableLoader.load(Path.of("../pricing")).models());
        assertThat(rules).isInstanceOf(TableSource.BuiltIn.class);
        assertThat(RulesLoader.load(rules).keysByHash())
                .isEqualTo(RulesLoader.load(Path.of("../routing-rules")).keysByHash());
        RoutingRules demoRules = RulesLoader.load(demo);
        assertThat(demoRules.keysByHash()).isEqualTo(RulesLoader.load(Path.of("../routing-rules/demo")).keysByHash());
        assertThat(demoRules.teams()).containsKeys("demo", "research");
    }

    @Test
    void anExistingDefaultFolderIsUsedAsAFolder() {
        assertThat(TableLocations.resolve(null, "../pricing")).isEqualTo(TableSource.folder(Path.of("../pricing")));
    }

    @Test
    void aConfiguredFolderThatDoesNotExistStaysAnError() {
        TableSource configured = TableLocations.resolve(Path.of("no-such-folder"), "pricing");

        assertThat(configured).isEqualTo(TableSource.folder(Path.of("no-such-folder")));
        assertThatThrownBy(() -> PriceTableLoader.load(configured)).isInstanceOf(TableValidationException.class)
                .hasMessageContaining("no-such-folder: the pricing folder does not exist (set tollgate.pricing.location)");
    }

    @Test
    void aDefaultFolderWithNoBuiltInCopyThatDoesNotExistIsAnError() {
        TableSource missing = TableLocations.resolve(null, "rules-of-another-gateway");

        assertThatThrownBy(() -> RulesLoader.load(missing)).isInstanceOf(TableValidationException.class)
                .hasMessageContaining("rules-of-another-gateway: the routing-rules folder does not exist");
    }

    @Test
    void theLogSaysWhichTablesAreInUse() {
        try (TablesService builtIn = service(TableLocations.resolve(null, "pricing"),
                TableLocations.resolve(null, "routing-rules/demo"));
                TablesService folders = service(TableSource.folder(Path.of("../pricing")),
                        TableSource.folder(Path.of("../routing-rules")))) {
            assertThat(lines.list).extracting(ILoggingEvent::getFormattedMessage).satisfiesExactly(
                    line -> assertThat(line).contains("from built-in tables from the jar (pricing)")
                            .contains("from built-in tables from the jar (routing-rules/demo)"),
                    line -> assertThat(line).contains("from folder ../pricing")
                            .contains("from folder ../routing-rules"));
            assertThat(builtIn.reloadIfChanged()).as("the jar's tables never change").isFalse();
            assertThat(folders.current().prices().providers()).isNotEmpty();
        }
    }

    private static TablesService service(TableSource pricing, TableSource rules) {
        return new TablesService(pricing, rules, Map.of("openai", "openai"),
                Clock.fixed(Instant.parse("2026-11-15T12:00:00Z"), ZoneOffset.UTC), new SimpleMeterRegistry());
    }
}
