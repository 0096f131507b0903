package dev.tollgate.wire.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.tollgate.api.ApiError;
import dev.tollgate.api.GatewayException;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

class ChatRequestTest {

    private static final ObjectMapper MAPPER = JsonMapper.builder().build();
    private static final String MESSAGES = "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]";

    private static ChatRequest parse(String json) {
        return ChatRequest.parse(json.getBytes(StandardCharsets.UTF_8), MAPPER);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "null", textBlock = """
            not JSON                  | {"model":                                                     | invalid_json               | null
            empty body                |                                                               | invalid_request            | null
            JSON array                | [{"model":"gpt-4o"}]                                          | invalid_request            | null
            JSON string               | "gpt-4o"                                                      | invalid_request            | null
            missing model             | {"messages":[{"role":"user","content":"hi"}]}                 | missing_required_parameter | model
            null model                | {"model":null,"messages":[{"role":"user","content":"hi"}]}    | missing_required_parameter | model
            model not a string        | {"model":4,"messages":[{"role":"user","content":"hi"}]}       | invalid_type               | model
            blank model               | {"model":" ","messages":[{"role":"user","content":"hi"}]}     | invalid_type               | model
            missing messages          | {"model":"gpt-4o"}                                            | missing_required_parameter | messages
            empty messages            | {"model":"gpt-4o","messages":[]}                              | invalid_type               | messages
            messages not an array     | {"model":"gpt-4o","messages":{"role":"user"}}                 | invalid_type               | messages
            message without role      | {"model":"gpt-4o","messages":[{"content":"hi"}]}              | invalid_type               | messages[0]
            second message not object | {"model":"gpt-4o","messages":[{"role":"user"},"hi"]}          | invalid_type               | messages[1]
            stream not boolean        | {"model":"gpt-4o","messages":[{"role":"user"}],"stream":"true"} | invalid_type             | stream
            max_tokens 0              | {"model":"gpt-4o","messages":[{"role":"user"}],"max_tokens":0} | invalid_value             | max_tokens
            max_tokens negative       | {"model":"gpt-4o","messages":[{"role":"user"}],"max_tokens":-5} | invalid_value            | max_tokens
            max_tokens fractional     | {"model":"gpt-4o","messages":[{"role":"user"}],"max_tokens":1.5} | invalid_value           | max_tokens
            max_tokens a string       | {"model":"gpt-4o","messages":[{"role":"user"}],"max_tokens":"100"} | invalid_value         | max_tokens
            max_tokens too large      | {"model":"gpt-4o","messages":[{"role":"user"}],"max_tokens":3000000000} | invalid_value    | max_tokens
            max_completion_tokens 0   | {"model":"gpt-4o","messages":[{"role":"user"}],"max_completion_tokens":0} | invalid_value | max_completion_tokens
            n 0                       | {"model":"gpt-4o","messages":[{"role":"user"}],"n":0}          | invalid_value             | n
            n above 128               | {"model":"gpt-4o","messages":[{"role":"user"}],"n":129}        | invalid_value             | n
            n a string                | {"model":"gpt-4o","messages":[{"role":"user"}],"n":"2"}        | invalid_value             | n
            """)
    void badBodyIsA400NamingTheParameter(String problem, String body, String code, String param) {
        GatewayException e = catchThrowableOfType(GatewayException.class, () -> parse(body == null ? "" : body));

        assertThat(e).as(problem).isNotNull();
        assertThat(e.error().status()).isEqualTo(400);
        assertThat(e.error().type()).isEqualTo(ApiError.INVALID_REQUEST);
        assertThat(e.error().code()).as(problem).isEqualTo(code);
        assertThat(e.error().param()).as(problem).isEqualTo(param);
    }

    @Test
    void goodBodyKeepsEveryFieldAndTheOriginalBytes() {
        byte[] body = ("{\"model\":\"gpt-4o\"," + MESSAGES + ",\"logit_bias\":{\"50256\":-100},"
                + "\"x_vendor\":{\"deep\":[1,null,true]},\"stream\":false}").getBytes(StandardCharsets.UTF_8);

        ChatRequest request = ChatRequest.parse(body, MAPPER);

        assertThat(request.body()).isSameAs(body);
        assertThat(request.tree()).isEqualTo(MAPPER.readTree(body));
        assertThat(request.tree().path("x_vendor").path("deep").get(2).booleanValue()).isTrue();
        assertThat(request.model()).isEqualTo("gpt-4o");
        assertThat(request.stream()).isFalse();
        assertThat(request.maxOutputTokens()).isNull();
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', nullValues = "null", textBlock = """
            "max_tokens":100                            | 100
            "max_completion_tokens":200                 | 200
            "max_tokens":100,"max_completion_tokens":200 | 200
            "max_completion_tokens":200,"max_tokens":100 | 200
            "max_completion_tokens":null,"max_tokens":100 | 100
            "max_tokens":null                           | null
            """)
    void maxCompletionTokensIsPreferredOverMaxTokens(String fields, Integer expected) {
        ChatRequest request = parse("{\"model\":\"gpt-4o\"," + MESSAGES + "," + fields + "}");

        assertThat(request.maxOutputTokens()).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            "stream":true                                                | true  | false
            "stream":true,"stream_options":{"include_usage":true}        | true  | true
            "stream":true,"stream_options":{"include_usage":false}       | true  | false
            "stream":true,"stream_options":{}                            | true  | false
            "stream":true,"stream_options":null                          | true  | false
            "stream":false                                               | false | false
            "stream":null                                                | false | false
            """)
    void streamAndClientWantsUsageFollowTheRequest(String fields, boolean stream, boolean wantsUsage) {
        ChatRequest request = parse("{\"model\":\"gpt-4o\"," + MESSAGES + "," + fields + "}");

        assertThat(request.stream()).isEqualTo(stream);
        assertThat(request.clientWantsUsage()).isEqualTo(wantsUsage);
    }

