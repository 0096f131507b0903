package dev.tollgate.call;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

class CanonicalRequestTest {

    private static final CanonicalRequest BASE = CanonicalRequest.builder(WireFormat.ANTHROPIC_MESSAGES, "m")
            .messages(List.of(Message.user(Part.Text.of("hi")))).build();

    @Test
    void reasoningIsARoutingNeedWhenThinkingIsOnOrAnEffortIsAsked() {
        assertThat(BASE.usesReasoning()).isFalse();
        assertThat(BASE.toBuilder().thinking(ThinkingConfig.DISABLED).build().usesReasoning()).isFalse();
        assertThat(BASE.toBuilder().thinking(new ThinkingConfig.Budget(1024)).build().usesReasoning()).isTrue();
        assertThat(BASE.toBuilder().thinking(ThinkingConfig.ADAPTIVE).build().usesReasoning()).isTrue();
        assertThat(BASE.toBuilder().effort("low").build().usesReasoning()).isTrue();
        assertThat(BASE.toBuilder().effort("none").build().usesReasoning()).isFalse();
    }

    @Test
    void imagesInToolResultsCount() {
        Part image = new Part.Image(new ImageSource.Url("https://example.com/a.png"), null, null);

        assertThat(BASE.usesImages()).isFalse();
        assertThat(BASE.toBuilder().messages(List.of(Message.user(
                new Part.ToolResult("t", List.of(image), false, null)))).build().usesImages()).isTrue();
    }

    @Test
    void theBuilderCopiesEverySetting() {
        CanonicalRequest full = BASE.toBuilder().system(List.of(Part.Text.of("s")))
                .tools(List.of(new ToolDef.Function("f", null, null, null, null))).toolChoice(ToolChoice.ANY)
                .parallelToolCalls(false).maxOutputTokens(5).stopSequences(List.of("x")).temperature(0.1).topP(0.2)
                .topK(3).stream(true).clientWantsUsage(true).thinking(ThinkingConfig.ADAPTIVE).effort("high")
                .responseFormat(ResponseFormat.JSON_OBJECT).user("u").n(2).extra("k", new RawJson("1")).build();

        assertThat(full.toBuilder().build()).isEqualTo(full);
        assertThat(full.choices()).isEqualTo(2);
        assertThat(full.usesJsonSchema()).isFalse();
    }
}
