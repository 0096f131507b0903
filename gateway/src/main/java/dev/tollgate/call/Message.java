package dev.tollgate.call;

import java.util.List;
import java.util.Objects;

/** One turn of the conversation: a role and its content parts, in order. Immutable. */
public record Message(Role role, List<Part> content) {

    public Message {
        Objects.requireNonNull(role, "role");
        content = content == null ? List.of() : List.copyOf(content);
    }

    public static Message user(Part... parts) {
        return new Message(Role.USER, List.of(parts));
    }

    public static Message assistant(Part... parts) {
        return new Message(Role.ASSISTANT, List.of(parts));
    }
}
