package dev.tollgate.providers;

import java.util.List;
import java.util.function.Function;

import dev.tollgate.call.CallRequest;

/**
 * What one attempt sends to a backend: the parsed request, the model id the backend expects, the body to send
 * (already prepared for the backend's wire format), and the client's request headers, of which a backend passes on
 * only those its settings name ({@link BackendSettings#forwardHeaders}). Immutable.
 *
 * @param clientHeaders the client's values of a header, by name (empty when absent)
 */
public record UpstreamCall(CallRequest request, String upstreamModel, byte[] body,
        Function<String, List<String>> clientHeaders) {

    /** A call that passes no client header on. */
    public UpstreamCall(CallRequest request, String upstreamModel, byte[] body) {
        this(request, upstreamModel, body, name -> List.of());
    }
}
