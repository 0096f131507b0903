package dev.tollgate.metering;

import dev.tollgate.call.AttemptOutcome;

/**
 * One attempt of a call at one backend, as the ledger keeps it. Skipped candidates ({@link AttemptOutcome#skipped})
 * are kept too, with no latency, so a row shows why the call did not go to the cheapest backend. Immutable.
 *
 * @param latencyMicros from sending to the attempt's end (its first byte for a success, its failure otherwise)
 */
public record Attempt(String provider, String model, AttemptOutcome outcome, long latencyMicros) {
}
