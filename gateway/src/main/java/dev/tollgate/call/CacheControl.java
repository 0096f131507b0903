package dev.tollgate.call;

/**
 * Anthropic's prompt-cache breakpoint on a block ({@code {"type":"ephemeral","ttl":"1h"}}); {@code ttl} is null when
 * the client left it to the default (5 minutes). OpenAI-compatible backends cache prefixes by themselves and have no
 * such marker. Immutable.
 */
public record CacheControl(String type, String ttl) {

    public static final CacheControl EPHEMERAL = new CacheControl("ephemeral", null);
}
