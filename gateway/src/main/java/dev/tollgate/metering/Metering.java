package dev.tollgate.metering;

import java.math.BigDecimal;
import java.util.List;

import dev.tollgate.call.Outcome;
import dev.tollgate.call.StreamUsage;
import dev.tollgate.pricing.CostCalculator;
import dev.tollgate.pricing.PriceRow;
import dev.tollgate.pricing.Usage;

/**
 * Completes a call exactly once, however it ended: settles its usage (the upstream's, else counted with the
 * tokenizer and flagged estimated), prices it, records the metrics, and appends its ledger row. The same
 * {@link #cost} is used for the {@code x-tollgate-cost-usd} header, the ledger and the spend counter, so the three
 * agree to the last digit. Thread-safe.
 */
public final class Metering {

    /** HTTP status recorded for a call whose client went away (nginx's convention). */
    public static final int CLIENT_CLOSED = 499;

    private final GatewayMetrics metrics;
    private final LedgerWriter ledger;
    private final TokenCounter tokens;

    public Metering(GatewayMetrics metrics, LedgerWriter ledger, TokenCounter tokens) {
        this.metrics = metrics;
        this.ledger = ledger;
        this.tokens = tokens;
    }

    /** The exact cost of a usage at a price; zero when nothing was used. */
    public static BigDecimal cost(Usage usage, PriceRow price) {
        return usage == null || price == null ? BigDecimal.ZERO.setScale(CostCalculator.COST_SCALE)
                : CostCalculator.cost(usage, price);
    }

    /**
     * Completes the call; the second and later calls for the same record do nothing.
     *
     * @param cancelled the client went away before the end
     */
    public void complete(CallRecord call, boolean cancelled, long nowNanos) {
        if (!call.markCompleted()) {
            return;
        }
        if (call.outcome() == null) {
            // A backend was chosen but its answer did not reach the end: the client left. Some servers complete
            // rather than cancel the response when the client goes away, so the signal alone is not enough; and a
            // client that closes its connection right after reading a whole answer is not a cancel either.
            if (call.provider() != null ? !call.wasRelayed() : cancelled) {
                call.end(CLIENT_CLOSED, Outcome.CANCELLED, "client_closed_request");
            } else {
                call.end(200, Outcome.SUCCESS, null);
            }
        }
        Usage usage = settledUsage(call);
        BigDecimal cost = cost(usage, call.price());
        BigDecimal counterfactual = call.provider() == null || call.baselinePrice() == null ? null
                : cost(usage, call.baselinePrice());
        long durationNanos = nowNanos - call.startNanos();
        long ttftNanos = call.firstByteNanos() > 0 ? call.firstByteNanos() - call.startNanos() : 0;
        boolean stream = call.request() != null && call.request().stream();
        metrics.record(call.principal().team(), call.provider(), call.model(), call.outcome(), usage, cost,
                counterfactual, durationNanos, ttftNanos, stream);
        Usage u = usage != null ? usage : Usage.NONE;
        CallRecord.Settlement settlement = call.settlement();
        if (settlement != null) {
            // also when the call failed or the client left: the reservation is released down to what was used (a
            // no-op when the relay settled already, with this same cost)
            settlement.settle(cost, u.promptTokens() + u.outputTokens());
        }
        List<Attempt> attempts = call.attempts();
        ledger.append(new LedgerEntry(call.requestId(), call.startedAt(), call.principal().team(),
                call.principal().keyId(), call.principal().app(),
                call.request() != null ? call.request().model() : null, call.provider(), call.model(), stream,
                u.inputTokens(), u.cachedInputTokens(), u.cacheWriteTokens(), u.cacheWrite1hTokens(), u.outputTokens(),
                u.reasoningTokens(), cost, call.price() != null ? call.price().version() : null, durationNanos / 1000,
                ttftNanos > 0 ? ttftNanos / 1000 : null, call.status(), call.outcome().label(), call.errorCode(),
                u.estimated(), counterfactual, call.baselineModel(), call.alias(), attempts,
                failovers(attempts), settlement != null ? settlement.reservedUsd() : null));
    }

    /** Moves to another backend after a failed upstream call: upstream calls made, less the first. */
    static int failovers(List<Attempt> attempts) {
        int sent = 0;
        for (Attempt a : attempts) {
            if (!a.outcome().skipped()) {
                sent++;
            }
        }
        return Math.max(sent - 1, 0);
    }

    /**
     * The usage to bill. The upstream's own count wins. A stream without it (the upstream ignored
     * {@code include_usage}, was cut, or the client left) is billed for what was delivered: the prompt counted
     * from the request and the delivered deltas counted with the tokenizer, flagged estimated. A non-streamed call
     * that a backend took but never answered (client left, timeout) bills its prompt, estimated: providers bill
     * processed input even when the answer is lost.
     */
    private Usage settledUsage(CallRecord call) {
        if (call.usage() != null) {
            return call.usage();
        }
        if (call.provider() == null || call.request() == null) {
            return null;
        }
        StreamUsage tap = call.tap();
        if (tap != null && tap.reportedUsage() != null) {
            return tap.reportedUsage();
        }
        Outcome o = call.outcome();
        boolean upstreamWorked = tap != null || o == Outcome.CANCELLED || o == Outcome.TIMEOUT;
        if (!upstreamWorked) {
            return null;
        }
        long output = tap != null ? tap.countDeliveredOutputTokens(tokens::count) : 0;
        Usage prompt = tap != null ? tap.reportedPromptUsage() : null;
        if (prompt != null) {
            // the backend counted the prompt before the stream ended (Anthropic's message_start): exact, every kind
            return new Usage(prompt.inputTokens(), prompt.cachedInputTokens(), prompt.cacheWriteTokens(),
                    prompt.cacheWrite1hTokens(), output, 0, true);
        }
        return new Usage(call.request().promptTokens(tokens), 0, 0, output, 0, true);
    }
}
