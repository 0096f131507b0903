package dev.tollgate.wire.openai;

import static dev.tollgate.wire.openai.SseStreams.MAPPER;
import static dev.tollgate.wire.openai.SseStreams.bytes;
import static dev.tollgate.wire.openai.SseStreams.events;
import static dev.tollgate.wire.openai.SseStreams.feed;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import dev.tollgate.pricing.Usage;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class SseUsageTapProperties {

    /** A stream and the offsets it is cut at. */
    record Split(List<String> events, String newline, List<Integer> cuts) {
        byte[] stream() {
            return bytes(events);
        }
    }

    @Property
    void anySplitDeliversTheStreamMinusTheUsageEventWhenDropping(@ForAll("splits") Split split) {
        SseUsageTap tap = new SseUsageTap(MAPPER, true);

        byte[] delivered = feed(tap, split.stream(), split.cuts());

        List<String> withoutUsage = split.events().stream()
                .filter(e -> !e.equals(SseStreams.usageEvent(split.newline()))).toList();
        assertThat(withoutUsage).hasSize(split.events().size() - 1);
        assertThat(delivered).isEqualTo(bytes(withoutUsage));
        assertThat(tap.reportedUsage()).isEqualTo(new Usage(10, 2, 0, 34, 0, false));
        assertThat(tap.sawDone()).isTrue();
    }

    @Property
    void anySplitDeliversTheWholeStreamWhenKeepingUsage(@ForAll("splits") Split split) {
        SseUsageTap tap = new SseUsageTap(MAPPER, false);

        byte[] delivered = feed(tap, split.stream(), split.cuts());

        assertThat(delivered).isEqualTo(split.stream());
        assertThat(tap.reportedUsage()).isEqualTo(new Usage(10, 2, 0, 34, 0, false));
    }

    @Property
    void usageReadIsTheSameForEverySplit(@ForAll("splits") Split split, @ForAll boolean drop) {
        SseUsageTap whole = new SseUsageTap(MAPPER, drop);
        feed(whole, split.stream(), List.of());
        SseUsageTap cut = new SseUsageTap(MAPPER, drop);

        feed(cut, split.stream(), split.cuts());

        assertThat(cut.reportedUsage()).isEqualTo(whole.reportedUsage()).isNotNull();
        assertThat(cut.deliveredBytes()).isEqualTo(whole.deliveredBytes());
    }

    @Provide
    Arbitrary<Split> splits() {
        // Any text, including quotes, backslashes, "usage", line breaks and multi-byte characters.
        Arbitrary<String> delta = Arbitraries.oneOf(Arbitraries.strings().ofMaxLength(20),
                Arbitraries.of("usage", "\"usage\":{", "\n\n", "\r\n\r\n", "data: [DONE]", "é€😀"));
        Arbitrary<List<String>> deltas = delta.list().ofMaxSize(6);
        Arbitrary<String> newline = Arbitraries.of("\n", "\r\n");
        return Combinators.combine(deltas, newline).flatAs((d, nl) -> {
            List<String> events = events(d, true, nl);
            int length = bytes(events).length;
            return Arbitraries.integers().between(0, length).list().ofMaxSize(40)
                    .map(cuts -> cuts.stream().sorted().toList())
                    .map(cuts -> new Split(events, nl, cuts));
        });
    }
}
