package dev.tollgate.metering;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.tollgate.call.CallRequest;
import dev.tollgate.call.Outcome;
import dev.tollgate.call.StreamUsage;
import dev.tollgate.auth.Principal;
import dev.tollgate.pricing.PriceRow;
import dev.tollgate.pricing.Usage;

/**
 * The state of one call as it moves through the filters, completed exactly once into a ledger row, metrics and
 * the cost header. Fields are written by the call's own path one step after another (Reactor gives each step a
 * happens-before edge to the next); they are volatile because a client cancel can complete the record from
 * another event-loop thread. {@link #markCompleted} decides that race (normal end against cancel) by a CAS.
 */
public final class CallRecord {

    private final String requestId;
    private final Instant startedAt;
    private final long startNanos;
    private final Principal principal;
    private final AtomicBoolean completed = new AtomicBoolean();

    private volatile CallRequest request;
    private volatile String provider;
    private volatile String model;
    private volatile PriceRow price;
    private volatile long firstByteNanos;
    private volatile Usage usage;
    private volatile int status;
    private volatile Outcome outcome;
    private volatile String errorCode;
    private volatile StreamUsage tap;
    private volatile boolean relayed;
    private volatile String baselineModel;
    private volatile PriceRow baselinePrice;
    private volatile String alias;
    private final List<Attempt> attempts = new ArrayList<>(2);
    private volatile Settlement settlement;

    public CallRecord(String requestId, Instant startedAt, long startNanos, Principal principal) {
        this.requestId = requestId;
        this.startedAt = startedAt;
        this.startNanos = startNanos;
        this.principal = principal;
    }

    public boolean markCompleted() {
        return completed.compareAndSet(false, true);
    }

    /** The backend the call is now sent to; a failover calls it again for the next one, clearing the last's usage. */
    public void served(String provider, String model, PriceRow price) {
        this.provider = provider;
        this.model = model;
        this.price = price;
        this.usage = null;
        this.tap = null;
    }

    /** Settles what admission reserved for this call, once its cost is known; null when nothing was reserved. */
    public Settlement settlement() {
        return settlement;
    }

    public void settlement(Settlement settlement) {
        this.settlement = settlement;
    }

    /**
     * A call's budget reservation: settled once, to the call's actual cost, as soon as the cost is known (a whole
     * answer before it is written, a stream at its end), or when the call completes however it ended; later settles
     * do nothing. Implementations are thread-safe.
     */
    public interface Settlement {

        /** Settles to the actual cost (null: unpriced, nothing charged) and tokens (input + output); once. */
        void settle(java.math.BigDecimal costUsd, long tokens);

        /**
         * What the tightest budget has left once this call is charged {@code costUsd}, computed from the admission's
         * figures (other calls settled since are not seen); null before admission.
         */
        default java.math.BigDecimal remainingAfter(java.math.BigDecimal costUsd) {
            return null;
        }

        /** The amount reserved for the call (null: nothing reserved). */
        default java.math.BigDecimal reservedUsd() {
            return null;
        }
    }

    /** Settles the reservation now with the cost of {@code usage} at the served price (a no-op when there is none). */
    public void settleNow(java.math.BigDecimal cost, Usage usage) {
        Settlement s = settlement;
        if (s != null) {
            s.settle(cost, usage == null ? 0 : usage.promptTokens() + usage.outputTokens());
        }
    }

    /** Appends one attempt (failover order). */
    public void attempt(Attempt attempt) {
        synchronized (attempts) {
            attempts.add(attempt);
        }
    }

    /** The attempts so far, in order. */
    public List<Attempt> attempts() {
        synchronized (attempts) {
            return List.copyOf(attempts);
        }
    }

    public void firstByte(long nanos) {
        if (firstByteNanos == 0) {
            firstByteNanos = nanos;
        }
    }

    public void end(int status, Outcome outcome, String errorCode) {
        if (this.outcome == null) {
            this.status = status;
            this.outcome = outcome;
            this.errorCode = errorCode;
        }
    }

    public String requestId() {
        return requestId;
    }

    public Instant startedAt() {
        return startedAt;
    }

    public long startNanos() {
        return startNanos;
    }

    public Principal principal() {
        return principal;
    }

    public CallRequest request() {
        return request;
    }

    public void request(CallRequest request) {
        this.request = request;
    }

    public String provider() {
        return provider;
    }

    public String model() {
        return model;
    }

    public PriceRow price() {
        return price;
    }

    public long firstByteNanos() {
        return firstByteNanos;
    }

    public Usage usage() {
        return usage;
    }

    public void usage(Usage usage) {
        this.usage = usage;
    }

    public int status() {
        return status;
    }

    public Outcome outcome() {
        return outcome;
    }

    public String errorCode() {
        return errorCode;
    }

    /** What the call is measured against: the requested (or alias's baseline) model and its price. */
    public void baseline(String model, PriceRow price, String alias) {
        this.baselineModel = model;
        this.baselinePrice = price;
        this.alias = alias;
    }

    public String baselineModel() {
        return baselineModel;
    }

    public PriceRow baselinePrice() {
        return baselinePrice;
    }

    public String alias() {
        return alias;
    }

    /** The whole answer has been handed to the client's connection. */
    public void relayed() {
        relayed = true;
    }

    public boolean wasRelayed() {
        return relayed;
    }

    public StreamUsage tap() {
        return tap;
    }

    public void tap(StreamUsage tap) {
        this.tap = tap;
    }
}
