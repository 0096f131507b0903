package dev.tollgate.call;

/** A prompt counter that also counts one text on its own, without a chat template's overhead (embedding inputs). */
public interface TextTokenCounter extends PromptTokenCounter {

    /** Tokens of {@code text}. */
    int count(String text);
}
