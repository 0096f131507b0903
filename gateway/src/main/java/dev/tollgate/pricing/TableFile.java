package dev.tollgate.pricing;

import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One YAML table file: its name (what problems are reported against) and how to read it, from a folder or from
 * the copy built into the jar. Immutable.
 *
 * @param name   the file name, e.g. {@code openai.yaml}
 * @param opener reads the file's content, UTF-8
 */
public record TableFile(String name, Opener opener) {

    /** Opens the content; each call reads it afresh. */
    @FunctionalInterface
    public interface Opener {
        Reader open() throws IOException;
    }

    /** A file on disk. */
    public static TableFile of(Path path) {
        return new TableFile(path.getFileName().toString(), () -> Files.newBufferedReader(path, StandardCharsets.UTF_8));
    }

    /** A file whose content is already in memory (a built-in table). */
    public static TableFile of(String name, byte[] content) {
        byte[] copy = content.clone();
        return new TableFile(name, () -> new InputStreamReader(new java.io.ByteArrayInputStream(copy),
                StandardCharsets.UTF_8));
    }

    public Reader open() throws IOException {
        return opener.open();
    }
}
