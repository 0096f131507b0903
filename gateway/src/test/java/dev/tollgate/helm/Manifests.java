package dev.tollgate.helm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * The objects of a rendered chart (helm template's multi-document YAML), with lookups by kind and name and
 * navigation into their untyped trees. Not thread-safe; one per render.
 */
final class Manifests {

    private final List<Map<String, Object>> objects;

    private Manifests(List<Map<String, Object>> objects) {
        this.objects = objects;
    }

    @SuppressWarnings("unchecked")
    static Manifests parse(String rendered) {
        LoaderOptions options = new LoaderOptions();
        options.setCodePointLimit(16 * 1024 * 1024);
        List<Map<String, Object>> objects = new ArrayList<>();
        for (Object document : new Yaml(options).loadAll(rendered)) {
            if (document != null) {
                objects.add((Map<String, Object>) document);
            }
        }
        return new Manifests(objects);
    }

    List<Map<String, Object>> all() {
        return objects;
    }

    List<Map<String, Object>> ofKind(String kind) {
        return objects.stream().filter(o -> kind.equals(o.get("kind"))).toList();
    }

    Map<String, Object> one(String kind) {
        List<Map<String, Object>> found = ofKind(kind);
        if (found.size() != 1) {
            throw new AssertionError("expected one " + kind + " but found " + found.size());
        }
        return found.get(0);
    }

    Map<String, Object> named(String kind, String name) {
        return ofKind(kind).stream().filter(o -> name.equals(at(o, "metadata", "name"))).findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " named " + name + " in " + names()));
    }

    List<String> names() {
        return objects.stream().map(o -> o.get("kind") + "/" + at(o, "metadata", "name")).toList();
    }

    /** The gateway container of the Deployment. */
    Map<String, Object> gateway() {
        List<Map<String, Object>> containers = at(one("Deployment"), "spec", "template", "spec", "containers");
        return containers.stream().filter(c -> "gateway".equals(c.get("name"))).findFirst().orElseThrow();
    }

    /** The gateway container's environment variable of that name. */
    Map<String, Object> env(String name) {
        List<Map<String, Object>> env = at(gateway(), "env");
        return env.stream().filter(e -> name.equals(e.get("name"))).findFirst()
                .orElseThrow(() -> new AssertionError("no environment variable " + name));
    }

    List<Map<String, Object>> envList() {
        return at(gateway(), "env");
    }

    /** Walks maps by key and lists by index: at(o, "spec", "containers", 0, "name"). */
    @SuppressWarnings("unchecked")
    static <T> T at(Object node, Object... path) {
        Object current = node;
        for (Object step : path) {
            if (current == null) {
                return null;
            }
            current = step instanceof Integer i ? ((List<Object>) current).get(i) : ((Map<String, Object>) current).get(step);
        }
        return (T) current;
    }

    /** The repository's root: the first folder up from the working directory holding the chart. */
    static Path repositoryRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isRegularFile(dir.resolve("helm/tollgate/Chart.yaml"))) {
            dir = dir.getParent();
        }
        return Objects.requireNonNull(dir, "helm/tollgate/Chart.yaml not found above the working directory");
    }

    /** Files of a folder matching a glob, by name, not recursive. */
    static List<Path> files(Path folder, String glob) {
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (var stream = Files.newDirectoryStream(folder, glob)) {
            List<Path> files = new ArrayList<>();
            stream.forEach(files::add);
            files.sort(null);
            return files;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Copies a folder into target, following symbolic links (the copy holds the linked files themselves). */
    static void copyFollowingLinks(Path source, Path target) {
        try (Stream<Path> paths = Files.walk(source, FileVisitOption.FOLLOW_LINKS)) {
            for (Path path : (Iterable<Path>) paths::iterator) {
                Path to = target.resolve(source.relativize(path).toString());
                if (Files.isDirectory(path)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(path, to);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
