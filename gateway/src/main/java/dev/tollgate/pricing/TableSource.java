package dev.tollgate.pricing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * Where a set of YAML tables is read from: a folder on disk (watched for changes) or the copies of the repository's
 * tables built into the jar (which never change). The loaders read either alike. Immutable, thread-safe.
 */
public sealed interface TableSource permits TableSource.Folder, TableSource.BuiltIn {

    /**
     * The YAML files ({@code *.yaml}, {@code *.yml}, not hidden) whose names {@code accept} takes, sorted by name. A
     * missing or unreadable source is reported in {@code problems}, naming {@code property} to set.
     *
     * @param what the tables' kind for messages ("pricing", "routing-rules")
     */
    List<TableFile> yamlFiles(String what, String property, Predicate<String> accept, List<String> problems);

    /** For logs: the folder, or that the tables are the jar's own. */
    String describe();

    static TableSource folder(Path path) {
        return new Folder(path);
    }

    /** Whether a name is that of a table file. */
    static boolean isYaml(String name) {
        return (name.endsWith(".yaml") || name.endsWith(".yml")) && !name.startsWith(".");
    }

    /** A folder on disk. */
    record Folder(Path path) implements TableSource {
        @Override
        public List<TableFile> yamlFiles(String what, String property, Predicate<String> accept,
                List<String> problems) {
            if (!Files.isDirectory(path)) {
                problems.add(path + ": the " + what + " folder does not exist (set " + property + ")");
                return List.of();
            }
            try (Stream<Path> files = Files.list(path)) {
                return files.filter(p -> {
                    String name = p.getFileName().toString();
                    return isYaml(name) && accept.test(name);
                }).sorted().map(TableFile::of).toList();
            } catch (IOException | UncheckedIOException e) {
                problems.add(path + ": cannot list: " + e.getMessage());
                return List.of();
            }
        }

        @Override
        public String describe() {
            return "folder " + path;
        }

        @Override
        public String toString() {
            return path.toString();
        }
    }

    /**
     * The jar's copy of one of the repository's table folders.
     *
     * @param name  the folder it is a copy of ({@code pricing}, {@code routing-rules}, {@code routing-rules/demo})
     * @param files its files
     */
    record BuiltIn(String name, List<TableFile> files) implements TableSource {
        public BuiltIn {
            files = files.stream().sorted(Comparator.comparing(TableFile::name)).toList();
        }

        @Override
        public List<TableFile> yamlFiles(String what, String property, Predicate<String> accept,
                List<String> problems) {
            return files.stream().filter(f -> isYaml(f.name()) && accept.test(f.name())).toList();
        }

        @Override
        public String describe() {
            return "built-in tables from the jar (" + name + ")";
        }

        @Override
        public String toString() {
            return "built-in " + name;
        }
    }
}
