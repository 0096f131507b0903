package dev.tollgate.call;

/**
 * Who wrote a message of the conversation; system text is not a message but {@link CallRequest#system()}. Immutable.
 */
public enum Role {
    USER,
    ASSISTANT
}
