package dev.tollgate.pricing;

import java.util.List;

/** A table file that cannot be used; the message names every problem with its file and line. */
public class TableValidationException extends RuntimeException {

    private final List<String> problems;

    public TableValidationException(List<String> problems) {
        super(String.join("\n", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
