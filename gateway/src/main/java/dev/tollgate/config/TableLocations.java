package dev.tollgate.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;

import dev.tollgate.pricing.TableFile;
import dev.tollgate.pricing.TableSource;

/**
 * Decides where the price tables and the routing rules are read from. A configured location is that folder, which
 * must exist (the loaders say so if it does not). Without one, the default folder ({@code pricing},
 * {@code routing-rules}, or the demo profile's {@code routing-rules/demo}, relative to the working directory) is
 * used if it exists, and otherwise the copy of it built into the jar, under {@value #BUILT_IN} (the build copies
 * the repository's folders there), so that the gateway starts from any working directory. Stateless.
 */
final class TableLocations {

    /** Where the jar keeps its copies of the repository's table folders. */
    static final String BUILT_IN = "tollgate/tables/";

    private TableLocations() {
    }

    /**
     * @param configured      the configured folder, or null
     * @param defaultLocation the default folder, relative to the working directory
     */
    static TableSource resolve(Path configured, String defaultLocation) {
        if (configured != null) {
            return TableSource.folder(configured);
        }
        Path folder = Path.of(defaultLocation);
        if (Files.isDirectory(folder)) {
            return TableSource.folder(folder);
        }
        List<TableFile> files = builtIn(defaultLocation);
        // no copy of it in the jar either: the folder, which the loader reports as missing
        return files.isEmpty() ? TableSource.folder(folder) : new TableSource.BuiltIn(defaultLocation, files);
    }

    /** The jar's copies of the files of {@code folder} ({@code pricing}, {@code routing-rules/demo}); none: empty. */
    static List<TableFile> builtIn(String folder) {
        String name = folder.replace('\\', '/').replaceAll("^\\./|/+$", "");
        if (name.isEmpty() || name.startsWith("/") || name.contains("..")) {
            return List.of();
        }
        PathMatchingResourcePatternResolver resolver = new PathMatchingResourcePatternResolver(
                TableLocations.class.getClassLoader());
        List<TableFile> files = new ArrayList<>();
        try {
            for (String pattern : new String[] {"*.yaml", "*.yml"}) {
                for (Resource resource : resolver.getResources("classpath*:" + BUILT_IN + name + "/" + pattern)) {
                    try (InputStream in = resource.getInputStream()) {
                        files.add(TableFile.of(resource.getFilename(), in.readAllBytes()));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the tables built into the jar under " + BUILT_IN + name, e);
        }
        return files;
    }
}
