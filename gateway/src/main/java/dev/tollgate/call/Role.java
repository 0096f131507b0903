package dev.tollgate.call;

/**
 * Who wrote a message of the conversation; system text is not a message but {@link CanonicalRequest#system()}. Immutable.
 */
public enum Role {
    USER,
    ASSISTANT
}
