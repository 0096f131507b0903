package dev.tollgate.metering;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;
import dev.tollgate.call.CallRequest;
import dev.tollgate.wire.openai.ChatRequest;

class TokenCounterTest {

    private static final ObjectMapper MAPPER = JsonMapper.builder().build();

    private static ChatRequest request(String json) {
        String body = json.replace("{\"messages\"", "{\"model\":\"m\",\"messages\"");
        return ChatRequest.parse(body.getBytes(java.nio.charset.StandardCharsets.UTF_8), MAPPER);
    }

    @Test
    void textCountIsTheO200kTokenCount() {
        TokenCounter counter = new TokenCounter();

        assertThat(counter.count("Hello world")).isEqualTo(2);
        assertThat(counter.count("")).isZero();
        assertThat(counter.count((String) null)).isZero();
    }

    @Test
    void countingIsDeterministicAcrossInstances() {
        String text = "Tollgate routes each call to the cheapest acceptable backend. ¿Qué tal? 😀";

        assertThat(new TokenCounter().count(text)).isEqualTo(new TokenCounter().count(text))
                .isEqualTo(new TokenCounter().count(text));
    }

    @Test
    void messageCountAddsThreePerMessageAndThreeToPrimeTheReply() {
        TokenCounter counter = new TokenCounter();
        ChatRequest request = request("{\"model\":\"gpt-4o\",\"messages\":["
                + "{\"role\":\"system\",\"content\":\"You are terse.\"},"
                + "{\"role\":\"user\",\"content\":\"Hello world\"}]}");
        long text = counter.count("system") + counter.count("You are terse.") + counter.count("user")
                + counter.count("Hello world");

        long total = counter.count(request);

        assertThat(total).isEqualTo(text + 2 * 3 + 3);
        // system 1 + "You are terse." 4 + user 1 + "Hello world" 2, plus framing 9
        assertThat(total).isEqualTo(17);
    }

    @Test
    void nameAddsOneTokenPlusItsText() {
        TokenCounter counter = new TokenCounter();
        long without = counter.count(request("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"));

        long with = counter.count(request("{\"messages\":[{\"role\":\"user\",\"name\":\"alice\",\"content\":\"hi\"}]}"));

        assertThat(with - without).isEqualTo(1 + counter.count("alice"));
    }

    @Test
    void emptyRequestCountsOnlyThePriming() {
        ChatRequest empty = request("{\"messages\":[{\"role\":\"user\"}]}");
        CallRequest nothing = new CallRequest() {
            // every method but the walk is unused by the counter
            public dev.tollgate.call.WireFormat format() { return empty.format(); }
            public byte[] body() { return empty.body(); }
            public String model() { return empty.model(); }
            public boolean stream() { return false; }
            public boolean clientWantsUsage() { return false; }
            public Integer maxOutputTokens() { return null; }
            public int choices() { return 1; }
            public java.util.Set<dev.tollgate.pricing.Capability> needs() { return java.util.Set.of(); }
            public int images() { return 0; }
            public long promptBoundTokens(int imageTokensMax) { return 0; }
            public void walkPrompt(PromptVisitor visitor) { }
            public dev.tollgate.call.CanonicalRequest canonical() { return empty.canonical(); }
            public long promptTokens(dev.tollgate.call.PromptTokenCounter counter) { return counter.count(this); }
        };
        assertThat(new TokenCounter().count(nothing)).isEqualTo(3);
    }
}
