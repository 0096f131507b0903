package dev.tollgate.wire;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.call.CanonicalRequest;
import dev.tollgate.call.WireFormat;
import dev.tollgate.pricing.OutputCapField;
import dev.tollgate.wire.anthropic.AnthropicRequestReader;
import dev.tollgate.wire.anthropic.AnthropicRequestWriter;
import dev.tollgate.wire.openai.OpenAiRequestReader;
import dev.tollgate.wire.openai.OpenAiRequestWriter;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Property 7 of DESIGN.md for requests: a call written in its own format and read back is the same call; a call that
 * translates, written in the other format and read back, is the same call but for what says which format it came
 * from. 300 tries each: the calls are large (several turns, tools, settings), 1,000 take half a minute here.
 */
class RoundTripProperties {

    @Property(tries = 300)
    void anOpenAiCallWrittenAndReadBackIsTheSameCall(@ForAll("openAi") CanonicalRequest call) {
        byte[] body = OpenAiRequestWriter.write(call, call.model(), OutputCapField.MAX_COMPLETION_TOKENS, 0, false);

        assertThat(OpenAiRequestReader.read(body)).isEqualTo(call);
    }

    @Property(tries = 300)
    void anAnthropicCallWrittenAndReadBackIsTheSameCall(@ForAll("anthropic") CanonicalRequest call) {
        byte[] body = AnthropicRequestWriter.write(call, call.model(), call.maxOutputTokens());

        assertThat(AnthropicRequestReader.read(body)).isEqualTo(call);
    }

    @Property(tries = 300)
    void openAiToAnthropicAndBackKeepsATranslatableCall(@ForAll("commonOpenAi") CanonicalRequest call) {
        assertThat(Untranslatable.check(call, WireFormat.ANTHROPIC_MESSAGES)).isNull();

        CanonicalRequest asAnthropic = AnthropicRequestReader.read(
                AnthropicRequestWriter.write(call, call.model(), call.maxOutputTokens()));
        CanonicalRequest back = OpenAiRequestReader.read(OpenAiRequestWriter.write(asAnthropic, call.model(),
                OutputCapField.MAX_TOKENS, 0, call.stream()));

        assertThat(normal(asAnthropic)).isEqualTo(normal(call));
        assertThat(normal(back)).isEqualTo(normal(call));
    }

    @Property(tries = 300)
    void anthropicToOpenAiAndBackKeepsATranslatableCall(@ForAll("commonAnthropic") CanonicalRequest call) {
        assertThat(Untranslatable.check(call, WireFormat.OPENAI_CHAT)).isNull();

        CanonicalRequest asOpenAi = OpenAiRequestReader.read(OpenAiRequestWriter.write(call, call.model(),
                OutputCapField.MAX_TOKENS, 0, true));
        CanonicalRequest back = AnthropicRequestReader.read(
                AnthropicRequestWriter.write(asOpenAi, call.model(), asOpenAi.maxOutputTokens()));

        assertThat(normal(asOpenAi)).isEqualTo(normal(call));
        assertThat(normal(back)).isEqualTo(normal(call));
    }

    /** The call without what names its format: its source, and whether usage was asked (Anthropic always has it). */
    private static CanonicalRequest normal(CanonicalRequest call) {
        return call.toBuilder().source(WireFormat.OPENAI_CHAT).clientWantsUsage(false).build();
    }

    @Provide
    Arbitrary<CanonicalRequest> openAi() {
        return CallArbitraries.openAi();
    }

    @Provide
    Arbitrary<CanonicalRequest> anthropic() {
        return CallArbitraries.anthropic();
    }

    @Provide
    Arbitrary<CanonicalRequest> commonOpenAi() {
        return CallArbitraries.common(WireFormat.OPENAI_CHAT);
    }

    @Provide
    Arbitrary<CanonicalRequest> commonAnthropic() {
        return CallArbitraries.common(WireFormat.ANTHROPIC_MESSAGES);
    }
}
