package dev.tollgate.pricing;

import java.io.IOException;
import java.io.Reader;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * A strict reader over a composed YAML node that remembers where each value stands, so every validation message
 * says "file line N: expected ..., but was ...". Problems are collected, not thrown one by one, so an operator
 * sees all of them at once. Not thread-safe; one instance per file load.
 */
public final class YamlNode {

    private final String file;
    private final Node node;
    private final List<String> problems;

    private YamlNode(String file, Node node, List<String> problems) {
        this.file = file;
        this.node = node;
        this.problems = problems;
    }

    /** Parses a table file; syntax errors are added to {@code problems} and give null. */
    public static YamlNode parse(TableFile file, List<String> problems) {
        String displayName = file.name();
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        options.setMaxAliasesForCollections(10);
        try (Reader reader = file.open()) {
            Node root = new Yaml(options).compose(reader);
            if (root == null) {
                problems.add(displayName + ": the file is empty");
                return null;
            }
            return new YamlNode(displayName, root, problems);
        } catch (MarkedYAMLException e) {
            int line = e.getProblemMark() != null ? e.getProblemMark().getLine() + 1 : 0;
            problems.add(displayName + " line " + line + ": not valid YAML: " + e.getProblem());
            return null;
        } catch (IOException | RuntimeException e) {
            problems.add(displayName + ": cannot be read: " + e.getMessage());
            return null;
        }
    }

    public String file() {
        return file;
    }

    public int line() {
        return node.getStartMark().getLine() + 1;
    }

    public String where() {
        return file + " line " + line();
    }

    public void problem(String message) {
        problems.add(where() + ": " + message);
    }

    /** The entries of a mapping, after checking that no key outside {@code allowed} is present. */
    public Map<String, YamlNode> mapping(Set<String> allowed) {
        Map<String, YamlNode> out = new LinkedHashMap<>();
        if (!(node instanceof MappingNode mapping)) {
            problem("expected a mapping, but was " + describe());
            return out;
        }
        for (NodeTuple tuple : mapping.getValue()) {
            YamlNode key = new YamlNode(file, tuple.getKeyNode(), problems);
            String name = key.node instanceof ScalarNode s ? s.getValue() : "?";
            if (allowed != null && !allowed.contains(name)) {
                key.problem("unknown field '" + name + "'; expected one of " + allowed);
                continue;
            }
            if (out.containsKey(name)) {
                // compose() does not enforce LoaderOptions.setAllowDuplicateKeys(false): only construction does.
                key.problem("field '" + name + "' is given twice");
                continue;
            }
            out.put(name, new YamlNode(file, tuple.getValueNode(), problems));
        }
        return out;
    }

    public List<YamlNode> sequence() {
        List<YamlNode> out = new ArrayList<>();
        if (!(node instanceof SequenceNode seq)) {
            problem("expected a list, but was " + describe());
            return out;
        }
        for (Node item : seq.getValue()) {
            out.add(new YamlNode(file, item, problems));
        }
        return out;
    }

    public String string() {
        if (node instanceof ScalarNode s && !s.getValue().isBlank()) {
            return s.getValue();
        }
        problem("expected a non-empty text, but was " + describe());
        return null;
    }

    public Integer positiveInt() {
        return positiveInt(null);
    }

    /** A whole number > 0; a problem names {@code field} when it is not null. */
    public Integer positiveInt(String field) {
        String text = scalar();
        try {
            int value = Integer.parseInt(text == null ? "" : text.replace("_", ""));
            if (value > 0) {
                return value;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        problem((field == null ? "expected a whole number > 0" : field + " must be a whole number > 0") + ", but was "
                + describe());
        return null;
    }

    public Boolean bool() {
        String text = scalar();
        if ("true".equals(text) || "false".equals(text)) {
            return Boolean.valueOf(text);
        }
        problem("expected true or false, but was " + describe());
        return null;
    }

    /** A non-negative plain decimal with at most {@code maxScale} decimal places. */
    public BigDecimal decimal(String field, int maxScale) {
        String text = scalar();
        BigDecimal value;
        try {
            value = new BigDecimal(text == null ? "" : text.trim());
        } catch (NumberFormatException e) {
            problem(field + " must be a plain decimal number, but was " + describe());
            return null;
        }
        if (text.contains("e") || text.contains("E")) {
            problem(field + " must be written as a plain decimal (no exponent), but was " + text);
            return null;
        }
        if (value.signum() < 0) {
            problem(field + " must be >= 0, but was " + text);
            return null;
        }
        if (value.stripTrailingZeros().scale() > maxScale) {
            problem(field + " must have at most " + maxScale + " decimal places, but was " + text);
            return null;
        }
        return value;
    }

    /** An ISO date (UTC midnight) or an ISO date-time with offset. */
    public Instant instant(String field) {
        String text = scalar();
        if (text != null) {
            try {
                return text.length() == 10 ? LocalDate.parse(text).atStartOfDay(ZoneOffset.UTC).toInstant()
                        : OffsetDateTime.parse(text).toInstant();
            } catch (DateTimeParseException ignored) {
                // reported below
            }
        }
        problem(field + " must be an ISO date (2025-01-20) or date-time with offset, but was " + describe());
        return null;
    }

    public void forEachString(Consumer<YamlNode> each) {
        sequence().forEach(each);
    }

    private String scalar() {
        return node instanceof ScalarNode s ? s.getValue() : null;
    }

    private String describe() {
        if (node instanceof ScalarNode s) {
            return s.getValue().isEmpty() ? "empty" : "'" + s.getValue() + "'";
        }
        return node instanceof MappingNode ? "a mapping" : "a list";
    }
}
