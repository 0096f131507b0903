package dev.tollgate.budget;

import java.util.Arrays;

/**
 * What admission may reserve for one call, and the output cap each candidate backend gets for what was reserved.
 * <p>
 * The bound it keeps: a call admitted with amount {@code R} can cost at most {@code R} at any candidate it may be sent
 * to, whatever the provider's tokenizer and whatever kinds it bills the tokens as, because its prompt is priced at an
 * upper bound of its tokens (the request's byte length, see {@code ChatRequest.promptBoundTokens}) at the highest
 * price any prompt token can be billed at, and its output at the cap the upstream request carries, for every choice
 * ({@code n}), at the highest output price. The worst case of candidate {@code i} is
 * {@code promptBound[i] x input[i] + n x requested[i] x output[i]}, where {@code requested[i]} is the client's
 * {@code max_tokens}, else the model's whole output limit. The amounts to try, in order, as {@link AdmitRequest#amounts}: the largest worst case (every
 * candidate at its full request), the first candidate's, then with downgrade-to-fit each cheaper worst case in routing
 * order. Then, as {@link AdmitRequest#flexibleMinimum}, the first candidate's cost with its output cut to
 * {@code minOutput} tokens per choice (or what it asked, if less): when a hard budget has less left than every
 * amount but at least that, what it has left is reserved and the output capped to what it covers
 * ({@link #cap}). Prices are per token in pico-USD (a price per 1M tokens in micro-USD is the same number); amounts
 * are nano-USD, rounded up. Pure and immutable.
 */
public final class ReservationPlan {

    private final long[] inputPico;
    private final long[] outputPico;
    private final long[] promptBound;
    private final int[] requested;
    private final int[] minOutput;
    private final int choices;
    private final long[] worst;
    private final long[] amounts;
    private final long flexibleMinimum;

    /**
     * @param inputPico   per candidate, in routing order: the highest price per token (pico-USD) any prompt token
     *                    can be billed at (uncached, cached, cache writes, long-context tier when it can apply)
     * @param outputPico  the highest output price per token (pico-USD)
     * @param promptBound the prompt's tokens at most, at that candidate
     * @param requested   the output tokens per choice the call asks of that candidate (its {@code max_tokens}, else
     *                    the model's limit)
     * @param choices     {@code n}, at least 1
     * @param minOutput   fewest output tokens per choice a capped call may be given (a smaller remainder refuses)
     * @param downgrade   whether a cheaper candidate's worst case may be reserved when the first's does not fit
     */
    public ReservationPlan(long[] inputPico, long[] outputPico, long[] promptBound, int[] requested, int choices,
            int minOutput, boolean downgrade) {
        int n = inputPico.length;
        if (n == 0 || outputPico.length != n || promptBound.length != n || requested.length != n) {
            throw new IllegalArgumentException("one price, prompt bound and request per candidate, at least one");
        }
        if (choices < 1 || minOutput < 1) {
            throw new IllegalArgumentException("choices and minOutput must be >= 1, but were " + choices + " and "
                    + minOutput);
        }
        this.inputPico = inputPico.clone();
        this.outputPico = outputPico.clone();
        this.promptBound = promptBound.clone();
        this.requested = requested.clone();
        this.choices = choices;
        this.worst = new long[n];
        this.minOutput = new int[n];
        for (int i = 0; i < n; i++) {
            worst[i] = nanosUp(cost(i, requested[i]));
            this.minOutput[i] = Math.min(minOutput, requested[i]);
        }
        this.amounts = amounts(worst, downgrade);
        long minimum = nanosUp(cost(0, this.minOutput[0]));
        this.flexibleMinimum = minimum < worst[0] ? minimum : 0;
    }

    /** The fixed amounts to try, in order (nano-USD). */
    public long[] amounts() {
        return amounts.clone();
    }

    /** The least a capped call needs reserved (nano-USD); 0 when capping cannot make the call fit. */
    public long flexibleMinimum() {
        return flexibleMinimum;
    }

    /** Candidate {@code i}'s worst case at its full request (nano-USD). */
    public long worst(int i) {
        return worst[i];
    }

    /**
     * The output tokens per choice candidate {@code i} may be given when {@code reserved} was reserved: its whole
     * request when its worst case fits; after a flexible reservation, what the amount covers once its prompt bound
     * is paid (at least {@code minOutput}); otherwise -1, and the candidate must not be sent (failover skips it).
     *
     * @param flexible whether {@code reserved} is the flexible amount (else one of {@link #amounts})
     */
    public int cap(int i, long reserved, boolean flexible) {
        if (worst[i] <= reserved) {
            return requested[i];
        }
        if (!flexible) {
            return -1;
        }
        long left = mulSat(reserved, 1000) - mulSat(promptBound[i], inputPico[i]);
        if (left < 0) {
            return -1;
        }
        long perToken = mulSat(outputPico[i], choices);
        long covered = perToken == 0 ? requested[i] : left / perToken;
        int cap = (int) Math.min(covered, requested[i]);
        return cap >= minOutput[i] ? cap : -1;
    }

    /** Whether the output cap {@link #cap} gives candidate {@code i} is below what the call asked. */
    public boolean capped(int i, int cap) {
        return cap >= 0 && cap < requested[i];
    }

    /** Pico-USD of candidate {@code i} with {@code output} tokens per choice. */
    private long cost(int i, long output) {
        return addSat(mulSat(promptBound[i], inputPico[i]), mulSat(mulSat(output, choices), outputPico[i]));
    }

    /**
     * The amounts to try, in order: the largest worst case among the candidates, the first candidate's, then (with
     * downgrade) each cheaper worst case in routing order.
     */
    static long[] amounts(long[] worst, boolean downgrade) {
        long max = 0;
        for (long w : worst) {
            max = Math.max(max, w);
        }
        long[] out = new long[worst.length + 2];
        int n = 0;
        out[n++] = max;
        if (worst[0] != max) {
            out[n++] = worst[0];
        }
        if (downgrade) {
            for (long w : worst) {
                if (w < out[n - 1]) {
                    out[n++] = w;
                }
            }
        }
        return Arrays.copyOf(out, n);
    }

    /** Pico-USD to nano-USD, rounded up. */
    static long nanosUp(long pico) {
        return pico <= 0 ? 0 : pico / 1000 + (pico % 1000 == 0 ? 0 : 1);
    }

    private static long mulSat(long a, long b) {
        long r = a * b;
        return a != 0 && (r / a != b || r < 0) ? Long.MAX_VALUE : r;
    }

    private static long addSat(long a, long b) {
        long r = a + b;
        return r < 0 ? Long.MAX_VALUE : r;
    }
}