    @Test
    void promptTokensAreCountedOnceAndKept() {
        ChatRequest request = parse("{\"model\":\"gpt-4o\"," + MESSAGES + "}");
        int[] calls = {0};

        long first = request.promptTokens(tree -> ++calls[0] * 10L);
        long second = request.promptTokens(tree -> ++calls[0] * 10L);

        assertThat(first).isEqualTo(10);
        assertThat(second).isEqualTo(10);
        assertThat(calls[0]).isEqualTo(1);
    }

    @Test
    void choicesDefaultToOneAndFollowN() {
        assertThat(parse("{\"model\":\"gpt-4o\"," + MESSAGES + "}").choices()).isEqualTo(1);
        assertThat(parse("{\"model\":\"gpt-4o\"," + MESSAGES + ",\"n\":5}").choices()).isEqualTo(5);
        assertThat(parse("{\"model\":\"gpt-4o\"," + MESSAGES + ",\"n\":null}").choices()).isEqualTo(1);
    }

    @Test
    void thePromptBoundIsTheBodysBytesLessImageUrlsPlusAPerImageBoundAndAToolsOverhead() {
        String image = "data:image/png;base64," + "A".repeat(10_000);
        String body = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\","
                + "\"text\":\"What is this?\"},{\"type\":\"image_url\",\"image_url\":{\"url\":\"" + image + "\","
                + "\"detail\":\"high\"}},{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://x.test/a.png\"}}]}]}";
        String tools = "{\"model\":\"gpt-4o\"," + MESSAGES + ",\"tools\":[{\"type\":\"function\","
                + "\"function\":{\"name\":\"f\"}}]}";

        ChatRequest withImages = parse(body);
        ChatRequest withTools = parse(tools);

        assertThat(withImages.images()).isEqualTo(2);
        long bytes = body.getBytes(StandardCharsets.UTF_8).length;
        assertThat(withImages.promptBoundTokens(1_000))
                .isEqualTo(bytes - image.length() - "https://x.test/a.png".length() + 2 * 1_000);
        assertThat(withTools.promptBoundTokens(1_000)).isEqualTo(tools.getBytes(StandardCharsets.UTF_8).length
                + ChatRequest.TOOLS_OVERHEAD_TOKENS);
        assertThat(parse("{\"model\":\"gpt-4o\"," + MESSAGES + "}").promptBoundTokens(1_000))
                .as("no more prompt tokens than bytes").isGreaterThanOrEqualTo(
                        parse("{\"model\":\"gpt-4o\"," + MESSAGES + "}").promptTokens(
                                new dev.tollgate.metering.TokenCounter()));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            no cap: added first              | {"model":"o1","messages":[]}                                      | {"max_completion_tokens":700,"model":"o1","messages":[]}
            max_tokens replaced in place     | {"model":"m","max_tokens": 16000 ,"messages":[]}                   | {"model":"m","max_tokens": 700 ,"messages":[]}
            max_completion_tokens replaced   | {"max_completion_tokens":90000,"model":"m"}                        | {"max_completion_tokens":700,"model":"m"}
            both replaced                    | {"max_tokens":5000,"model":"m","max_completion_tokens":9}          | {"max_tokens":700,"model":"m","max_completion_tokens":700}
            """)
    void anOutputCapIsSplicedIntoTheClientsBytes(String name, String body, String expected) {
        String json = body.replace("\"messages\":[]", MESSAGES);
        if (!json.contains("messages")) {
            json = json.substring(0, json.length() - 1) + "," + MESSAGES + "}";
        }
        String want = expected.replace("\"messages\":[]", MESSAGES);
        if (!want.contains("messages")) {
            want = want.substring(0, want.length() - 1) + "," + MESSAGES + "}";
        }

        byte[] out = parse(json).withOutputCap(dev.tollgate.pricing.OutputCapField.MAX_COMPLETION_TOKENS, 700);

        assertThat(new String(out, StandardCharsets.UTF_8)).isEqualTo(want);
        assertThat(parse(new String(out, StandardCharsets.UTF_8)).maxOutputTokens()).isEqualTo(700);
    }
}
