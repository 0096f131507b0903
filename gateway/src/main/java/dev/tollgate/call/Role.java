package dev.tollgate.call;

/** Who wrote a message of the conversation. System text is not a message: it is {@link CallRequest#system()}. */
public enum Role {
    USER,
    ASSISTANT
}
