package dev.tollgate.budget;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ReservationPlanTest {

    /** gpt-4o-mini: 0.15 / 0.60 USD per 1M tokens = 150,000 / 600,000 pico-USD per token; 16,384 output at most. */
    private static final long IN = 150_000;
    private static final long OUT = 600_000;

    @ParameterizedTest(name = "worst cases {0}, downgrade {1}: try {2}")
    @CsvSource(delimiter = '|', value = {
        "100             | false | 100",
        "100 100 100     | false | 100",
        "100 300 200     | false | 300 100",
        "300 100 200     | false | 300",
        "300 100 200     | true  | 300 100",
        "300 250 100 50  | true  | 300 250 100 50",
        "100 300 50 80   | true  | 300 100 50"})
    void amountsGoFromTheLargestFailoverWorstCaseToTheFirstThenCheaperOnes(String worst, boolean downgrade,
            String expected) {
        long[] w = java.util.Arrays.stream(worst.trim().split(" +")).mapToLong(Long::parseLong).toArray();
        long[] e = java.util.Arrays.stream(expected.trim().split(" +")).mapToLong(Long::parseLong).toArray();

        assertThat(ReservationPlan.amounts(w, downgrade)).containsExactly(e);
    }

    @ParameterizedTest(name = "{0} pico -> {1} nano")
    @CsvSource({"0, 0", "1, 1", "999, 1", "1000, 1", "1001, 2", "4350000, 4350"})
    void picoUsdRoundsUpToNanoUsd(long pico, long nanos) {
        assertThat(ReservationPlan.nanosUp(pico)).isEqualTo(nanos);
    }

    @Test
    void withoutMaxTokensTheWholeOutputLimitIsReservedAndTheFlexibleMinimumIsThePromptAndTheSmallestOutput() {
        ReservationPlan plan = plan(1000, 16_384, 1, 256);

        // 1,000 x 150,000 + 16,384 x 600,000 pico = 9,980,400 nano
        assertThat(plan.amounts()).containsExactly(9_980_400L);
        assertThat(plan.flexibleMinimum()).isEqualTo(303_600); // 1,000 x 150,000 + 256 x 600,000 pico
        assertThat(plan.cap(0, 9_980_400, false)).isEqualTo(16_384);
        assertThat(plan.capped(0, 16_384)).isFalse();
    }

    @Test
    void aFlexibleReservationCapsTheOutputToWhatItCoversAfterThePrompt() {
        ReservationPlan plan = plan(1000, 16_384, 1, 256);

        // (1,000,000 nano x 1,000 - 150,000,000 pico) / 600,000 = 1,416.6
        assertThat(plan.cap(0, 1_000_000, true)).isEqualTo(1_416);
        assertThat(plan.capped(0, 1_416)).isTrue();
        assertThat(plan.cap(0, 303_600, true)).isEqualTo(256);
        assertThat(plan.cap(0, 303_599, true)).as("below the minimum output").isEqualTo(-1);
        assertThat(plan.cap(0, 1_000_000, false)).as("a fixed amount covers full requests only").isEqualTo(-1);
    }

    @Test
    void everyChoiceIsReservedAndCapped() {
        ReservationPlan plan = plan(8, 1000, 5, 256);

        // 8 x 150,000 + 5 x 1,000 x 600,000 pico = 3,001,200 nano (0.0030012 USD)
        assertThat(plan.amounts()).containsExactly(3_001_200L);
        // (2,000,000 x 1,000 - 1,200,000) / (5 x 600,000) = 666.26
        assertThat(plan.cap(0, 2_000_000, true)).isEqualTo(666);
    }

    @Test
    void aCallAskingForLessThanTheMinimumCannotBeCappedFurther() {
        ReservationPlan plan = plan(1000, 100, 1, 256);

        assertThat(plan.flexibleMinimum()).as("capping cannot make it fit").isZero();
        assertThat(plan.cap(0, plan.worst(0) - 1, true)).isEqualTo(-1);
    }

    @Test
    void eachCandidateGetsTheCapItsOwnPricesAllowForTheSameReservation() {
        ReservationPlan plan = new ReservationPlan(new long[] {IN, 1_000_000}, new long[] {OUT, 0},
                new long[] {1000, 1000}, new int[] {16_384, 4_096}, 1, 256, false);

        assertThat(plan.amounts()).containsExactly(9_980_400L);
        assertThat(plan.cap(0, 1_000_000, true)).isEqualTo(1_416);
        assertThat(plan.cap(1, 1_000_000, true)).as("worst case 1,000,000 nano fits whole").isEqualTo(4_096);
        assertThat(plan.cap(1, 999_999, true)).as("its prompt alone does not fit").isEqualTo(-1);
    }

    private static ReservationPlan plan(long promptBound, int requested, int choices, int minOutput) {
        return new ReservationPlan(new long[] {IN}, new long[] {OUT}, new long[] {promptBound},
                new int[] {requested}, choices, minOutput, false);
    }
}
