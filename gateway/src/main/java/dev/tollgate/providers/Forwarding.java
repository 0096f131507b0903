package dev.tollgate.providers;

import java.util.List;

import io.netty.handler.codec.http.HttpHeaders;

/** Passes on the client's request headers a backend's settings name, and no other. Stateless. */
final class Forwarding {

    private Forwarding() {
    }

    /** Sets on {@code upstream} every value the client sent of each header in {@code names}. */
    static void copy(List<String> names, UpstreamCall call, HttpHeaders upstream) {
        for (String name : names) {
            List<String> values = call.clientHeaders().apply(name);
            if (!values.isEmpty()) {
                upstream.set(name, values);
            }
        }
    }
}
