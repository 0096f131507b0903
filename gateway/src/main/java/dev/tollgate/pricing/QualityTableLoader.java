package dev.tollgate.pricing;

import java.nio.file.Path;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads the quality files of the pricing folder: {@code quality.yaml} (shipped), then every {@code quality-*.yaml}
 * in name order, whose scores replace earlier ones per model and family (operators' own evaluations). Strict like
 * the price loader: unknown fields, scores outside 0-100, unknown families, missing source or date, an id listed
 * twice in one file, each reported with file and line. Stateless, thread-safe.
 */
public final class QualityTableLoader {

    private static final Set<String> FILE_FIELDS = Set.of("models");
    private static final Set<String> ENTRY_FIELDS = Set.of("ids", "scores");
    private static final Set<String> SCORE_FIELDS = Set.of("score", "source", "date");
    private static final Set<String> FAMILIES = Set.of("general", "code", "math", "reasoning");

    private QualityTableLoader() {
    }

    /** Loads the quality files of {@code folder}; none at all gives an empty table. */
    public static QualityTable load(Path folder) {
        return load(TableSource.folder(folder));
    }

    /** Loads the quality files of {@code source}; none at all gives an empty table. */
    public static QualityTable load(TableSource source) {
        List<String> problems = new ArrayList<>();
        Map<String, EnumMap<TaskFamily, QualityScore>> scores = new HashMap<>();
        for (TableFile file : files(source, problems)) {
            String name = file.name();
            YamlNode root = YamlNode.parse(file, problems);
            if (root == null) {
                continue;
            }
            YamlNode models = root.mapping(FILE_FIELDS).get("models");
            if (models == null) {
                root.problem("missing required field 'models'");
                continue;
            }
            Set<String> seen = new HashSet<>();
            for (YamlNode entry : models.sequence()) {
                Map<String, YamlNode> f = entry.mapping(ENTRY_FIELDS);
                List<String> ids = new ArrayList<>();
                if (!f.containsKey("ids")) {
                    entry.problem("missing required field 'ids' (the model ids these scores apply to)");
                } else {
                    for (YamlNode id : f.get("ids").sequence()) {
                        String text = id.string();
                        if (text != null && !seen.add(text)) {
                            id.problem("model id '" + text + "' is listed twice in this file");
                        } else if (text != null) {
                            ids.add(text);
                        }
                    }
                }
                if (!f.containsKey("scores")) {
                    entry.problem("missing required field 'scores'");
                    continue;
                }
                EnumMap<TaskFamily, QualityScore> entryScores = new EnumMap<>(TaskFamily.class);
                f.get("scores").mapping(FAMILIES).forEach((family, node) -> {
                    QualityScore s = score(node, name);
                    if (s != null) {
                        entryScores.put(TaskFamily.fromName(family).orElseThrow(), s);
                    }
                });
                for (String id : ids) {
                    scores.computeIfAbsent(id, k -> new EnumMap<>(TaskFamily.class)).putAll(entryScores);
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new TableValidationException(problems);
        }
        return new QualityTable(Map.copyOf(scores));
    }

    private static QualityScore score(YamlNode node, String file) {
        Map<String, YamlNode> f = node.mapping(SCORE_FIELDS);
        Integer score = null;
        if (!f.containsKey("score")) {
            node.problem("missing required field 'score'");
        } else {
            var value = f.get("score").decimal("score", 0);
            if (value != null && value.compareTo(java.math.BigDecimal.valueOf(100)) > 0) {
                f.get("score").problem("score must be a whole number from 0 to 100, but was " + value);
            } else if (value != null) {
                score = value.intValueExact();
            }
        }
        String source = f.containsKey("source") ? f.get("source").string() : null;
        if (!f.containsKey("source")) {
            node.problem("missing required field 'source'");
        }
        LocalDate date = null;
        if (!f.containsKey("date")) {
            node.problem("missing required field 'date'");
        } else {
            String text = f.get("date").string();
            try {
                date = text == null ? null : LocalDate.parse(text);
            } catch (DateTimeParseException e) {
                f.get("date").problem("date must be an ISO date like 2025-01-20, but was '" + text + "'");
            }
        }
        return score == null || source == null || date == null ? null : new QualityScore(score, source, date, file);
    }

    /** quality.yaml first, then quality-*.yaml by name. */
    static List<TableFile> files(TableSource source, List<String> problems) {
        List<TableFile> files = new ArrayList<>(source.yamlFiles("pricing", "tollgate.pricing.location",
                name -> name.equals("quality.yaml") || name.startsWith("quality-"), problems));
        // quality.yaml first, then the operators' files in name order, so theirs replace the shipped scores
        files.sort((a, b) -> {
            boolean aMain = a.name().equals("quality.yaml");
            boolean bMain = b.name().equals("quality.yaml");
            return aMain != bMain ? (aMain ? -1 : 1) : a.name().compareTo(b.name());
        });
        return files;
    }
}
