package dev.tollgate.gateway;

import org.springframework.core.Ordered;

/**
 * Every filter's order, in one place. The web filter runs first for every {@code /v1} path; the global filters
 * run on the chat route between Spring Cloud Gateway's own ({@code NettyWriteResponseFilter} at -1,
 * {@code RouteToRequestUrlFilter} at 10000, {@code NettyRoutingFilter} last). {@link #FORWARD} sends the call
 * itself and ends the chain, so the built-in URL and routing filters never run for it.
 */
public final class FilterOrder {

    /** Request id, start time, authentication; a WebFilter, so it covers /v1/models and /v1/spend too. */
    public static final int REQUEST_CONTEXT = Ordered.HIGHEST_PRECEDENCE + 100;
    /** Reads the body once (size-limited) and parses it. */
    public static final int PARSE = 1_000;
    /** The routing decision (pure). */
    public static final int ROUTE = 2_000;
    /** Budgets and rate limits: reserves the worst case for the routed call, or refuses it (429). */
    public static final int ADMISSION = 3_000;
    /**
     * Sends the call to the chosen backend and relays the answer; the end of the chain. Before
     * {@code RouteToRequestUrlFilter} (10000), whose URL building a chat call does not need.
     */
    public static final int FORWARD = 9_000;

    private FilterOrder() {
    }
}
