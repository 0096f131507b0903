package dev.tollgate.pricing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class QualityTableLoaderTest {

    @TempDir
    Path dir;

    @Test
    void shippedQualityTableLoadsAndScoresTheWorkedExample() {
        QualityTable table = QualityTableLoader.load(Path.of("../pricing"));

        assertThat(table.models()).isGreaterThanOrEqualTo(19);
        // docs/routing.md: R1 scores at least o1 on math, below it on reasoning
        assertThat(table.score("deepseek-reasoner", TaskFamily.MATH))
                .isGreaterThanOrEqualTo(table.score("o1", TaskFamily.MATH));
        assertThat(table.score("deepseek-reasoner", TaskFamily.REASONING))
                .isLessThan(table.score("o1", TaskFamily.REASONING));
        assertThat(table.score("no-such-model", TaskFamily.GENERAL)).isEqualTo(QualityTable.UNKNOWN);
    }

    @Test
    void operatorFilesReplaceShippedScoresPerModelAndFamily() throws IOException {
        Files.writeString(dir.resolve("quality.yaml"), """
                models:
                  - ids: [a, b]
                    scores:
                      general: {score: 60, source: shipped, date: 2025-01-01}
                      code: {score: 50, source: shipped, date: 2025-01-01}
                """);
        Files.writeString(dir.resolve("quality-ours.yaml"), """
                models:
                  - ids: [a]
                    scores:
                      code: {score: 90, source: our eval, date: 2026-01-01}
                """);

        QualityTable table = QualityTableLoader.load(dir);

        assertThat(table.score("a", TaskFamily.CODE)).isEqualTo(90);
        assertThat(table.detail("a", TaskFamily.CODE).source()).isEqualTo("our eval");
        assertThat(table.score("a", TaskFamily.GENERAL)).isEqualTo(60);
        assertThat(table.score("b", TaskFamily.CODE)).isEqualTo(50);
        assertThat(table.score("a", TaskFamily.MATH)).isEqualTo(QualityTable.UNKNOWN);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            score above 100   | general: {score: 101, source: s, date: 2025-01-01} | quality.yaml line 4: score must be a whole number from 0 to 100
            negative score    | general: {score: -1, source: s, date: 2025-01-01}  | quality.yaml line 4: score must be >= 0
            unknown family    | poetry: {score: 50, source: s, date: 2025-01-01}   | quality.yaml line 4: unknown field 'poetry'
            missing source    | general: {score: 50, date: 2025-01-01}             | quality.yaml line 4: missing required field 'source'
            bad date          | general: {score: 50, source: s, date: soon}        | quality.yaml line 4: date must be an ISO date
            fractional score  | general: {score: 50.5, source: s, date: 2025-01-01} | quality.yaml line 4: score must have at most 0 decimal places
            """)
    void invalidScoresAreRejectedWithFileAndLine(String problem, String score, String message) throws IOException {
        Files.writeString(dir.resolve("quality.yaml"), "models:\n  - ids: [m]\n    scores:\n      " + score + "\n");

        TableValidationException e = catchThrowableOfType(TableValidationException.class,
                () -> QualityTableLoader.load(dir));

        assertThat(e).as(problem).isNotNull();
        assertThat(e.getMessage()).as(problem).contains(message);
    }

    @Test
    void anIdListedTwiceInOneFileIsRejected() throws IOException {
        Files.writeString(dir.resolve("quality.yaml"), """
                models:
                  - ids: [m]
                    scores: {general: {score: 1, source: s, date: 2025-01-01}}
                  - ids: [m]
                    scores: {general: {score: 2, source: s, date: 2025-01-01}}
                """);

        assertThat(catchThrowableOfType(TableValidationException.class, () -> QualityTableLoader.load(dir))
                .getMessage()).contains("quality.yaml line 4: model id 'm' is listed twice");
    }
}
