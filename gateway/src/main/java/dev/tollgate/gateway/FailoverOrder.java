package dev.tollgate.gateway;

import java.util.ArrayList;
import java.util.List;

import dev.tollgate.routing.Candidate;

/**
 * The order in which one call tries its candidates: the routing decision's order, except that after a
 * provider-wide failure the rest of that provider's candidates move to the back.
 * <p>
 * Invariant: every candidate is handed out at most once, and the candidates not yet handed out keep the decision's
 * relative order except for the moves {@link #providerFailed} makes; a move takes a provider's remaining candidates
 * out of the line and appends them, in their order, behind everything else (so the provider that failed last is
 * tried last). Nothing is excluded: a provider's other models are still tried when no other provider is left. The
 * decision's list is not copied until the first move, so a call that succeeds at once costs nothing here.
 * Not thread-safe: one instance per call, used by its failover steps one after another.
 */
final class FailoverOrder {

    private List<Candidate> order;
    private int next;

    FailoverOrder(List<Candidate> candidates) {
        this.order = candidates;
    }

    /** The next candidate to try, or null when every one has been handed out. */
    Candidate next() {
        return next < order.size() ? order.get(next++) : null;
    }

    /** The provider failed as a whole: its remaining candidates go behind every other remaining candidate. */
    void providerFailed(String provider) {
        List<Candidate> others = new ArrayList<>(order.size() - next);
        List<Candidate> theirs = new ArrayList<>();
        for (int i = next; i < order.size(); i++) {
            Candidate c = order.get(i);
            (c.offering().provider().equals(provider) ? theirs : others).add(c);
        }
        if (theirs.isEmpty()) {
            return;
        }
        others.addAll(theirs);
        order = others;
        next = 0;
    }
}
