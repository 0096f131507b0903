package dev.tollgate.providers;

import dev.tollgate.api.ChatRequest;

/**
 * What one attempt sends to a backend: the parsed request, the model id the backend expects, and the body to send
 * (already translated for it). Immutable.
 */
public record UpstreamCall(ChatRequest request, String upstreamModel, byte[] body) {
}
